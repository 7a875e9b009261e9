"""Schedule files: the shows a streamer plans, as plain TOML in schedules/, one `[[show]]`
table per show, written by `livecommerce plan --write` and editable by hand.

    [[show]]
    id = "khorgos-it-2026-12-07-1400"       # letters, digits, . _ -
    code = "KI12071400"                      # short code for checkout links
    streamer = "khorgos-it"
    starts_at = 2026-12-07T14:00:00Z         # a UTC offset datetime, or a local one with
    # zone = "Asia/Almaty"                   # the zone it is local to
    length = "90m"                           # or ends_at = 2026-12-07T15:30:00Z
    markets = ["KZ", "UZ"]
    languages = ["kk", "ru", "uz"]
    fallback_moderators = ["ru"]             # optional, among languages
    featured = ["IT-LAP-14"]                 # optional, the streamer's skus
    moderators = { ru = ["aigerim"] }        # optional, per language
    titles = { en = "…", ru = "…" }          # optional, per language
    # status = "scheduled"                   # optional; absent keeps the stored status

Fields are read with the seed files' readers (livecommerce.files.seeds), so both kinds of file
accept the same values; a broken file is reported as a ScheduleError naming the file,
the entry and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from livecommerce.core.messages import N_, Text
from livecommerce.core.models import Market, Product, Show, ShowStatus, Streamer
from livecommerce.core.values import MOMENT_RANGE, MomentError, parse_moment
from livecommerce.errors import ScheduleError, SeedError
from livecommerce.files.fields import (
    EACH_A_TABLE,
    Bad,
    FieldBad,
    check_fields,
    read_field,
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
from livecommerce.files.output import OTHER, REASONS

T = TypeVar("T")

KEY = "show"
REQUIRED = ("id", "code", "streamer", "starts_at", "markets", "languages")
OPTIONAL = (
    "zone",
    "length",
    "ends_at",
    "fallback_moderators",
    "featured",
    "moderators",
    "titles",
    "status",
)
MAX_LENGTH = timedelta(hours=24)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
BAD_ID = N_("{value} is not a valid id: up to 100 letters, digits, '.', '_' or '-'")
BAD_CODE = N_("{value} is not a valid code: up to 32 letters, digits, '_' or '-'")
_LENGTH = re.compile(r"\s*(?:(\d{1,3})\s*h)?\s*(?:(\d{1,5})\s*m(?:in)?)?\s*")


@dataclass(frozen=True)
class Entry:
    """One `[[show]]` of a file: where it is (for messages), the show, and whether the
    file names its status (else applying keeps the stored one)."""

    where: str
    show: Show
    status_given: bool


# -- values --------------------------------------------------------------------------------


def parse_length(value: Any) -> timedelta:
    """A show's length: "90m", "2h", "1h30m"; from one minute to a day."""
    match = _LENGTH.fullmatch(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        raise Bad(N_("{value} is not a length such as 90m, 2h or 1h30m"), value=shown(value))
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    length = timedelta(hours=hours, minutes=minutes)
    if not timedelta(0) < length <= MAX_LENGTH:
        raise Bad(N_("{value} must be from 1m to 24h"), value=shown(value))
    return length


def format_length(length: timedelta) -> str:
    """A length as a schedule file writes it: whole minutes, "90m"."""
    return f"{int(length.total_seconds()) // 60}m"


def show_id(streamer: str, start: datetime) -> str:
    """The id of the streamer's show starting at `start`: stable, so writing the same
    plan twice names the same shows and applying it twice changes nothing."""
    return f"{streamer}-{start.astimezone(UTC):%Y-%m-%d-%H%M}"


def show_code(streamer: str, start: datetime) -> str:
    """A short code for checkout links: the initials of the streamer id and the UTC start."""
    initials = "".join(part[:1] for part in re.split(r"[^A-Za-z0-9]+", streamer) if part)
    return f"{initials.upper()[:8] or 'S'}{start.astimezone(UTC):%m%d%H%M}"


# -- reading -------------------------------------------------------------------------------


def _list(read: Callable[[Any], T]) -> Callable[[Any], tuple[T, ...]]:
    def each(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise Bad(N_("must be a list"))
        return tuple(read(v) for v in value)

    return each


def _match(pattern: re.Pattern[str], why: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise Bad(why, value=shown(value))
        return value

    return read


def _start(r: Mapping[str, Any]) -> datetime:
    value = r["starts_at"]
    if "zone" in r:
        zone = ZoneInfo(read_field(r, "zone", read_zone))
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise FieldBad(
                    "starts_at",
                    N_("{what} {value} is not an ISO 8601 time"),
                    what="starts_at",
                    value=shown(value),
                ) from None
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=zone)
    return read_field({"starts_at": value}, "starts_at", lambda v: _when(v, "starts_at"))


def _when(value: Any, what: str) -> datetime:
    """A time with a UTC offset, from 1970 to 2099 (year 1 or 9999 with an offset cannot
    even be converted to UTC)."""
    try:
        return parse_moment(value, what)
    except MomentError as error:
        if error.text.template != MOMENT_RANGE:
            read_moment(value, what)  # the seed files' own words for a time that is no time
        raise Bad(N_("must be a time from 1970 to 2099")) from None


def _moderators(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise Bad(N_("{what} must be a table of language = [list]"), what="moderators")
    return {
        read_lang(k): _list(lambda n: read_text(n, "moderators", 100))(v) for k, v in value.items()
    }


def _show(r: Any) -> Entry:
    if not isinstance(r, dict):
        raise Bad(EACH_A_TABLE, key=KEY)
    check_fields(r, REQUIRED, OPTIONAL)
    if ("length" in r) == ("ends_at" in r):
        raise FieldBad("length", N_("give either length or ends_at"))
    starts = _start(r)
    if "length" in r:
        ends = starts + read_field(r, "length", parse_length)
    else:
        ends = read_field(r, "ends_at", lambda v: _when(v, "ends_at"))
        if not timedelta(0) < ends - starts <= MAX_LENGTH:
            raise FieldBad("ends_at", N_("must be after starts_at, by at most 24h"))
    markets = read_field(r, "markets", _list(lambda m: read_text(m, "markets", 8)))
    languages = read_field(r, "languages", read_langs)
    for name, values in (("markets", markets), ("languages", languages)):
        if not values or len(set(values)) != len(values):
            raise FieldBad(name, N_("must name at least one, each once"))
    fallback = read_field({"f": r.get("fallback_moderators", [])}, "f", read_langs)
    moderators = read_field({"m": r.get("moderators", {})}, "m", _moderators)
    for name, langs in (("fallback_moderators", fallback), ("moderators", tuple(moderators))):
        stray = [lang for lang in langs if lang not in languages]
        if stray:
            raise FieldBad(
                name,
                N_("language {value} is not among the show's languages"),
                value=shown(stray[0]),
            )
    status = ShowStatus.SCHEDULED
    if "status" in r:
        status = read_field(r, "status", read_status)
    return Entry(
        where="",
        show=Show(
            id=read_field(r, "id", _match(_ID, BAD_ID)),
            code=read_field(r, "code", _match(_CODE, BAD_CODE)),
            streamer_id=read_field(r, "streamer", lambda v: read_text(v, "streamer", 64)),
            starts_at=starts,
            ends_at=ends,
            markets=markets,
            languages=languages,
            status=status,
            titles=read_field({"titles": r.get("titles", {})}, "titles", _titles),
            fallback_moderators=fallback,
            featured=read_field(
                {"featured": r.get("featured", [])},
                "featured",
                _list(lambda s: read_text(s, "featured", 64)),
            ),
            moderators=moderators,
        ),
        status_given="status" in r,
    )


def _titles(value: Any) -> dict[str, str]:
    return read_per_lang(value, "titles")


def read(path: Path) -> list[Entry]:
    """Read and check a schedule file's entries; a ScheduleError names the first bad one."""
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    codes: dict[str, str] = {}  # code -> where its first entry is
    try:
        rows = list(toml_entries(path, KEY))
    except SeedError as error:
        raise ScheduleError(**error.params) from None
    for where, row in rows:
        named = row.get("id") if isinstance(row, dict) else None
        label = f"{where} ({named})" if isinstance(named, str) and len(named) <= 100 else where
        try:
            entry = _show(row)
        except FieldBad as error:
            raise ScheduleError(
                path=str(path), where=f"{label}, {error.field}", reason=error.text
            ) from None
        except Bad as error:
            raise ScheduleError(path=str(path), where=label, reason=error.text) from None
        if entry.show.id in seen:
            raise ScheduleError(
                path=str(path),
                where=f"{label}, id",
                reason=Text(
                    N_("the same {field} as {other}"), {"field": "id", "other": seen[entry.show.id]}
                ),
            )
        if entry.show.code in codes:
            raise ScheduleError(
                path=str(path),
                where=f"{label}, code",
                reason=Text(
                    N_("the same code {code} as {other}"),
                    {"code": entry.show.code, "other": codes[entry.show.code]},
                ),
            )
        seen[entry.show.id] = where
        codes[entry.show.code] = label
        entries.append(replace(entry, where=label))
    return entries


def check(
    path: Path,
    entries: Iterable[Entry],
    streamers: Collection[Streamer],
    markets: Collection[Market],
    products: Collection[Product],
) -> None:
    """Refuse entries naming a streamer, market or sku the store does not know."""
    streamer_ids = {s.id for s in streamers}
    market_codes = {m.code for m in markets}
    owners = {p.sku: p.streamer_id for p in products}
    for entry in entries:
        show = entry.show

        def bad(field: str, reason: Text, where: str = entry.where) -> ScheduleError:
            return ScheduleError(path=str(path), where=f"{where}, {field}", reason=reason)

        if show.streamer_id not in streamer_ids:
            raise bad("streamer", unknown_streamer(show.streamer_id))
        for code in show.markets:
            if code not in market_codes:
                raise bad("markets", unknown_market(code))
        for sku in show.featured:
            if sku not in owners:
                raise bad("featured", unknown_sku(sku))
            if owners[sku] != show.streamer_id:
                raise bad(
                    "featured",
                    Text(
                        N_("{sku} is not a product of {streamer}"),
                        {"sku": shown(sku), "streamer": shown(show.streamer_id)},
                    ),
                )


def merge(entry: Entry, stored: Show | None) -> Show:
    """The show to store: the entry, keeping the stored status unless the file names one."""
    if stored is not None and not entry.status_given:
        return replace(entry.show, status=stored.status)
    return entry.show


# -- writing -------------------------------------------------------------------------------


def _string(text: str) -> str:
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _array(items: Iterable[str]) -> str:
    return "[" + ", ".join(_string(i) for i in items) + "]"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _table(items: Mapping[str, str]) -> str:
    if not items:
        return "{}"
    return "{ " + ", ".join(f"{_key(k)} = {v}" for k, v in items.items()) + " }"


def render(
    shows: Sequence[Show],
    header: Sequence[str] = (),
    notes: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """A schedule file for `shows`, with comment lines: `header` on top, `notes[id]`
    above each show."""
    lines = [f"# {line}".rstrip() for line in header]
    for show in shows:
        lines.append("")
        lines += [f"# {line}".rstrip() for line in (notes or {}).get(show.id, ())]
        length = show.ends_at - show.starts_at
        whole_minutes = not length % timedelta(minutes=1)
        lines += [
            f"[[{KEY}]]",
            f"id = {_string(show.id)}",
            f"code = {_string(show.code)}",
            f"streamer = {_string(show.streamer_id)}",
            f"starts_at = {show.starts_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
            f"length = {_string(format_length(length))}"
            if whole_minutes
            else f"ends_at = {show.ends_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
            f"markets = {_array(show.markets)}",
            f"languages = {_array(show.languages)}",
            f"fallback_moderators = {_array(show.fallback_moderators)}",
            f"featured = {_array(show.featured)}",
            "moderators = " + _table({k: _array(v) for k, v in show.moderators.items()}),
            f"titles = {_table({k: _string(v) for k, v in show.titles.items()})}",
        ]
    return "\n".join(lines).lstrip("\n") + "\n"


def write(path: Path, text: str) -> None:
    """Write a schedule file, creating its folder; a failure is a ScheduleError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = REASONS.get(error.errno or 0, OTHER)
        raise ScheduleError(path=str(path), where="-", reason=reason) from None
