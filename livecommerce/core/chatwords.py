"""The most frequent words of live-shopping chat, per language and writing system.

The language detector (`livecommerce.core.langid`) scores a message by the words it
finds here: chat is short, and two or three everyday words ("narxi qancha", "бар ма",
"skolko stoit") tell its language better than any letter statistics, also when it is
transliterated or typed without a language's own letters. The lists hold what buyers
write during a show: prices, delivery, sizes and colours, greetings, thanks, payment,
yes and no, the particles that end a question. A word that belongs to several languages
is listed under each; its score is shared among them.

Words are written in their standard spelling; `chat_variants` adds the forms people
type without the special letters (Kazakh қ as к, Uzbek oʻ as o...).
"""

from __future__ import annotations

from collections.abc import Iterator

# (language, script) → words, lower case. Latin Kazakh, Russian and Kyrgyz are the
# transliterations people type on a Latin keyboard, not an official alphabet.
CHAT_WORDS: dict[tuple[str, str], str] = {
    ("kk", "Cyrl"): """
        да де та те
        сатасыз сатыңыз алғым келеді келе ме келе ма бересіз бересіз бе берем дейін
        дейсіз деп тұр тұрған барма барма жоқпа болса болсын емес екенін екен ғой рас
        жаңа ескі кім не неге неліктен қаншадан қаншаға қымбатқа бағасы қалай тауар
        тауарыңыз тауарлар қызға ұлға әйел ер жігіт кішірек үлкенірек орташа шағын
        шалбар көйлек куртка етік аяқ киім сөмке телефон өлшемі өлшем мөлшері
        жібересіздер ме жіберіңдер жазыңыз жазыңызшы айтыңыз айтшы көрсет сәлеметсіздер
        ме армысыз қайырлы кеш таң күн достар апалар бауырым қарындас аға әпкесі тәтесі
        жаным қуаныштымын рақмет сізге ризамын көп сағат минут апта ай жыл ақша карта
        қолма қол нөмір мекенжай адрес почта поштамен пошта тапсырыс бердім бердік
        беремін береміз берейін алсам алсақ алып кетуге кетеді келе жатыр жеттім жетті
        күтемін күтеміз күтіп тез мен сен ол олар бар қанша неше бағасы баға бағасын
        бағалары тұрады тұр тұрады ма ме ба бе па пе жоқ жоқпа жоқ па иә рақмет рахмет
        рақмет сәлем сәлеметсіз сәлеметсіздер сәлеметсіз бе қалай қалайсыз қалайсыздар
        қандай жеткізу жеткізесіз жеткізесіздер жеткізіп жібересіз жібересіздер
        жіберіңіз жіберіңізші жіберемін жібердім жіберу маған сізге сізде сіздер сіздің
        біз біздің менің менде керек керекпін дана аламын алайын алдым аламыз алам
        беремін бердім тапсырыс төлеу төлем төледім төлейін төлесем түсі түсті түс түрі
        түрлі көк қызыл қара ақ сары жасыл көрсетіңізші көрсетіңіз көрсетші әдемі өте
        жақсы екен ғой ғана және бұл мынау мына осы сол әлі тағы бір екі үш төрт қашан
        қайда қай қайдан келеді келді келмеді жетеді күнде күн ертең бүгін кеше жеңілдік
        арзан қымбат арзандатасыз үлкен кіші кішкентай апай апа әпке аға ағай қыздар
        балаларға балалар әйелдерге теңге түпнұсқа сапасы сапалы ұнады ұнайды қайтару
        ауыстыру болады бола болмайды жарайды жарайсыз алып ақша ақшасын аударамын
        аудару қазақша орысша сөйлеңізші қаладан қаласына ауылға көрсетіңізші жазып
        айтыңызшы қайта шығады қалды қалмады сатып аламыз арқылы неге неше теңге тегін
        ия
    """,
    ("kk", "Arab"): """
        قانشا نەشە باعاسى باعا باعاسىن تۇرادى ما مە با بە پا پە جوق يا راقمەت راحمەت
        سالەم سالەمەتسىز سالەمەتسىزدەر قالاي قالايسىز قالايسىزدار قانداي جەتكىزۋ
        جەتكىزەسىز جەتكىزىپ جىبەرەسىز جىبەرەسىزدەر جىبەرىڭىز جىبەرىڭىزشى جىبەردىم ماعان
        سىز سىزگە سىزدە سىزدىڭ بىز بىزدىڭ مەنىڭ كەرەك دانا الامىن الايىن الدىم الامىز
        تاپسىرىس تولەۋ تولەم تولەدىم تۇسى تۇس تۇرى كوك قىزىل قارا اق سارى جاسىل
        كورسەتىڭىزشى كورسەتىڭىز ادەمى وتە جاقسى ەكەن عوي عانا جانە بۇل مىناۋ مىنا وسى
        سول الى تاعى بىر ەكى ۇش قاشان قايدا قاي قايدان كەلەدى كەلدى كەلمەدى جەتەدى كۇن
        كۇندە ەرتەڭ بۇگىن كەشە جەڭىلدىك ارزان قىمبات ۇلكەن كىشى كىشكەنتاي اپاي اپكە اعا
        بالالار بالالارعا تەڭگە يۋان ساپاسى ۇنادى قايتارۋ بولادى بولا جارايدى جارايسىز
        اقشا اقشاسىن قازاقشا ارقىلى تەگىن نەگە ولشەمى ولشەم الۋ الۋعا كيىم
    """,
    ("kk", "Latn"): """
        da de ta te
        qansha kansha qanşa turady bagasy bagasi baghasy bagasyn rahmet rakhmet raqmet
        salem salemetsiz salemetsizder bar ma me be ba pa jok zhok joq ia iya qalai
        kalai qalay kalay qandai kandai zhetkizu jetkizu zhetkizesiz jetkizesiz
        jiberesiz zhiberesiz jibere zhibere alasyz magan maghan sizge bizge kerek dana
        alam alamyn alaiyn alayin aldym tapsyrys tusi tus kok qyzyl kyzyl qara kara aq
        ak sary zhasyl jasyl korsetinizshi ademi ote zhaksy jaksy jaqsy eken goi gana
        tagy bir eki ush qashan kashan qaida kaida keledi kun erten bugin keshe arzan
        qymbat tenge almatyga astanaga beremin beremn
    """,
    ("ky", "Cyrl"): """
        размери
        да де та те
        барбы жокпу болобу болот эмес эле беле элем экенсиз экен го го да
        саламатсыздарбы кандайсыздар кутман кеч жакшы күн достор эжелер байкелер агай
        карындаш сиңди жаным сатасыздар сатып аласызбы алгым келет келеби бересиздерби
        бересизби бериңиз бериңизчи жибериңиз жибериңизчи жазыңыз жазыңызчы айтыңыз
        айтыңызчы көрсөтүңүз көрсөтүп кичирээк чоңураак орточо шым көйнөк куртка өтүк
        бут кийим сумка телефон өлчөмү өлчөмдөр түстөр товар товарыңыз кыздарга балдарга
        аялдарга эркектерге кымбатка арзаныраак канчадан канчага баасы кандай эмнеге
        неге ким эмне жаңы эски саат мүнөт апта ай жыл акча карта накталай номер дарек
        почта почтага заказ кылдым кылабыз алабыз алам алсам алып кетсем келе жатат
        жеттим жетти күтөм күтөбүз күтүп бишкектен оштон кыргызстандан кыргызстанга
        жөнөтүп жиберип бересизби мобилбанк элсом оптима сомдон сомго сомдук бул мен сен
        ал алар бар канча канчага канчадан баасы баа баасын турат барбы жокпу бы би бу
        бү эмес ооба жок рахмат салам саламатсызбы саламатсыздарбы кандай кандайсыз
        кантип жеткирүү жеткирип жеткиресиздерби жибересиздерби жибересизби жиберип
        жөнөтөсүздөрбү жөнөтөсүзбү жөнөтөм мага сизге сизде биз керек даана алам алайын
        алдым кылам кылсам төлөйм төлөдүм төлөсө түсү түстөрү түс көк кызыл кара ак сары
        жашыл көрсөтүңүзчү көрсөтүңүз сонун абдан жакшы жакшыбы экен дагы бир эки үч
        качан кайда кайсы келет келди келбеди жетет күн эртең бүгүн кечээ арзан кымбат
        чоң кичине кичинекей өлчөм өлчөмү эже байке эжеке балдар балдарга сом сомго
        сапаты жакты жакпады болобу болот болбойт жарайт эмне эмнеге үчүн менен деп
        кыргызча орусча сүйлөйсүзбү акча акчаны котором бажы бекер ушул ошол тез кийим
        бересизби калдыбы шаардан жазсам
    """,
    ("ky", "Latn"): """
        da de ta te
        bar kancha kanchaga baasy baasi turat barby barbi rahmat salam kandai kandaj
        jetkiruu jetkirip jiberesizbi jiberesizderbi maga jakshy jakshi eken ooba jok
        emne emnege uchun menen som bishkekke oshko eje baike alam kerek
    """,
    ("ug", "Cyrl"): """
        размери
        бармекән йоқму боламду болиду әмәс екән екәнсиз һә салам әләйкум яхшимусиләр
        қандақ әһвалиңиз сетамсиз сетип алимиз алмақчимән берәмсиз бериң берип йезиң
        йезип ейтиң ейтип көрситип чоңирақ кичикрәк оттура иштан көйнәк кийим аяқ аяғ
        сомка телефон өлчими рәңлири мал маллар қизларға балиларға аялларға әрләргә
        қимбәт әрзанрақ нәччә немә немишкә ким йеңи кона саәт минут һәптә ай жил пул
        карта нәқ адрес почта заказ қилдуқ алимиз алсам елип келиватиду йетип кәлди
        күтимән күтүватимән ғулҗидин үрүмчидин алмутидин қазақистанға уйғур уйғурчә
        тәңгигә юәнгә бар қанчә қанчилик пул баһаси баһа баһасини барму бармекән йоқ яқ
        һәә һә рәхмәт рәһмәт салам яхшимусиз яхши яхшиму әссаламу әләйкум қандақ әвәтип
        әвәтиң әвәтимән әвәтисиз әвәтәмсиз йәткүзүп йәткүзүш берәмсиз берәләмсиз маңа
        сизгә сиз биз мән керәк данә алимән алай алдим қилимән қилдим қилмақчи төлидим
        төлисәм рәңги рәң көк қизил қара ақ сериқ йешил көрситиң чирайлиқ наһайити бәк
        интайин екән вә бу шу йәнә бир икки үч қачан қәйәрдә қайси келиду кәлди күн
        күндә әтә бүгүн түнүгүн әрзан қиммәт чоң кичик ака һәдә сиңлим балилар тәңгә юән
        сүпити яқтурдум боламду болиду болмайду немишкә үчүн билән уйғурчә җавап җуда
        нәччә нәрсә кийим қалдиму бериң
    """,
    ("ug", "Arab"): """
        قانچە قانچىلىك پۇل باھاسى باھا باھاسىنى بارمۇ يوق ياق ھەئە ھە رەھمەت سالام
        ياخشىمۇسىز ياخشى ياخشىمۇ ئەسسالامۇئەلەيكۇم قانداق ئەۋەتىپ ئەۋەتىڭ ئەۋەتىمەن
        ئەۋەتىسىز ئەۋەتەمسىز يەتكۈزۈپ يەتكۈزۈش بېرەمسىز ماڭا سىزگە سىز بىز مەن كېرەك
        دانە ئالىمەن ئالاي ئالدىم زاكاز قىلىمەن قىلدىم تۆلىدىم تۆلىسەم رەڭگى رەڭ كۆك
        قىزىل قارا ئاق سېرىق يېشىل كۆرسىتىڭ چىرايلىق ناھايىتى بەك ئىكەن ۋە بۇ شۇ ئۇ يەنە
        بىر ئىككى ئۈچ قاچان قەيەردە قايسى كېلىدۇ كەلدى كۈن كۈندە ئەتە بۈگۈن تۈنۈگۈن
        ئەرزان قىممەت چوڭ كىچىك ئاكا ھەدە بالىلار تەڭگە يۈەن سۈپىتى ياقتۇردۇم بولامدۇ
        بولىدۇ نېمىشقا ئۈچۈن بىلەن ئۇيغۇرچە جاۋاب نەچچە نەرسە كىيىم بېرىڭ
    """,
    ("uz", "Latn"): """
        bormi yoqmi boladi bolmaydi emas edi ekanmi salomatmisiz qalaysiz qanaqasiz
        xayrli kech kun tong dugonalar opalar akalar singlim jonim sotasizmi sotib
        olmoqchiman olsam bering bering bersangiz yuboring yozing yozib ayting
        ko'rsating kichikroq kattaroq o'rtacha shim ko'ylak kurtka etik poyabzal sumka
        telefon o'lchami o'lchamlari ranglari tovar mahsulot qizlarga o'g'il bolalarga
        ayollarga erkaklarga qimmat arzonroq nechpul nechi nega kim nima yangi eski soat
        minut hafta oy yil pul karta naqd raqam manzil pochta buyurtma qildim qilamiz
        olamiz oldim kelyapti yetib keldi kutaman kutyapmiz toshkentdan o'zbekistonga
        so'mga dollarga click payme uzcard humo chiroylik zo'rku shu bu qanchadan
        qanchaga bo'lsa bo'ldi kerakmi kerak emas menimcha yana tushunmadim tushundim
        tez nechpul narxi narx narxini qancha necha nechchi nechi pul turadi yetkazib
        yetkazish berasizmi berasiz beraman rahmat raxmat bormi bor yoʻq yoqmi yoʻqmi
        qayerdan qayerda qaysi assalomu alaykum salom qalaysiz qalaysizlar yaxshi
        yaxshimi zoʻr chiroyli juda menga sizga sizlarda siz biz men kerak dona ikkita
        bitta olaman olmoqchiman oldim buyurtma zakaz qilaman qilmoqchi toʻladim toʻlov
        rangi rang qora oq qizil koʻk yashil sariq koʻrsating koʻrsatib ekan va ham bu
        shu yana bir ikki uch qachon keladi keldi kelmadi yetadi kun kunda ertaga bugun
        kecha chegirma arzon qimmat katta kichik kichkina oʻlcham razmeri opa aka akajon
        bolalar uchun soʻm sifati yoqdi boʻladimi boʻladi mumkin nima nimaga nega bilan
        oʻzbekcha javob beringlar iltimos xop mayli hammaga qanday qanaqa yuborasizmi
        yuboring yuborasiz joʻnatasizmi tekshiring qoldimi qoldiring oʻtkazaman yuborib
    """,
    ("uz", "Cyrl"): """
        бўлмайди эмас эди эканми саломатмисиз қанақасиз хайрли тонг дугоналар опалар
        акалар синглим жоним сотасизми сотиб олсам беринг берсангиз ёзинг ёзиб айтинг
        кичикроқ каттароқ ўртача шим кўйлак этик пойабзал сумка ўлчами ранглари товар
        маҳсулот қизларга ўғил аёлларга эркакларга арзонроқ нега ким янги эски соат
        минут ҳафта ой йил карта нақд рақам манзил почта қилдим қиламиз оламиз келяпти
        етиб кутяпмиз тошкентдан ўзбекистонга сўмга долларга қанчадан қанчага бўлса
        бўлди керакми тушунмадим тушундим тез нечпул нечпулдан мен сен у улар нархи нарх
        нархини қанча неча нечи пул туради етказиб етказиш берасизми берасиз бераман
        раҳмат рахмат борми бор йўқ йўқми қаердан қаерда қайси ассалому алайкум салом
        қалайсиз яхши яхшими зўр чиройли жуда менга сизга сизларда сиз биз керак дона
        иккита битта оламан олмоқчиман олдим буюртма қиламан қилмоқчи тўладим тўлов
        ранги ранг қора оқ қизил кўк яшил сариқ кўрсатинг экан ва ҳам бу шу яна бир икки
        уч қачон келади келди келмади етади кун кунда эртага бугун кеча чегирма арзон
        қиммат катта кичик кичкина ўлчам размери опа ака акажон болалар учун сўм сифати
        ёқди бўладими бўлади мумкин нима нега билан ўзбекча жавоб беринглар илтимос хоп
        майли ҳаммага қандай қанақа юборасизми юборинг жўнатасизми текширинг қолдими
        қолдиринг ўтказаман
    """,
    ("ru", "Cyrl"): """
        скажите подскажите напишите покажите отправьте пришлите сделайте можете можно ли
        сколько стоит стоимость цены дешевле дороже скидки подарок бесплатно бесплатная
        доставкой отправка отправите доставят дойдет дойдёт пришлите получить получу
        забрать заберу купить куплю куплю купила купил заказала беру возьму брала оплачу
        оплачу оплачено перевела перевёл перевод карта картой наличными наличные
        наложенный платеж платежом большой маленький средний маломерит большемерит
        подойдет рост вес размерная сетка ткань состав хлопок кожа натуральная оригинал
        подделка качество качественный девочки девушки ребята мальчики женский мужской
        детский детская детское здравствуйте добрый вечер день утро доброе всем привет
        приветик спасибо благодарю пожалуйста плиз ок окей ладно хорошо понятно ясно
        жаль ого вау класс красота красивый красивая шикарно супер круто норм отлично
        нормально когда сегодня завтра вчера неделю дней день часов минут долго быстро
        где откуда куда почему зачем что какой какая какое какие чей сколько мне меня
        нам нас вам вас им их ему ей его её мой моя мое мои ваш ваша наш я ты вы он она
        мы они есть нет да не ни ли бы же вот вон тоже также ещё уже только очень так
        там тут здесь сюда туда все всё всех это этот эта эти тот та те такой такая если
        чтобы потому или но а и в во на с со по до из от за под над при про для без у к
        ко о об сколько стоит стоят цена цену почем есть нет да а и в на с по до из за у
        к о это этот эта эти как какой какая какие каком где когда почему зачем что кто
        можно нужно надо хочу беру возьму заказать заказала заказал оплатить оплатила
        оплатил доставите отправляете отправите отправка самовывоз размеры какого черный
        белый красный синий спасибо пожалуйста пж здравствуйте добрый день вечер утро
        всем еще уже тоже очень мне меня вас вам нас наличии будет будут дорого дешево
        красиво красивое качество ткань ссылка ссылку покажите поближе подойдет поменять
        вернуть гарантия пришел пришла получила получил жду ждать долго штуки штук пару
        детское мальчика девочки норм супер давайте быстрее если не ли или но так там
        тут все всё идет идёт сколько дней хорошо отлично нравится ответа следующий
        проверьте
    """,
    ("ru", "Latn"): """
        skazhite podskazhite napishite otpravte prishlite mozhete skolka stoimost
        deshevle dorozhe podarok besplatno poluchit zabrat kupit kuplyu kupila zakazala
        oplachu perevela perevod kartoi kartoy nalichnymi bolshoi malenkii srednii rost
        ves tkan sostav kozha devochki rebyata zhenskii muzhskoi detskii dobryi dobriy
        den vecher utro privetik blagodaryu pozhalusta okei ladno horosho xorosho
        ponyatno zhal klass krasivyi krasivaya super kruto norm otlichno segodnya zavtra
        vchera nedelyu dnei dney chasov minut dolgo bystro otkuda kuda zachem kakoe chei
        nam nas vam im ih emu ei ego moi moya vash nash ya ty vy on ona my oni tozhe
        takzhe tolko tak tam tut zdes vse vsyo etot eta eti takoi esli chtoby potomu ili
        no vo na so po do iz ot za pod dlya bez ko ob dostavite dostavka otpravka
        prishlete mojno mozhna skok skolko stoit stoyat cena tsena pochem est net eto
        kak kakoi kakoy kakaya kakie gde kogda pochemu chto mozhno nuzhno nado hochu
        beru vozmu zakazat oplatit oplata dostavka dostavku otpravlyaete otpravite
        razmer razmery cvet tsvet chernyi belyi spasibo pozhaluista pozhaluysta pzh
        zdravstvuite zdravstvuyte privet dobryi vsem eshe esche uzhe tozhe ochen mne
        menya vas nalichii skidka budet dorogo deshevo krasivo kachestvo ssylka
        pokazhite shtuki shtuk sleduyushiy sleduyushii dney bolshoe vzyat
    """,
    ("en", "Latn"): """
        about after again also am another anyone anything back be because been before
        best better big bigger both but buy by came come coming could day days did didnt
        does each else even ever every few first fine free get give go going gonna got
        had has have he her here him his hope how ill into just know last let like look
        looks lot make many may maybe more most much must name new next night nope now
        off okay old only other our over own please pretty put quick quite really right
        same say see seen sell selling send sent she should small so some someone
        something soon sorry still such sure than that thats them then there they thing
        think those though through till time too try two under until up us use very wait
        wanna was way we well went were what whats where while who whom whose why wish
        within without wont would yeah yep yes yet you your youre yours hello hiya
        morning night cheers thanks thankyou appreciate awesome amazing beautiful
        gorgeous lovely nice cute pretty stunning wow omg lmao haha hahaha plss pls
        pleaseee asap ship shipping shipped shipment deliver delivered delivery courier
        tracking number address country city price prices cost costs total fee fees tax
        cheaper discount sale promo code coupon deal offer bundle stock available left
        sold restock preorder size sizes small medium large xs xxl fits fitting tight
        loose length width colour colours color colors black white grey gray pink purple
        yellow orange brown beige navy dark light cotton silk wool leather fabric
        quality real fake genuine authentic original brand bag bags shoes shoe dress
        shirt jacket coat pants jeans phone case watch card cash transfer paypal visa
        mastercard refund exchange return returns order orders ordering checkout cart
        payment paid pay buying bought how much many price cost costs pls plz please
        ship shipping to is it the an this that these those do does you have has size
        sizes color colors colour what whats when where which why who can could i ill im
        my me want need buy order ordered pay paid card cash with for in of on and or
        yes no not thanks thank thx ty hi hello hey everyone all wow nice cool cute love
        lol omg brb available sold out link free delivery discount original leather
        material fit return next live still any send check take its get got good great
        waiting reply long will arrive today tomorrow yesterday closer show one blue
        black white red green kids more less too expensive cheap from are there your if
        doesnt dont does true chart evening morning waterproof methods payment
        internationally located
    """,
}

# Russian words Turkic speakers use in their own chat ("Доставка бар ма?", "Dostavka
# bormi?"): evidence of Russian only when nothing else speaks, so they weigh a fifth of
# a word.
RUSSIAN_LOANS = """
    доставка доставку доставки доставкой размер размера размере цвет цвета заказ скидка
    скидку скидки оплата привет приветик оригинал эфир каспи трек номер курьер кофта
    карта карту картой ок окей норм супер класс dostavka dostavku razmer razmery razmera
    cvet tsvet zakaz skidka oplata privet original efir kaspi kurier
"""
LOAN_WEIGHT = 0.2

# Letters that Kazakh, Uzbek and Uyghur Cyrillic add to the Russian alphabet, and how
# people type them on a Russian keyboard.
_PLAIN_CYRILLIC = str.maketrans("әғқңөұүһіўҳ", "агкноуухиух")
_PLAIN_LATIN = str.maketrans({"\u02bb": None})


def chat_variants(word: str, lang: str, script: str) -> Iterator[str]:
    """`word` and the forms it takes typed without its language's special letters.

    Uyghur Cyrillic is left as written: its readers type on Kazakh keyboards, which
    have its letters, and its plain forms would be Kyrgyz or Uzbek words.
    """
    yield word
    if script == "Cyrl" and lang != "ug":
        yield word.translate(_PLAIN_CYRILLIC)
    elif script == "Latn":
        yield word.translate(_PLAIN_LATIN)
