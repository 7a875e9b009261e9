"""The demo world: plain TOML and CSV files in seeds/, checked and loaded into the store.

Loading is idempotent: records are keyed (market code, sku, show id, order id, …) and
upserted, so loading twice changes nothing, and an edited file updates what it names.

One file is checked but not stored: moderators.toml, the interpreters' languages and
hours, which the planner reads from the seeds folder when it plans (see
`read_moderators`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from livecommerce.core.messages import N_, Text
from livecommerce.core.models import (
    ChatMessage,
    ExchangeRate,
    HourRange,
    Market,
    Mention,
    MentionSource,
    Order,
    Product,
    Role,
    Show,
    Streamer,
)
from livecommerce.core.planner import Hours, Moderator
from livecommerce.errors import SeedError
from livecommerce.files.fields import (
    EACH_A_TABLE,
    LANGUAGES,
    Bad,
    FieldBad,
    build_each,
    check_fields,
    csv_rows,
    load_toml,
    read_currency,
    read_decimal,
    read_field,
    read_hours,
    read_lang,
    read_langs,
    read_moment,
    read_per_lang,
    read_status,
    read_text,
    read_zone,
    shown,
    toml_entries,
    unknown_market,
    unknown_sku,
    unknown_streamer,
)
from livecommerce.store.sql import SqlStore

__all__ = ["LANGUAGES", "Bad", "FieldBad", "World", "load", "read", "read_moderators"]

MODERATORS_FILE = "moderators.toml"
MODERATOR_FIELDS = ("name", "zone", "languages", "hours")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class World:
    """Everything in a seeds folder, checked."""

    markets: list[Market] = field(default_factory=list)
    streamers: list[Streamer] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)
    rates: list[ExchangeRate] = field(default_factory=list)
    chat: list[ChatMessage] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    blocked_terms: dict[str, list[str]] = field(default_factory=dict)
    moderators: list[Moderator] = field(default_factory=list)


def _market(r: dict[str, Any]) -> Market:
    return Market(
        code=read_text(r["code"], "code", 8),
        country=read_text(r["country"], "country", 2),
        zones=tuple(read_zone(z) for z in r["zones"]),
        languages=read_langs(r["languages"]),
        currency=read_currency(r["currency"]),
        weight=float(read_decimal(r["weight"], "weight")),
        peak_hours=read_hours(r["peak_hours"], "peak_hours"),
        names=read_per_lang(r.get("names", {}), "names"),
    )


def _streamer(r: dict[str, Any]) -> Streamer:
    return Streamer(
        id=read_text(r["id"], "id", 64),
        name=read_text(r["name"], "name"),
        zone=read_zone(r["zone"]),
        languages=read_langs(r["languages"]),
        base_currency=read_currency(r["base_currency"]),
        available_hours=read_hours(r["available_hours"], "available_hours"),
        categories=tuple(read_text(c, "category", 32) for c in r.get("categories", [])),
        names=read_per_lang(r.get("names", {}), "names"),
    )


def _product(r: dict[str, Any]) -> Product:
    aliases = r.get("aliases", {})
    if not isinstance(aliases, dict):
        raise Bad(N_("{what} must be a table of language = [list]"), what="aliases")
    prices = r["prices"]
    if not isinstance(prices, dict) or not prices:
        raise Bad(N_("prices must be a table of CURRENCY = amount"))
    return Product(
        sku=read_text(r["sku"], "sku", 64),
        category=read_text(r["category"], "category", 32),
        streamer_id=read_text(r["streamer"], "streamer", 64),
        names=read_per_lang(r["names"], "names"),
        aliases={
            read_lang(k): tuple(read_text(a, "alias", 200) for a in v) for k, v in aliases.items()
        },
        prices={read_currency(k): read_decimal(v, "price") for k, v in prices.items()},
    )


def _show(r: dict[str, Any]) -> Show:
    starts, ends = read_moment(r["starts_at"], "starts_at"), read_moment(r["ends_at"], "ends_at")
    if ends <= starts:
        raise Bad(N_("ends_at must be after starts_at"))
    status = read_status(r.get("status", "scheduled"))
    return Show(
        id=read_text(r["id"], "id", 100),
        code=read_text(r["code"], "code", 32),
        streamer_id=read_text(r["streamer"], "streamer", 64),
        starts_at=starts,
        ends_at=ends,
        markets=tuple(read_text(m, "market", 8) for m in r["markets"]),
        languages=read_langs(r["languages"]),
        status=status,
        titles=read_per_lang(r.get("titles", {}), "titles"),
        fallback_moderators=read_langs(r.get("fallback_moderators", [])),
        featured=tuple(read_text(sku, "featured", 64) for sku in r.get("featured", [])),
        moderators={
            read_lang(lang): tuple(read_text(name, "moderators", 100) for name in names)
            for lang, names in r.get("moderators", {}).items()
        },
    )


def _rate(r: dict[str, str]) -> ExchangeRate:
    try:
        day = date.fromisoformat(r["date"])
    except ValueError:
        raise Bad(N_("date {value} is not YYYY-MM-DD"), value=shown(r["date"])) from None
    return ExchangeRate(
        day=day,
        base=read_currency(r["base"]),
        currency=read_currency(r["currency"]),
        rate=read_decimal(r["rate"], "rate"),
    )


def _optional_int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise Bad(N_("{value} is not a whole number"), value=shown(value)) from None


def _chat(show_id: str) -> Callable[[dict[str, str]], ChatMessage]:
    def build(r: dict[str, str]) -> ChatMessage:
        try:
            role = Role(r["role"])
        except ValueError:
            raise Bad(
                N_("{what} {value} is not one of {allowed}"),
                what="role",
                value=shown(r["role"]),
                allowed="viewer, moderator, streamer",
            ) from None
        number = _optional_int(r["id"])
        if number is None or number <= 0:
            raise Bad(N_("{what} must be a positive whole number"), what="id")
        return ChatMessage(
            show_id=show_id,
            id=number,
            ts=read_moment(r["ts"], "ts"),
            lang=read_lang(r["lang"]),
            user_id=read_text(r["user"], "user", 100),
            user_name=read_text(r["name"], "name", 100),
            role=role,
            text=read_text(r["text"], "text", 2000),
            reply_to=_optional_int(r.get("reply_to")),
        )

    return build


def _mention(show_id: str) -> Callable[[dict[str, str]], Mention]:
    def build(r: dict[str, str]) -> Mention:
        try:
            source = MentionSource(r["source"])
        except ValueError:
            raise Bad(
                N_("{what} {value} is not one of {allowed}"),
                what="source",
                value=shown(r["source"]),
                allowed=", ".join(s.value for s in MentionSource),
            ) from None
        return Mention(
            show_id=show_id,
            sku=read_text(r["sku"], "sku", 64),
            source=source,
            lang=read_lang(r["lang"]),
            ts=read_moment(r["ts"], "ts"),
            message_id=_optional_int(r.get("message_id")),
        )

    return build


def _order(r: dict[str, str]) -> Order:
    qty = _optional_int(r["qty"])
    if qty is None or qty <= 0:
        raise Bad(N_("{what} must be a positive whole number"), what="qty")
    return Order(
        id=read_text(r["id"], "id", 100),
        ts=read_moment(r["ts"], "ts"),
        sku=read_text(r["sku"], "sku", 64),
        qty=qty,
        unit_price=read_decimal(r["unit_price"], "unit_price"),
        currency=read_currency(r["currency"]),
        buyer_country=read_text(r["buyer_country"], "buyer_country", 2),
        buyer_lang=read_lang(r["buyer_lang"]),
        show_ref=(r.get("show") or "").strip() or None,
    )


AT_LEAST_ONE_RANGE = N_("hours must name at least one [start, end] range")


def _shift(value: Any) -> Hours:
    """A moderator's hours: `[[18, 24]]` every day, or per weekday
    `{ mon = [[18, 23]], sat = [[12, 22]] }` (days not named are off)."""
    if isinstance(value, dict):
        stray = [day for day in value if day not in WEEKDAYS]
        if stray:
            raise Bad(
                N_("{what} {value} is not one of {allowed}"),
                what="weekday",
                value=shown(stray[0]),
                allowed=", ".join(WEEKDAYS),
            )
        per_day = {WEEKDAYS.index(day): _shift_ranges(ranges) for day, ranges in value.items()}
        if not any(per_day.values()):
            raise Bad(AT_LEAST_ONE_RANGE)
        return per_day
    ranges = _shift_ranges(value)
    if not ranges:
        raise Bad(AT_LEAST_ONE_RANGE)
    return ranges


def _shift_ranges(value: Any) -> tuple[HourRange, ...]:
    if isinstance(value, list) and not value:
        return ()
    ranges = read_hours(value)
    for r in ranges:
        if r.start > 23 or r.start == r.end:
            raise Bad(
                N_("[{start}, {end}]: a shift starts at 0 to 23 and ends at another hour"),
                start=r.start,
                end=r.end,
            )
    return ranges


def _name(value: Any) -> str:
    name = read_text(value, "name", 100)
    if not name.isprintable():
        raise Bad(N_("{what} must be one line of printable text"), what="name")
    return name


def _moderator(r: Any) -> Moderator:
    if not isinstance(r, dict):
        raise Bad(EACH_A_TABLE, key="moderator")
    check_fields(r, MODERATOR_FIELDS, ())
    languages = read_field(r, "languages", read_langs)
    if not languages or len(set(languages)) != len(languages):
        raise FieldBad("languages", N_("must name at least one language, each once"))
    return Moderator(
        name=read_field(r, "name", _name),
        zone=read_field(r, "zone", read_zone),
        languages=languages,
        hours=read_field(r, "hours", _shift),
    )


def read_moderators(path: Path) -> list[Moderator]:
    """The moderators of a `[[moderator]]` file: each one's name, zone, languages and
    hours in that zone. A SeedError names the file, the entry and the field."""
    moderators: list[Moderator] = []
    seen: dict[str, str] = {}
    for where, row in toml_entries(path, "moderator"):
        named = row.get("name") if isinstance(row, dict) else None
        label = where
        if isinstance(named, str) and named.strip() and named.isprintable() and len(named) <= 100:
            label = f"{where} ({named.strip()})"
        try:
            moderator = _moderator(row)
        except FieldBad as error:
            raise SeedError(
                path=str(path), where=f"{label}, {error.field}", reason=error.text
            ) from None
        except Bad as error:
            raise SeedError(path=str(path), where=label, reason=error.text) from None
        if moderator.name in seen:
            raise SeedError(
                path=str(path),
                where=f"{label}, name",
                reason=Text(
                    N_("the same {field} as {other}"),
                    {"field": "name", "other": seen[moderator.name]},
                ),
            )
        seen[moderator.name] = where
        moderators.append(moderator)
    return moderators


def moderators_in(folder: Path) -> list[Moderator] | None:
    """The moderators of the seeds folder's moderators.toml; None when there is none."""
    path = folder / MODERATORS_FILE
    return read_moderators(path) if path.exists() else None


def read(folder: Path) -> World:
    """Read and check every seed file in `folder`; a SeedError names the first bad record."""
    world = World(
        markets=build_each(
            folder / "markets.toml", toml_entries(folder / "markets.toml", "market"), _market
        ),
        streamers=build_each(
            folder / "streamers.toml",
            toml_entries(folder / "streamers.toml", "streamer"),
            _streamer,
        ),
        products=build_each(
            folder / "products.toml", toml_entries(folder / "products.toml", "product"), _product
        ),
        shows=build_each(folder / "shows.toml", toml_entries(folder / "shows.toml", "show"), _show),
    )
    rates = folder / "exchange_rates.csv"
    world.rates = build_each(rates, csv_rows(rates, ["date", "base", "currency", "rate"]), _rate)
    for show in world.shows:
        chat = folder / "chat" / f"{show.id}.csv"
        if chat.exists():
            columns = ["id", "ts", "lang", "user", "name", "role", "text", "reply_to"]
            world.chat += build_each(chat, csv_rows(chat, columns), _chat(show.id))
        mentions = folder / "mentions" / f"{show.id}.csv"
        if mentions.exists():
            columns = ["ts", "sku", "source", "lang", "message_id"]
            world.mentions += build_each(mentions, csv_rows(mentions, columns), _mention(show.id))
    orders = folder / "orders.csv"
    if orders.exists():
        columns = ["id", "ts", "sku", "qty", "unit_price", "currency"]
        columns += ["buyer_country", "buyer_lang", "show"]
        world.orders = build_each(orders, csv_rows(orders, columns), _order)
    blocked = folder / "blocked_terms.toml"
    if blocked.exists():
        world.blocked_terms = _blocked_terms(blocked)
    world.moderators = moderators_in(folder) or []
    _check_references(folder, world)
    return world


def _blocked_terms(path: Path) -> dict[str, list[str]]:
    data = load_toml(path)
    terms: dict[str, list[str]] = {}
    for lang, words in data.items():
        try:
            terms[read_lang(lang)] = [
                read_text(w, "term", 200) for w in (words if isinstance(words, list) else [None])
            ]
        except Bad as error:
            raise SeedError(path=str(path), where=lang, reason=error.text) from None
    return terms


def _check_references(folder: Path, world: World) -> None:
    streamers = {s.id for s in world.streamers}
    markets = {m.code for m in world.markets}
    skus = {p.sku for p in world.products}
    for product in world.products:
        if product.streamer_id not in streamers:
            raise SeedError(
                path=str(folder / "products.toml"),
                where=product.sku,
                reason=unknown_streamer(product.streamer_id),
            )
    for show in world.shows:
        if show.streamer_id not in streamers:
            raise SeedError(
                path=str(folder / "shows.toml"),
                where=show.id,
                reason=unknown_streamer(show.streamer_id),
            )
        unknown = set(show.markets) - markets
        if unknown:
            raise SeedError(
                path=str(folder / "shows.toml"),
                where=show.id,
                reason=unknown_market(sorted(unknown)[0]),
            )
    for mention in world.mentions:
        if mention.sku not in skus:
            raise SeedError(
                path=str(folder / "mentions" / f"{mention.show_id}.csv"),
                where=mention.sku,
                reason=unknown_sku(mention.sku),
            )


async def load(store: SqlStore, folder: Path) -> World:
    """Read the seeds and upsert them into the store, in dependency order."""
    world = read(folder)
    await store.put_markets(world.markets)
    await store.put_streamers(world.streamers)
    await store.put_products(world.products)
    await store.put_shows(world.shows)
    await store.put_exchange_rates(world.rates)
    await store.add_chat_messages(world.chat)
    await store.add_mentions(world.mentions)
    await store.add_orders(world.orders)
    await store.put_blocked_terms(world.blocked_terms)
    return world
