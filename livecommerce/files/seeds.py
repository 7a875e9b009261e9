"""The demo world: plain TOML and CSV files in seeds/, checked and loaded into the store.

Loading is idempotent: records are keyed (market code, sku, show id, order id, …) and
upserted, so loading twice changes nothing, and an edited file updates what it names.

One file is checked but not stored: moderators.toml, the interpreters' languages and
hours, which the planner reads from the seeds folder when it plans (see
`read_moderators`).
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    ShowStatus,
    Streamer,
)
from livecommerce.core.planner import Hours, Moderator
from livecommerce.core.values import MomentError, parse_moment
from livecommerce.errors import SeedError
from livecommerce.store.sql import SqlStore

LANGUAGES = frozenset({"kk", "ru", "zh", "ug", "ky", "uz", "en"})
MODERATORS_FILE = "moderators.toml"
MODERATOR_FIELDS = ("name", "zone", "languages", "hours")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
T = TypeVar("T")


class Bad(ValueError):
    """A field that cannot be read; the reader adds where it is."""


class FieldBad(Bad):
    """A named field of an entry that cannot be read."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def read_field(r: Mapping[str, Any], name: str, read: Callable[[Any], T]) -> T:
    """`r[name]` read by `read`; a failure is a FieldBad naming the field."""
    try:
        return read(r[name])
    except (Bad, TypeError, AttributeError, ValueError) as error:
        raise FieldBad(name, str(error)) from None


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


# -- field readers -------------------------------------------------------------------------


def _str(value: Any, what: str, max_len: int = 300) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise Bad(f"{what} must be non-empty text of at most {max_len} characters")
    return value.strip()


def _lang(value: Any) -> str:
    if value not in LANGUAGES:
        raise Bad(f"language {value!r} is not one of {', '.join(sorted(LANGUAGES))}")
    return str(value)


def _langs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Bad("languages must be a list")
    return tuple(_lang(v) for v in value)


def _zone(value: Any) -> str:
    try:
        ZoneInfo(_str(value, "zone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise Bad(f"{value!r} is not an IANA time zone") from None
    return str(value)


def _currency(value: Any) -> str:
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise Bad(f"currency {value!r} is not a three-letter code")
    return value


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Bad(f"{what} {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise Bad(f"{what} {value!r} must be a positive number")
    return number


def _moment(value: Any, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Bad(f"{what} {value!r} is not an ISO 8601 time") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Bad(f"{what} must be a time with a UTC offset, such as 2026-11-20T13:00:00Z")
    try:  # 1970 to 2099: year 1 with +14:00 or year 9999 with -14:00 has no UTC time
        return parse_moment(value, what)
    except MomentError as error:
        raise Bad(error.text.template.format(**error.text.params)) from None


def _hours(value: Any) -> tuple[HourRange, ...]:
    ranges = []
    for pair in value if isinstance(value, list) else [None]:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(
                isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 24 for h in pair
            )
        ):
            raise Bad("hours must be a list of [start, end] local hours from 0 to 24")
        ranges.append(HourRange(pair[0], pair[1]))
    return tuple(ranges)


def _per_lang(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Bad(f"{what} must be a table of language = text")
    return {_lang(k): _str(v, what) for k, v in value.items()}


# -- file readers --------------------------------------------------------------------------


def _toml(path: Path, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SeedError(path=str(path), where="-", reason="no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError(path=str(path), where="-", reason=str(error)) from None
    except OSError as error:  # a folder, no permission
        reason = error.strerror or str(error)
        raise SeedError(path=str(path), where="-", reason=reason) from None
    items = data.get(key, [])
    if not isinstance(items, list):
        raise SeedError(path=str(path), where=key, reason=f"[[{key}]] must be an array of tables")
    for number, item in enumerate(items, 1):
        yield f"[[{key}]] #{number}", item


def _csv(path: Path, columns: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SeedError(
                    path=str(path), where="line 1", reason=f"missing columns: {', '.join(missing)}"
                )
            for row in reader:
                yield f"line {reader.line_num}", row
    except FileNotFoundError:
        raise SeedError(path=str(path), where="-", reason="no such file") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise SeedError(path=str(path), where="-", reason=str(error)) from None


def _each(path: Path, rows: Iterator[tuple[str, Any]], build: Callable[[Any], T]) -> list[T]:
    built = []
    for where, row in rows:
        try:
            built.append(build(row))
        except (Bad, KeyError, TypeError, AttributeError) as error:
            reason = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            raise SeedError(path=str(path), where=where, reason=reason) from None
    return built


def _market(r: dict[str, Any]) -> Market:
    return Market(
        code=_str(r["code"], "code", 8),
        country=_str(r["country"], "country", 2),
        zones=tuple(_zone(z) for z in r["zones"]),
        languages=_langs(r["languages"]),
        currency=_currency(r["currency"]),
        weight=float(_decimal(r["weight"], "weight")),
        peak_hours=_hours(r["peak_hours"]),
        names=_per_lang(r.get("names", {}), "names"),
    )


def _streamer(r: dict[str, Any]) -> Streamer:
    return Streamer(
        id=_str(r["id"], "id", 64),
        name=_str(r["name"], "name"),
        zone=_zone(r["zone"]),
        languages=_langs(r["languages"]),
        base_currency=_currency(r["base_currency"]),
        available_hours=_hours(r["available_hours"]),
        categories=tuple(_str(c, "category", 32) for c in r.get("categories", [])),
        names=_per_lang(r.get("names", {}), "names"),
    )


def _product(r: dict[str, Any]) -> Product:
    aliases = r.get("aliases", {})
    if not isinstance(aliases, dict):
        raise Bad("aliases must be a table of language = [words]")
    prices = r["prices"]
    if not isinstance(prices, dict) or not prices:
        raise Bad("prices must be a table of CURRENCY = amount")
    return Product(
        sku=_str(r["sku"], "sku", 64),
        category=_str(r["category"], "category", 32),
        streamer_id=_str(r["streamer"], "streamer", 64),
        names=_per_lang(r["names"], "names"),
        aliases={_lang(k): tuple(_str(a, "alias", 200) for a in v) for k, v in aliases.items()},
        prices={_currency(k): _decimal(v, "price") for k, v in prices.items()},
    )


def _show(r: dict[str, Any]) -> Show:
    starts, ends = _moment(r["starts_at"], "starts_at"), _moment(r["ends_at"], "ends_at")
    if ends <= starts:
        raise Bad("ends_at must be after starts_at")
    try:
        status = ShowStatus(r.get("status", "scheduled"))
    except ValueError:
        raise Bad(f"status {r.get('status')!r} is not one of scheduled, finished") from None
    return Show(
        id=_str(r["id"], "id", 100),
        code=_str(r["code"], "code", 32),
        streamer_id=_str(r["streamer"], "streamer", 64),
        starts_at=starts,
        ends_at=ends,
        markets=tuple(_str(m, "market", 8) for m in r["markets"]),
        languages=_langs(r["languages"]),
        status=status,
        titles=_per_lang(r.get("titles", {}), "titles"),
        fallback_moderators=_langs(r.get("fallback_moderators", [])),
        featured=tuple(_str(sku, "featured", 64) for sku in r.get("featured", [])),
        moderators={
            _lang(lang): tuple(_str(name, "moderators", 100) for name in names)
            for lang, names in r.get("moderators", {}).items()
        },
    )


def _rate(r: dict[str, str]) -> ExchangeRate:
    try:
        day = date.fromisoformat(r["date"])
    except ValueError:
        raise Bad(f"date {r['date']!r} is not YYYY-MM-DD") from None
    return ExchangeRate(
        day=day,
        base=_currency(r["base"]),
        currency=_currency(r["currency"]),
        rate=_decimal(r["rate"], "rate"),
    )


def _optional_int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise Bad(f"{value!r} is not a whole number") from None


def _chat(show_id: str) -> Callable[[dict[str, str]], ChatMessage]:
    def build(r: dict[str, str]) -> ChatMessage:
        try:
            role = Role(r["role"])
        except ValueError:
            raise Bad(f"role {r['role']!r} is not viewer, moderator or streamer") from None
        number = _optional_int(r["id"])
        if number is None or number <= 0:
            raise Bad("id must be a positive whole number")
        return ChatMessage(
            show_id=show_id,
            id=number,
            ts=_moment(r["ts"], "ts"),
            lang=_lang(r["lang"]),
            user_id=_str(r["user"], "user", 100),
            user_name=_str(r["name"], "name", 100),
            role=role,
            text=_str(r["text"], "text", 2000),
            reply_to=_optional_int(r.get("reply_to")),
        )

    return build


def _mention(show_id: str) -> Callable[[dict[str, str]], Mention]:
    def build(r: dict[str, str]) -> Mention:
        try:
            source = MentionSource(r["source"])
        except ValueError:
            raise Bad(f"source {r['source']!r} is not pin, streamer, transcript or chat") from None
        return Mention(
            show_id=show_id,
            sku=_str(r["sku"], "sku", 64),
            source=source,
            lang=_lang(r["lang"]),
            ts=_moment(r["ts"], "ts"),
            message_id=_optional_int(r.get("message_id")),
        )

    return build


def _order(r: dict[str, str]) -> Order:
    qty = _optional_int(r["qty"])
    if qty is None or qty <= 0:
        raise Bad("qty must be a positive whole number")
    return Order(
        id=_str(r["id"], "id", 100),
        ts=_moment(r["ts"], "ts"),
        sku=_str(r["sku"], "sku", 64),
        qty=qty,
        unit_price=_decimal(r["unit_price"], "unit_price"),
        currency=_currency(r["currency"]),
        buyer_country=_str(r["buyer_country"], "buyer_country", 2),
        buyer_lang=_lang(r["buyer_lang"]),
        show_ref=(r.get("show") or "").strip() or None,
    )


def _shift(value: Any) -> Hours:
    """A moderator's hours: `[[18, 24]]` every day, or per weekday
    `{ mon = [[18, 23]], sat = [[12, 22]] }` (days not named are off)."""
    if isinstance(value, dict):
        stray = [day for day in value if day not in WEEKDAYS]
        if stray:
            raise Bad(f"{stray[0]!r} is not a weekday ({', '.join(WEEKDAYS)})")
        per_day = {WEEKDAYS.index(day): _shift_ranges(ranges) for day, ranges in value.items()}
        if not any(per_day.values()):
            raise Bad("hours must name at least one [start, end] range")
        return per_day
    ranges = _shift_ranges(value)
    if not ranges:
        raise Bad("hours must name at least one [start, end] range")
    return ranges


def _shift_ranges(value: Any) -> tuple[HourRange, ...]:
    if isinstance(value, list) and not value:
        return ()
    ranges = _hours(value)
    for r in ranges:
        if r.start > 23 or r.start == r.end:
            raise Bad(f"[{r.start}, {r.end}]: a shift starts at 0 to 23 and ends at another hour")
    return ranges


def _name(value: Any) -> str:
    name = _str(value, "name", 100)
    if not name.isprintable():
        raise Bad("name must be one line of printable text")
    return name


def _moderator(r: Any) -> Moderator:
    if not isinstance(r, dict):
        raise Bad("each [[moderator]] must be a table")
    unknown = sorted(set(r) - set(MODERATOR_FIELDS))
    if unknown:
        raise FieldBad(unknown[0], "unknown field")
    for name in MODERATOR_FIELDS:
        if name not in r:
            raise FieldBad(name, "missing field")
    languages = read_field(r, "languages", _langs)
    if not languages or len(set(languages)) != len(languages):
        raise FieldBad("languages", "must name at least one language, each once")
    return Moderator(
        name=read_field(r, "name", _name),
        zone=read_field(r, "zone", _zone),
        languages=languages,
        hours=read_field(r, "hours", _shift),
    )


def read_moderators(path: Path) -> list[Moderator]:
    """The moderators of a `[[moderator]]` file: each one's name, zone, languages and
    hours in that zone. A SeedError names the file, the entry and the field."""
    moderators: list[Moderator] = []
    seen: dict[str, str] = {}
    for where, row in _toml(path, "moderator"):
        named = row.get("name") if isinstance(row, dict) else None
        label = where
        if isinstance(named, str) and named.strip() and named.isprintable() and len(named) <= 100:
            label = f"{where} ({named.strip()})"
        try:
            moderator = _moderator(row)
        except FieldBad as error:
            raise SeedError(
                path=str(path), where=f"{label}, {error.field}", reason=str(error)
            ) from None
        except Bad as error:
            raise SeedError(path=str(path), where=label, reason=str(error)) from None
        if moderator.name in seen:
            raise SeedError(
                path=str(path),
                where=f"{label}, name",
                reason=f"the same name as {seen[moderator.name]}",
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
        markets=_each(folder / "markets.toml", _toml(folder / "markets.toml", "market"), _market),
        streamers=_each(
            folder / "streamers.toml", _toml(folder / "streamers.toml", "streamer"), _streamer
        ),
        products=_each(
            folder / "products.toml", _toml(folder / "products.toml", "product"), _product
        ),
        shows=_each(folder / "shows.toml", _toml(folder / "shows.toml", "show"), _show),
    )
    rates = folder / "exchange_rates.csv"
    world.rates = _each(rates, _csv(rates, ["date", "base", "currency", "rate"]), _rate)
    for show in world.shows:
        chat = folder / "chat" / f"{show.id}.csv"
        if chat.exists():
            columns = ["id", "ts", "lang", "user", "name", "role", "text", "reply_to"]
            world.chat += _each(chat, _csv(chat, columns), _chat(show.id))
        mentions = folder / "mentions" / f"{show.id}.csv"
        if mentions.exists():
            columns = ["ts", "sku", "source", "lang", "message_id"]
            world.mentions += _each(mentions, _csv(mentions, columns), _mention(show.id))
    orders = folder / "orders.csv"
    if orders.exists():
        columns = ["id", "ts", "sku", "qty", "unit_price", "currency"]
        columns += ["buyer_country", "buyer_lang", "show"]
        world.orders = _each(orders, _csv(orders, columns), _order)
    blocked = folder / "blocked_terms.toml"
    if blocked.exists():
        world.blocked_terms = _blocked_terms(blocked)
    world.moderators = moderators_in(folder) or []
    _check_references(folder, world)
    return world


def _blocked_terms(path: Path) -> dict[str, list[str]]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError(path=str(path), where="-", reason=str(error)) from None
    terms: dict[str, list[str]] = {}
    for lang, words in data.items():
        try:
            terms[_lang(lang)] = [
                _str(w, "term", 200) for w in (words if isinstance(words, list) else [None])
            ]
        except Bad as error:
            raise SeedError(path=str(path), where=lang, reason=str(error)) from None
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
                reason=f"unknown streamer {product.streamer_id!r}",
            )
    for show in world.shows:
        if show.streamer_id not in streamers:
            raise SeedError(
                path=str(folder / "shows.toml"),
                where=show.id,
                reason=f"unknown streamer {show.streamer_id!r}",
            )
        unknown = set(show.markets) - markets
        if unknown:
            raise SeedError(
                path=str(folder / "shows.toml"),
                where=show.id,
                reason=f"unknown markets {', '.join(sorted(unknown))}",
            )
    for mention in world.mentions:
        if mention.sku not in skus:
            raise SeedError(
                path=str(folder / "mentions" / f"{mention.show_id}.csv"),
                where=mention.sku,
                reason=f"unknown sku {mention.sku!r}",
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
