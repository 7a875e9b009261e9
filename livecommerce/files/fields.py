"""Reading the fields of the files people write (seeds, schedules): each value checked,
and what is wrong with it said as a sentence for the reader (`Bad`, its `text` marked for
translation), to which the file's reader adds the file and the entry.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from livecommerce.core.messages import N_, Text
from livecommerce.core.models import HourRange, ShowStatus
from livecommerce.core.values import MomentError, parse_moment
from livecommerce.errors import SeedError, why_unreadable

LANGUAGES = frozenset({"kk", "ru", "zh", "ug", "ky", "uz", "en"})
T = TypeVar("T")


class Bad(ValueError):
    """A field that cannot be read: why, as a sentence for the reader (`text`, marked
    for translation: a template and its parameters); the reader adds where it is."""

    def __init__(self, reason: str | Text, **params: object) -> None:
        self.text = reason if isinstance(reason, Text) else Text(reason, params)
        super().__init__(self.text.template.format(**self.text.params))


class FieldBad(Bad):
    """A named field of an entry that cannot be read."""

    def __init__(self, field: str, reason: str | Text, **params: object) -> None:
        super().__init__(reason, **params)
        self.field = field


def read_field(r: Mapping[str, Any], name: str, read: Callable[[Any], T]) -> T:
    """`r[name]` read by `read`; a failure is a FieldBad naming the field."""
    try:
        return read(r[name])
    except Bad as error:
        raise FieldBad(name, error.text) from None
    except (TypeError, AttributeError, ValueError):
        raise FieldBad(name, N_("{value} is not valid here"), value=shown(r[name])) from None


def shown(value: Any) -> str:
    """A value from a file as a message quotes it: its repr, cut to 100 characters."""
    text = repr(value)
    return text if len(text) <= 100 else text[:99] + "…"


# -- field readers -------------------------------------------------------------------------


def read_text(value: Any, what: str, max_len: int = 300) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise Bad(
            N_("{what} must be non-empty text of at most {max_len} characters"),
            what=what,
            max_len=max_len,
        )
    return value.strip()


def read_lang(value: Any) -> str:
    if value not in LANGUAGES:
        raise Bad(
            N_("{what} {value} is not one of {allowed}"),
            what="language",
            value=shown(value),
            allowed=", ".join(sorted(LANGUAGES)),
        )
    return str(value)


def read_langs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Bad(N_("{what} must be a list"), what="languages")
    return tuple(read_lang(v) for v in value)


def read_zone(value: Any) -> str:
    try:
        ZoneInfo(read_text(value, "zone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise Bad(N_("{value} is not an IANA time zone"), value=shown(value)) from None
    return str(value)


def read_currency(value: Any) -> str:
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise Bad(N_("currency {value} is not a three-letter code"), value=shown(value))
    return value


def read_decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Bad(N_("{what} {value} is not a number"), what=what, value=shown(value)) from None
    if not number.is_finite() or number < 0:
        raise Bad(N_("{what} {value} must not be negative"), what=what, value=shown(value))
    return number


def read_moment(value: Any, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Bad(
                N_("{what} {value} is not an ISO 8601 time"), what=what, value=shown(value)
            ) from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Bad(
            N_("{what} must be a time with a UTC offset, such as 2026-11-20T13:00:00Z"),
            what=what,
        )
    try:  # 1970 to 2099: year 1 with +14:00 or year 9999 with -14:00 has no UTC time
        return parse_moment(value, what)
    except MomentError as error:
        raise Bad(error.text) from None


def read_hours(value: Any, what: str = "hours") -> tuple[HourRange, ...]:
    ranges = []
    for pair in value if isinstance(value, list) else [None]:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(
                isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 24 for h in pair
            )
        ):
            raise Bad(
                N_("{what} must be a list of [start, end] local hours from 0 to 24"), what=what
            )
        ranges.append(HourRange(pair[0], pair[1]))
    return tuple(ranges)


def read_status(value: Any) -> ShowStatus:
    try:
        return ShowStatus(value)
    except ValueError:
        raise Bad(
            N_("{what} {value} is not one of {allowed}"),
            what="status",
            value=shown(value),
            allowed=", ".join(s.value for s in ShowStatus),
        ) from None


def read_per_lang(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Bad(N_("{what} must be a table of language = text"), what=what)
    return {read_lang(k): read_text(v, what) for k, v in value.items()}


# -- file readers --------------------------------------------------------------------------


def toml_entries(path: Path, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    data = load_toml(path)
    items = data.get(key, [])
    if not isinstance(items, list):
        reason = Text(N_("[[{key}]] must be an array of tables"), {"key": key})
        raise SeedError(path=str(path), where=key, reason=reason)
    for number, item in enumerate(items, 1):
        yield f"[[{key}]] #{number}", item


def unreadable(path: Path, error: Exception) -> SeedError:
    """The SeedError for a file that cannot be read at all."""
    return SeedError(path=str(path), where="-", reason=why_unreadable(error))


def load_toml(path: Path) -> dict[str, Any]:
    """A TOML file's data; a SeedError when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise unreadable(path, error) from None


def line_of(number: int) -> Text:
    return Text(N_("line {number}"), {"number": number})


def csv_rows(path: Path, columns: list[str]) -> Iterator[tuple[Text, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                reason = Text(N_("missing columns: {columns}"), {"columns": ", ".join(missing)})
                raise SeedError(path=str(path), where=line_of(1), reason=reason)
            for row in reader:
                yield line_of(reader.line_num), row
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        raise unreadable(path, error) from None


def build_each(
    path: Path, rows: Iterator[tuple[str | Text, Any]], build: Callable[[Any], T]
) -> list[T]:
    built = []
    for where, row in rows:
        try:
            built.append(build(row))
        except Bad as error:
            raise SeedError(path=str(path), where=where, reason=error.text) from None
        except KeyError as error:
            reason = Text(N_("missing field {field}"), {"field": str(error.args[0])})
            raise SeedError(path=str(path), where=where, reason=reason) from None
        except (TypeError, AttributeError):
            reason = Text(N_("a field holds a value of the wrong kind"), {})
            raise SeedError(path=str(path), where=where, reason=reason) from None
    return built


EACH_A_TABLE = N_("each [[{key}]] must be a table")


def check_fields(r: Mapping[str, Any], required: Sequence[str], optional: Sequence[str]) -> None:
    """Refuse an entry with a field not among `required` and `optional`, or without
    one of `required` (a FieldBad naming the first)."""
    unknown = sorted(set(r) - set(required) - set(optional))
    if unknown:
        raise FieldBad(unknown[0], N_("unknown field"))
    for name in required:
        if name not in r:
            raise FieldBad(name, N_("missing field"))


def unknown_streamer(streamer: str) -> Text:
    return Text(N_("unknown streamer {streamer}"), {"streamer": shown(streamer)})


def unknown_market(code: str) -> Text:
    return Text(N_("unknown market {market}"), {"market": shown(code)})


def unknown_sku(sku: str) -> Text:
    return Text(N_("unknown sku {sku}"), {"sku": shown(sku)})
