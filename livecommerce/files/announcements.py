"""Show announcements: one text per market and language, in the market's own time.

"Live on Thursday, December 10, 2026 at 8:00 PM Almaty time" for buyers in Kazakhstan
reading English; the translated catalogs turn it into «Эфир: четверг, 10 декабря
2026 г., в 20:00 (время Алматы)». Where the market keeps two clocks (Xinjiang) both are
given: «22:00 (пекинское время) / 20:00 (синьцзянское время)». Every sentence goes
through gettext with named placeholders, so a translator may reorder them; dates,
times, clock names and prices come from the Localizer.

The pack is the same texts as files to hand out: one plain-text file per market (each
language under its code) and a zip of one file per market and language, with the JSON
of them all.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from livecommerce.core.messages import N_
from livecommerce.core.models import Market, Product, Show
from livecommerce.i18n import Localizer, chat_locale

# Sentences of an announcement. Placeholders a translation may use in WHEN:
#   {date} (full weekday and date, on the market's first clock), {weekday}, {day} (day
#   and month), {time} (the time on each of the market's clocks, each named), {zone}
#   (the clocks' names alone), {market} (the market's name), {title}.
WHEN = N_("Live on {date} at {time}")
FEATURED = N_("On the show:")
PRODUCT_PRICE = N_("{product}: {price}")


def market_zone(market: Market) -> str:
    """The market's main zone (the first of its zones), where its buyers' clock is read."""
    return market.zones[0] if market.zones else "UTC"


def localizer_for(market: Market, lang: str) -> Localizer:
    """A reader of `lang` (a chat language code) on the clock of `market`."""
    return Localizer(locale=chat_locale(lang), zone=market_zone(market))


def _fill(l10n: Localizer, template: str, params: Mapping[str, str]) -> str:
    """A translated template with its placeholders filled; the English one if the
    translation names a placeholder that does not exist."""
    try:
        return l10n.gettext(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return template.format(**params)


def when_params(l10n: Localizer, moment: datetime, market: Market, lang: str) -> dict[str, str]:
    """The placeholders that say when `moment` is for a reader of `lang` in `market`:
    the date on the market's first clock (Beijing time in Xinjiang), the time on each."""
    return {
        "date": l10n.clock_date(moment),
        "weekday": l10n.clock_date(moment, format="EEEE"),
        "day": l10n.clock_date(moment, skeleton="MMMMd"),
        "time": l10n.clock_times(moment),
        "zone": l10n.clock_name(),
        "market": market.names.get(lang) or market.names.get("en") or market.code,
    }


def announce(show: Show, market: Market, lang: str, products: Mapping[str, Product]) -> str:
    """The announcement of `show` for buyers of `market` who read `lang`.

    Lines: the show's title in `lang`; when it starts on the market's clock; then, if
    the show features products, each with its name in `lang` and its price in the
    market's currency (without a price where the product has none in that currency)."""
    l10n = localizer_for(market, lang)
    params = when_params(l10n, show.starts_at, market, lang)
    params["title"] = title = show.title(lang)
    lines = [title, _fill(l10n, WHEN, params)]
    featured = [products[sku] for sku in show.featured if sku in products]
    if featured:
        lines.append(l10n.gettext(FEATURED))
    for product in featured:
        name = product.name(lang)
        price = product.prices.get(market.currency)
        if price is None:
            lines.append(name)
            continue
        money = l10n.format_money(price, market.currency)
        lines.append(_fill(l10n, PRODUCT_PRICE, {"product": name, "price": money}))
    return "\n".join(lines)


def announcements(
    show: Show, markets: Iterable[Market], products: Iterable[Product]
) -> dict[str, dict[str, str]]:
    """Every announcement of `show`: {market code: {language: text}}, for each of the
    show's markets that is known, in each language that market speaks."""
    by_code = {m.code: m for m in markets}
    by_sku = {p.sku: p for p in products}
    return {
        code: {
            lang: announce(show, by_code[code], lang, by_sku) for lang in by_code[code].languages
        }
        for code in show.markets
        if code in by_code
    }


def market_text(texts: Mapping[str, str]) -> str:
    """One market's announcements as one plain-text file: each language under a line
    with its code, `[kk]`, a blank line between them."""
    return "\n\n".join(f"[{lang}]\n{text}" for lang, text in texts.items()) + "\n"


def safe_name(text: str) -> str:
    """`text` as one file name, never a path: letters, digits, '.', '_' and '-'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"


def pack_zip(show: Show, texts: Mapping[str, Mapping[str, str]]) -> bytes:
    """The announcement pack as a zip: `KZ/kk.txt` for every market and language, and
    `announcements.json` with them all. Entries carry the show's start as their date,
    so the same pack is the same bytes."""
    stamp = show.starts_at.astimezone(UTC)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:

        def add(name: str, text: str) -> None:
            info = zipfile.ZipInfo(f"{safe_name(show.id)}/{name}", date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(info, text.encode("utf-8"))

        for code, by_lang in texts.items():
            for lang, text in by_lang.items():
                add(f"{safe_name(code)}/{safe_name(lang)}.txt", text + "\n")
        data = {"stream": show.id, "announcements": texts}
        add("announcements.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return buffer.getvalue()
