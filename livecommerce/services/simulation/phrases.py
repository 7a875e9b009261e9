"""What simulated people write: chat lines in the seven languages, written for the demo.

Each language has greetings, chatter, questions about a product (`{p}` is where the
product's name or a buyer's word for it goes), hard cases of language identification
(words without the language's own letters, another script: Kazakh in Arabic script as in
Xinjiang, Uyghur in Cyrillic as in Kazakhstan, Latin transliterations, code-switching),
links (held for review) and spam (deleted by a moderator). `HARD` lines carry the language
they are really in, which is what a moderator moves a misplaced line to.
"""

from __future__ import annotations

from typing import Final

GREETINGS: Final[dict[str, tuple[str, ...]]] = {
    "kk": ("Сәлеметсіздер ме! 👋", "Қайырлы кеш, Алматыдан сәлем!", "Сәлем бәріне 😊"),
    "ru": ("Всем привет! 👋", "Добрый вечер из Караганды", "Здравствуйте, я первый раз тут"),
    "uz": ("Assalomu alaykum! 👋", "Hammaga salom, Toshkentdan!", "Xayrli kech 😊"),
    "ky": ("Саламатсыздарбы! 👋", "Бишкектен салам баарына", "Кутман кеч 😊"),
    "ug": ("ئەسسالامۇ ئەلەيكۇم! 👋", "ياخشىمۇسىلەر، غۇلجىدىن سالام", "ھەممىڭلارغا سالام 😊"),
    "zh": ("大家好！👋", "主播晚上好，我在伊宁", "第一次来直播间 😊"),
    "en": ("Hi everyone! 👋", "Hello from Berlin", "Good evening, first time here 😊"),
}

CHATTER: Final[dict[str, tuple[str, ...]]] = {
    "kk": (
        "Өте жақсы эфир 👍",
        "Жеткізу қанша күн алады?",
        "Kaspi арқылы төлеуге бола ма?",
        "Рақмет, түсінікті болды",
        "Тағы көрсетіңізші 🙏",
    ),
    "ru": (
        "Классный эфир 🔥",
        "Доставка в Новосибирск сколько идёт?",
        "Гарантия есть?",
        "Спасибо, всё понятно",
        "Покажите ещё раз, пожалуйста",
    ),
    "uz": (
        "Zoʻr efir 👍",
        "Yetkazib berish necha kun oladi?",
        "Kafolat bormi?",
        "Rahmat, tushunarli",
        "Yana bir marta koʻrsating 🙏",
    ),
    "ky": (
        "Абдан жакшы эфир 👍",
        "Жеткирүү канча күн алат?",
        "Кепилдик барбы?",
        "Рахмат, түшүнүктүү",
        "Дагы бир жолу көрсөтүңүзчү 🙏",
    ),
    "ug": (
        "بەك ياخشى بوپتۇ 👍",
        "يەتكۈزۈپ بېرىشكە قانچە كۈن كېتىدۇ؟",
        "كاپالىتى بارمۇ؟",
        "رەھمەت، چۈشەندىم",
        "يەنە بىر قېتىم كۆرسىتىپ بېرىڭ 🙏",
    ),
    "zh": (
        "直播间好热闹 🔥",
        "寄到阿拉木图要几天？",
        "有保修吗？",
        "谢谢主播，明白了",
        "再展示一下吧 🙏",
    ),
    "en": (
        "Great stream 🔥",
        "How long is shipping to Warsaw?",
        "Is there a warranty?",
        "Thanks, that helps",
        "Can you show it again please?",
    ),
}

# `{p}`: the product's name or a buyer's word for it in the line's language.
QUESTIONS: Final[dict[str, tuple[str, ...]]] = {
    "kk": (
        "{p} бағасы қанша?",
        "{p} Шымкентке жеткізесіз бе?",
        "{p} басқа түсі бар ма?",
        "Маған {p} керек, 2 дана",
        "{p} кепілдігі қанша ай?",
    ),
    "ru": (
        "Сколько стоит {p}?",
        "{p} есть в наличии?",
        "А {p} в Москву отправите?",
        "Беру {p}, как оформить?",
        "{p} другого цвета есть?",
    ),
    "uz": (
        "{p} narxi qancha?",
        "{p} Samarqandga yetkazasizmi?",
        "{p} boshqa rangi bormi?",
        "Menga {p} kerak, qanday buyurtma beraman?",
        "{p} kafolati necha oy?",
    ),
    "ky": (
        "{p} баасы канча?",
        "{p} Ошко жеткиресизби?",
        "{p} башка түсү барбы?",
        "Мага {p} керек, кантип заказ берем?",
        "{p} кепилдиги канча ай?",
    ),
    "ug": (
        "{p} باھاسى قانچە؟",
        "{p} قەشقەرگە ئەۋەتەمسىز؟",
        "{p} باشقا رەڭلىكى بارمۇ؟",
        "ماڭا {p} كېرەك، قانداق زاكاز قىلىمەن؟",
        "{p} كاپالەت مۇددىتى قانچە؟",
    ),
    "zh": (
        "{p}多少钱？",
        "{p}能寄到乌鲁木齐吗？",
        "{p}有别的颜色吗？",
        "我要{p}，怎么下单？",
        "{p}保修多久？",
    ),
    "en": (
        "How much is the {p}?",
        "Does the {p} ship to Germany?",
        "Is the {p} in stock?",
        "I'll take the {p}, how do I order?",
        "What colours does the {p} come in?",
    ),
}

# (the language it is really in, the line): the hard cases of language identification.
HARD: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "kk": (
        ("kk", "Багасы канша турады?"),  # Kazakh typed without its own letters
        ("kk", "Бул канша? Маган керек"),
        ("kk", "باعاسى قانشا؟"),  # Kazakh in Arabic script, as in Xinjiang
        ("kk", "qansha turady? maǵan kerek"),  # Kazakh in Latin script
        ("kk", "Доставка бар ма Алматыға?"),  # code-switching with Russian words
        ("ru", "skolko stoit dostavka?"),  # a reader of Kazakh writes Russian
    ),
    "ru": (
        ("ru", "skolko stoit? pokazhite eshe raz"),  # Russian in Latin letters
        ("ru", "ок"),
        ("ru", "Скидка есть?"),
        ("ru", "privet, dostavka v Almaty est?"),
        ("kk", "Бұл қанша тұрады? Маған керек"),  # a reader of Russian writes Kazakh
        ("uz", "Narxi qancha? Menga yoqdi"),  # and Uzbek
    ),
    "uz": (
        ("uz", "Нархи қанча? Менга керак"),  # Uzbek in Cyrillic
        ("uz", "narxi qancha? yo'q rangi"),  # an ASCII apostrophe for ʻ
        ("uz", "Салом, етказиб бериш борми?"),
        ("uz", "rahmat 👍"),
    ),
    "ky": (
        ("ky", "Баасы канча?"),  # Kyrgyz without ң, ө, ү: as Kazakh would be
        ("ky", "Рахмат, алам"),
        ("ky", "baasy kancha? jetkiruu barby"),  # Kyrgyz in Latin letters
        ("ru", "Сколько идёт доставка в Бишкек?"),  # a reader of Kyrgyz writes Russian
    ),
    "ug": (
        ("ug", "Баһаси қанчә? Маңа керәк"),  # Uyghur in Cyrillic, as in Kazakhstan
        ("ug", "bahasi qanche? manga kérek"),  # Uyghur Latin script (ULY)
        ("ug", "رەھمەت 👍"),
        ("zh", "这个多少钱？包邮吗？"),  # a reader of Uyghur writes Chinese
    ),
    "zh": (
        ("zh", "duoshao qian? 包邮吗"),  # pinyin and characters
        ("zh", "這個多少錢？"),  # traditional characters
        ("zh", "好的👍"),
        ("ug", "بۇنىڭ باھاسى قانچە؟"),  # a reader of Chinese writes Uyghur
    ),
    "en": (
        ("en", "price?"),
        ("en", "ok 👍"),
        ("en", "skolko? how much in euro"),
    ),
}

# Held for review (a link); a moderator approves the first kind and rejects the second.
LINKS: Final[dict[str, tuple[str, ...]]] = {
    "kk": ("Мына сілтеме бойынша да бар ма: kaspi.kz/shop",),
    "ru": ("А на ozon.ru дешевле, проверьте",),
    "uz": ("uzum.uz da ham bormi?",),
    "ky": ("Бул шилтеме боюнча көрдүм: lalafo.kg",),
    "ug": ("بۇ ئادرېستا كۆردۈم: taobao.com",),
    "zh": ("淘宝上更便宜 taobao.com",),
    "en": ("Saw it cheaper on amazon.de",),
}

# Deleted by a moderator on sight.
SPAM: Final[dict[str, tuple[str, ...]]] = {
    "kk": ("ТЕГІН АҚША!!! менің каналыма жазылыңдар!!!",),
    "ru": ("ПОДПИСЫВАЙТЕСЬ НА МОЙ КАНАЛ!!! 💰💰💰",),
    "uz": ("TEKIN PUL!!! kanalimga obuna boʻling!!!",),
    "ky": ("АКЫСЫЗ АКЧА!!! каналыма жазылгыла!!!",),
    "ug": ("ھەقسىز پۇل!!! قانىلىمغا مۇشتەرى بولۇڭلار!!!",),
    "zh": ("免费领钱!!! 加我微信!!! 💰💰💰",),
    "en": ("FREE MONEY!!! follow my channel!!! 💰💰💰",),
}

# What the streamer says on air and in chat about the product on show (`{p}`: its name).
SPEECH: Final[dict[str, tuple[str, ...]]] = {
    "kk": (
        "Қазір көрсетіп тұрғанымыз — {p}, бүгін шекара бағасымен!",
        "{p} қоймада бар, тапсырыс беріңіздер.",
    ),
    "ru": ("Смотрите, это {p}, сегодня по цене границы!", "{p} есть на складе, заказывайте."),
    "uz": ("Mana, bu {p}, bugun chegara narxida!", "{p} omborda bor, buyurtma bering."),
    "ky": ("Карагыла, бул {p}, бүгүн чек ара баасында!", "{p} кампада бар, заказ бергиле."),
    "ug": ("قاراڭ، بۇ {p}، بۈگۈن چېگرا باھاسىدا!", "{p} ئامباردا بار، زاكاز قىلىڭلار."),
    "zh": ("大家看，这就是{p}，今天口岸价！", "{p}现货，赶紧下单。"),
    "en": ("Look, this is the {p}, border price today!", "The {p} is in stock, order now."),
}

# Viewers' display names, per language.
NAMES: Final[dict[str, tuple[str, ...]]] = {
    "kk": ("Асель", "Ерлан", "Динара", "Нұрлан", "Айгүл"),
    "ru": ("Дмитрий", "Ольга", "Сергей", "Наталья", "Игорь"),
    "uz": ("Dilnoza", "Jasur", "Malika", "Sardor", "Gulnora"),
    "ky": ("Айбек", "Нургүл", "Бакыт", "Жылдыз", "Темир"),
    "ug": ("ئابدۇللا", "گۈلنار", "ئەركىن", "مەھرىبان", "ئالىم"),
    "zh": ("王芳", "李伟", "张敏", "刘洋", "陈静"),
    "en": ("Anna", "Lukas", "Emma", "Jonas", "Mia"),
}
