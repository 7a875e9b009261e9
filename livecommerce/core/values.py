"""What a setting's value may be: the kinds of the settings table and their parsers.

Pure functions from a raw value (text from the environment, a flag or `--set`, or a
TOML value from the config file) to a checked one; `Invalid` when it cannot be. The
table itself, and where the values come from, is livecommerce/config.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from livecommerce.core.messages import N_, Text

LOCALES = ("en", "ru", "kk", "ky", "uz_Latn", "ug", "zh_Hans")
LOG_LEVELS = ("debug", "info", "warning", "error")
MASK = "***"


class Invalid(ValueError):
    """Raised by a parser; the caller knows the key, the value and where it came from."""


@dataclass(frozen=True)
class Kind:
    """How a setting's value is read from text (file, environment, flag) and checked."""

    expected: str
    parse: Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    if len(value) > 4096 or "\x00" in value:
        raise Invalid
    return value


# Plain ASCII numbers only: Python's int() and float() would also take "1_000", full-width
# digits, "nan" and "inf", none of which a person means in a setting.
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})", re.ASCII)


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise Invalid
        if isinstance(value, str):
            if not _INTEGER.fullmatch(value.strip()):
                raise Invalid
            value = int(value.strip(), 10)
        if not isinstance(value, int) or not low <= value <= high:
            raise Invalid
        return value

    return parse


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise Invalid
        if isinstance(value, str):
            if not _DECIMAL.fullmatch(value.strip()):
                raise Invalid
            value = float(value.strip())
        if not isinstance(value, int | float) or not low <= value <= high:
            raise Invalid
        return float(value)

    return parse


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off"):
            return False
    raise Invalid


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if _text(value) not in choices:
            raise Invalid
        return str(value)

    return parse


def _host(value: Any) -> str:
    text = _text(value).strip()
    if text == "localhost":
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise Invalid from None
    return text


def _database_url(value: Any) -> str:
    text = _text(value).strip()
    if text and not text.startswith(("sqlite://", "postgresql://", "postgres://")):
        raise Invalid
    return text


def _redis_url(value: Any) -> str:
    text = _text(value).strip()
    if text and not text.startswith(("redis://", "rediss://", "unix://")):
        raise Invalid
    return text


def _currency(value: Any) -> str:
    text = _text(value).strip()
    if len(text) != 3 or not text.isascii() or not text.isalpha() or not text.isupper():
        raise Invalid
    return text


def _secret(value: Any) -> str:
    text = _text(value).strip()
    if text and len(text) < 32:
        raise Invalid
    return text


def _shop_secrets(value: Any) -> dict[str, str]:
    """`shop=secret,shop2=secret2` (environment, flag) or a TOML table."""
    if isinstance(value, str):
        pairs = [item.partition("=") for item in value.split(",") if item.strip()]
        value = {name.strip(): secret.strip() for name, _, secret in pairs}
    if not isinstance(value, dict):
        raise Invalid
    for name, secret in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            raise Invalid
        if not isinstance(secret, str) or len(secret) < 16:
            raise Invalid
    return dict(value)


def _networks(value: Any) -> tuple[str, ...]:
    """IP addresses or networks: `10.0.0.0/8,127.0.0.1` (environment, flag) or a TOML list."""
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, (list, tuple)) or len(value) > 100:
        raise Invalid
    found: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise Invalid
        try:
            found.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise Invalid from None
    return tuple(found)


def _origins(value: Any) -> tuple[str, ...]:
    """Web origins (`https://shop.example`, `http://localhost:8080`) or `*`, separated by
    commas (environment, flag) or a TOML list; kept as browsers send them: lower case,
    no path, no default port."""
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, (list, tuple)) or len(value) > 100:
        raise Invalid
    found: list[str] = []
    for item in value:
        text = _text(item).strip().lower()
        if text != "*":
            try:
                parts = urlsplit(text)
                port = parts.port
            except ValueError:
                raise Invalid from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise Invalid
            if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
                raise Invalid
            default = {"http": 80, "https": 443}[parts.scheme]
            text = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
            if port == default:
                text = text.rsplit(":", 1)[0]
        if text not in found:
            found.append(text)
    return tuple(found)


def _webhook_url(value: Any) -> str:
    """Empty, or an absolute http(s) URL with a host and no spaces."""
    text = _text(value).strip()
    if not text:
        return text
    if any(c.isspace() or not c.isprintable() for c in text):
        raise Invalid
    try:
        parts = urlsplit(text)
        # .port raises ValueError for a port out of range.
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        raise Invalid from None
    if not valid:
        raise Invalid
    return text


def _key_prefix(value: Any) -> str:
    text = _text(value).strip()
    if not text or len(text) > 64 or not all(c.isalnum() or c in "-_." for c in text):
        raise Invalid
    return text


def _path(value: Any) -> Path:
    text = _text(value).strip()
    if not text:
        raise Invalid
    return Path(text)


PORT = Kind(N_("a port number from 0 to 65535 (0: any free port)"), _integer(0, 65535))
BOOLEAN = Kind(N_("true or false"), _boolean)
HOST = Kind(N_("an IP address or localhost"), _host)
PATH = Kind(N_("a folder path"), _path)
DATABASE_URL = Kind(N_("empty, sqlite:///FILE or postgresql://USER@HOST/DB"), _database_url)
REDIS_URL = Kind(N_("empty or redis://HOST:PORT/DB"), _redis_url)
KEY_PREFIX = Kind(N_("up to 64 letters, digits, '-', '_' or '.'"), _key_prefix)
CURRENCY = Kind(N_("a three-letter ISO 4217 code such as CNY"), _currency)


def _locale(value: Any) -> str:
    """One of LOCALES, also as people write it: zh, zh-Hans, uz, uz-Latn, RU."""
    text = _text(value).strip().replace("-", "_").lower()
    found = {loc.lower(): loc for loc in LOCALES} | {"zh": "zh_Hans", "uz": "uz_Latn"}
    if text not in found:
        raise Invalid
    return found[text]


LOCALE = Kind(N_("one of en, ru, kk, ky, uz_Latn, ug, zh_Hans"), _locale)
LOG_LEVEL = Kind(N_("one of debug, info, warning, error"), _choice(*LOG_LEVELS))
SECONDS = Kind(N_("a number of seconds from 0 to 3600"), _number(0, 3600))
MOMENT = Kind(N_("a number of seconds from 0 to 1"), _number(0, 1))
WAIT = Kind(N_("a number of seconds from 1 to 300"), _number(1, 300))
COUNT = Kind(N_("a whole number from 1 to 1000000"), _integer(1, 1_000_000))
# Values that hurt are refused: a period of 0 busy-loops a core, a frame limit under 1 KiB
# refuses every frame, a queue of one frame closes every reader as slow.
PERIOD = Kind(N_("a number of seconds from 1 to 3600"), _number(1, 3600))
FRAME_BYTES = Kind(N_("a number of bytes from 1024 to 16777216"), _integer(1024, 16 * 1024 * 1024))
# A bound on what is kept in memory per show or channel (history, held messages).
KEPT = Kind(N_("a whole number from 1 to 100000"), _integer(1, 100_000))
# Frames sent at once to one connection (a page of held messages): well within what a
# connection may fall behind (send_queue) before it is cut as a slow consumer.
PAGE = Kind(N_("a whole number from 1 to 500"), _integer(1, 500))
TEXT_LENGTH = Kind(N_("a whole number from 1 to 10000"), _integer(1, 10_000))
QUEUE = Kind(N_("a whole number from 16 to 100000"), _integer(16, 100_000))
RATE = Kind(N_("a number from 0.01 to 100000"), _number(0.01, 100_000))
SHOP_SECRETS = Kind(
    N_("shop=secret pairs separated by commas, each secret at least 16 characters"),
    _shop_secrets,
)
SECRET = Kind(N_("empty, or at least 32 characters"), _secret)
NETWORKS = Kind(
    N_("empty, or IP addresses or networks separated by commas, such as 10.0.0.0/8"),
    _networks,
)
WEBHOOK_URL = Kind(N_("empty, or an http:// or https:// URL"), _webhook_url)
ORIGINS = Kind(
    N_("empty, *, or web origins separated by commas, such as https://shop.example"),
    _origins,
)
HOURS = Kind(N_("a number of hours from 0 to 168"), _number(0, 168))
RETRIES = Kind(N_("a whole number from 0 to 10"), _integer(0, 10))


def mask(kind: Kind, value: Any) -> Any:
    """A value as it may be shown: a secret's kind hides it, whatever the setting's name,
    and a URL its credentials (`postgresql://shop:***@db/x`, `https://***@hooks/x?token=***`)."""
    if kind is SECRET:
        return MASK if value else ""
    if kind is SHOP_SECRETS:
        return {shop: MASK for shop in value}
    if kind in (DATABASE_URL, REDIS_URL) and isinstance(value, str):
        return hide_password(value)
    if kind is WEBHOOK_URL and isinstance(value, str):
        return hide_password(value, user_is_secret=True, every_query_value=True)
    return value


# Query parameters that carry credentials (libpq's `password=`, `?token=`, `?api_key=`…).
_SECRET_PARAMETERS = ("pass", "secret", "token", "key", "sig", "auth", "cred", "session")


def hide_password(
    url: str, *, user_is_secret: bool = False, every_query_value: bool = False
) -> str:
    """The URL with its credentials replaced by `***`: the password of its user info, the
    user too when it stands alone and `user_is_secret` (`https://TOKEN@host`, the usual
    way to put a token in a webhook URL), and the value of each query parameter that
    names a credential (or of every one, with `every_query_value`). A URL that cannot be
    read is hidden whole: it might be anything."""
    try:
        parts = urlsplit(url)
        password = parts.password
        username = parts.username
    except ValueError:
        return MASK if url else url
    netloc = parts.netloc
    if "@" in netloc:
        users, _, host = netloc.rpartition("@")
        user = users.partition(":")[0]
        if password:
            netloc = f"{user}:{MASK}@{host}"
        elif username and user_is_secret:
            netloc = f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = []
        for pair in query.split("&"):
            name, equals, value = pair.partition("=")
            lowered = name.lower()
            hidden = every_query_value or any(word in lowered for word in _SECRET_PARAMETERS)
            pairs.append(f"{name}={MASK}" if hidden and equals and value else pair)
        query = "&".join(pairs)
    fragment = MASK if parts.fragment else ""
    return parts._replace(netloc=netloc, query=query, fragment=fragment).geturl()


# -- moments a user gives (orders, transcripts, schedules, plans) ---------------------------

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class MomentError(ValueError):
    """A time or date a user gave cannot be taken: the field, and a sentence for them."""

    def __init__(self, field: str, text: Text) -> None:
        super().__init__(f"{field}: {text.template.format(**text.params)}")
        self.field = field
        self.text = text


def _moment_error(field: str, template: str) -> MomentError:
    return MomentError(field, Text(template, {"field": field}))


def parse_moment(value: Any, field: str) -> datetime:
    """An aware time in UTC from ISO 8601 text (or a datetime, as TOML gives it), from
    1970 to 2100: times at the edge of the calendar (year 1 with +14:00, year 9999 with
    -14:00) cannot even be converted to UTC, and no order or show is outside these years."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 64 or not text.isascii():
            raise _moment_error(field, MOMENT_FORMAT)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise _moment_error(field, MOMENT_FORMAT) from None
    if not isinstance(value, datetime):
        raise _moment_error(field, MOMENT_FORMAT)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _moment_error(field, N_("{field} needs a UTC offset, such as Z or +05:00."))
    try:
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _moment_error(field, MOMENT_RANGE) from None
    if not EARLIEST <= moment < LATEST:
        raise _moment_error(field, MOMENT_RANGE)
    return moment


def parse_day(value: Any, field: str) -> date:
    """A calendar day from ISO 8601 text (2026-12-07), from 1970 to 2099."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 32 or not text.isascii():
            raise _moment_error(field, DAY_FORMAT)
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise _moment_error(field, DAY_FORMAT) from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _moment_error(field, DAY_FORMAT)
    if not EARLIEST.date() <= value < LATEST.date():
        raise _moment_error(field, DAY_RANGE)
    return value


MOMENT_FORMAT = N_("{field} must be an ISO 8601 time such as 2026-11-20T13:05:00Z.")
MOMENT_RANGE = N_("{field} must be a time from 1970 to 2099.")
DAY_FORMAT = N_("{field} must be a date such as 2026-12-07.")
DAY_RANGE = N_("{field} must be a date from 1970 to 2099.")
