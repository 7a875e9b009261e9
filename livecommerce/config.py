"""Settings: one table drives the defaults, the config file, the environment, the CLI and the docs.

Precedence, lowest first: defaults < TOML file (``--config`` or ``LIVECOMMERCE_CONFIG``)
< environment ``LIVECOMMERCE_<NAME>`` < command-line flags ``--<name>``.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from livecommerce.errors import N_, ConfigError, ConfigFileError, UnknownSettingError

ENV_PREFIX = "LIVECOMMERCE_"
CONFIG_ENV = "LIVECOMMERCE_CONFIG"
LOCALES = ("en", "ru", "kk", "ky", "uz_Latn", "ug", "zh_Hans")
LOG_LEVELS = ("debug", "info", "warning", "error")


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


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise Invalid
        if isinstance(value, str):
            try:
                value = int(value.strip(), 10)
            except ValueError:
                raise Invalid from None
        if not isinstance(value, int) or not low <= value <= high:
            raise Invalid
        return value

    return parse


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise Invalid
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise Invalid from None
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


def setting(default: Any, kind: Kind, help: str) -> Any:
    """Declare one row of the settings table (a dataclass field with its kind and help)."""
    metadata = {"kind": kind, "help": help}
    if isinstance(default, dict):  # a table of values: each Settings gets its own
        return field(default_factory=dict, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Every setting of livecommerce, with its default, kind and help: the one table."""

    host: str = setting("127.0.0.1", HOST, "Address the server listens on.")
    port: int = setting(8080, PORT, "TCP port of the server: pages, API and chat on one port.")
    data_dir: Path = setting(
        Path("var"), PATH, "Folder for the SQLite database and generated secrets."
    )
    database_url: str = setting(
        "",
        DATABASE_URL,
        "Database. Empty: the SQLite file livecommerce.db in data_dir. "
        "postgresql://… for PostgreSQL.",
    )
    redis_url: str = setting(
        "",
        REDIS_URL,
        "Redis shared by several serve processes: chat fan-out, message ids, history for "
        "resume, moderation state. Empty: one process, all in memory.",
    )
    redis_prefix: str = setting(
        "livecommerce",
        KEY_PREFIX,
        "Prefix of every Redis key and channel, so deployments can share one Redis.",
    )
    seeds_dir: Path = setting(Path("seeds"), PATH, "Folder of the demo world's seed files.")
    seed_on_start: bool = setting(
        True, BOOLEAN, "Load the demo world from seeds_dir when serve starts on an empty store."
    )
    locale: str = setting(
        "en", LOCALE, "Language of command-line output and of pages no browser asks otherwise."
    )
    base_currency: str = setting(
        "CNY", CURRENCY, "The seller's currency: revenue is converted into it."
    )
    shutdown_timeout: float = setting(
        10.0, SECONDS, "Seconds serve waits for open connections and pending writes on shutdown."
    )
    log_level: str = setting("info", LOG_LEVEL, "How much the server logs.")
    secret: str = setting(
        "",
        SECRET,
        "Key that signs chat tokens. Empty: a random key kept in data_dir/secret.",
    )
    allow_guests: bool = setting(
        True, BOOLEAN, "Let people without a token join a chat as guests (with ?name=)."
    )
    guest_joins_per_minute: int = setting(
        30, COUNT, "Guest connections one IP address may open per minute."
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        NETWORKS,
        "Addresses of your own proxies (load balancers): a request from one of them is taken "
        "to come from the address it names in X-Forwarded-For (for guests, limits and logs). "
        "Empty: X-Forwarded-For is ignored, so clients cannot claim another address.",
    )
    connections_per_ip: int = setting(
        50,
        COUNT,
        "Chat connections one IP address may hold open at once; more are refused with 429. "
        "Raise it when many viewers share one address (a carrier's NAT, a proxy).",
    )
    chat_history: int = setting(
        500, COUNT, "Messages kept per language channel for replay after a reconnect."
    )
    max_text: int = setting(500, COUNT, "Longest chat message, in characters.")
    max_frame_bytes: int = setting(
        16384, COUNT, "Largest websocket frame a client may send; larger ones close with 1009."
    )
    send_queue: int = setting(
        512,
        COUNT,
        "Frames a connection may fall behind before it is closed with 1013 (slow consumer).",
    )
    send_coalesce: float = setting(
        0.005,
        MOMENT,
        "Seconds the frames due to one connection may wait to leave together in one write "
        "(one send() for several frames; 0: only those of one event-loop turn).",
    )
    chat_rate: float = setting(1.0, RATE, "Messages per second a viewer may send, sustained.")
    chat_burst: int = setting(
        5, COUNT, "Messages a viewer may send at once before the rate applies."
    )
    abuse_limit: int = setting(
        20, COUNT, "Rejected frames per minute after which a connection is closed with 1008."
    )
    presence_interval: float = setting(
        5.0, SECONDS, "Seconds between presence updates to moderators and the streamer."
    )
    hold_links: bool = setting(True, BOOLEAN, "Hold viewers' messages with links for review.")
    shop_secrets: dict[str, str] = setting(
        {},
        SHOP_SECRETS,
        "Webhook secrets of the shops that post orders to /api/orders (HMAC-SHA256).",
    )
    order_window_hours: float = setting(
        2.0,
        Kind(N_("a number of hours from 0 to 168"), _number(0, 168)),
        "Hours after a show during which an order of a product mentioned in it counts for it.",
    )
    hold_first_time_guests: bool = setting(
        False, BOOLEAN, "Hold the first message of every guest for review."
    )
    scheduler_misfire_grace: float = setting(
        300.0,
        SECONDS,
        "Seconds a show's job (reminder, start, close) may still run late, after a restart; "
        "later ones are skipped.",
    )
    show_close_grace: float = setting(
        1800.0, SECONDS, "Seconds after a show's end at which its chat closes."
    )
    leader_ttl: float = setting(
        15.0,
        WAIT,
        "Seconds the scheduler's leader lock lasts unless renewed (every third of it): when "
        "the process running the jobs dies, another takes over within about this time. "
        "The lock is in Redis when redis_url is set, else a PostgreSQL advisory lock; "
        "on SQLite the one process always leads.",
    )
    show_webhook_url: str = setting(
        "",
        WEBHOOK_URL,
        "URL the scheduler posts show events to (reminders, live, closed, report ready) "
        "as JSON. Empty: none.",
    )
    show_webhook_secret: str = setting(
        "",
        SECRET,
        "Key that signs the show webhook's body (X-Signature: sha256=HMAC-SHA256). "
        "Empty: unsigned.",
    )
    show_webhook_timeout: float = setting(
        10.0,
        WAIT,
        "Seconds one post to the show webhook may take.",
    )
    show_webhook_retries: int = setting(
        3,
        Kind(N_("a whole number from 0 to 10"), _integer(0, 10)),
        "Times a failed post to the show webhook is tried again (pauses of 1, 2, 4… seconds).",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL to open: the setting, or the SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'livecommerce.db'}"


@dataclass(frozen=True)
class Row:
    """One setting as documented: where it can be set and what it does."""

    name: str
    kind: Kind
    default: Any
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def table() -> list[Row]:
    """The settings table, in declaration order."""
    return [
        Row(
            f.name,
            f.metadata["kind"],
            f.default if f.default is not dataclasses.MISSING else {},
            f.metadata["help"],
        )
        for f in dataclasses.fields(Settings)
    ]


def check(row: Row, value: Any, source: str) -> Any:
    try:
        return row.kind.parse(value)
    except Invalid:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "…"
        raise ConfigError(
            key=row.name, value=shown, source=source, expected=row.kind.expected
        ) from None


def _unknown(key: str, source: str) -> UnknownSettingError:
    names = [row.name for row in table()]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return UnknownSettingError(key=repr(key[:80]), source=source, hint=hint)


def read_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file: a flat table of settings."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigFileError(path=str(path), reason="no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigFileError(path=str(path), reason=str(error)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(path=str(path), reason=str(error)) from None
    return data


def load(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve the settings: defaults < file < environment < flags.

    `flags` maps setting names to raw flag values (None: not given).
    """
    environ = os.environ if environ is None else environ
    rows = {row.name: row for row in table()}
    values: dict[str, Any] = {}

    if config_file is None and environ.get(CONFIG_ENV):
        config_file = Path(environ[CONFIG_ENV])
    if config_file is not None:
        for key, value in read_file(config_file).items():
            if key not in rows:
                raise _unknown(key, str(config_file))
            values[key] = check(rows[key], value, str(config_file))

    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_ENV:
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in rows:
            raise _unknown(key, "environment")
        values[name] = check(rows[name], value, key)

    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = check(rows[name], value, rows[name].flag)

    return Settings(**values)


def render_docs() -> str:
    """docs/configuration.md, generated from the settings table."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from livecommerce/config.py by `make docs`; do not edit by hand. -->",
        "",
        "Every setting can be given, from lowest to highest precedence, as its default,",
        "in a TOML file (`--config FILE` or the `LIVECOMMERCE_CONFIG` environment variable),",
        "as an environment variable `LIVECOMMERCE_<NAME>`, or as a command-line flag.",
        "A value a setting cannot take stops the command with exit status 2 and one line",
        "naming the setting, the value and what is expected.",
        "",
        "```toml",
        "# livecommerce.toml",
        'host = "127.0.0.1"',
        "port = 8080",
        'database_url = "postgresql://livecommerce@127.0.0.1/livecommerce"',
        "```",
        "",
        "| setting | flag | environment | default | expected | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for row in table():
        default = row.default
        shown = "true" if default is True else "false" if default is False else str(default)
        if default in ({}, ()):
            shown = "(none)"
        lines.append(
            f"| `{row.name}` | `{row.flag}` | `{row.env}` | `{shown}` "
            f"| {row.kind.expected} | {row.help} |"
        )
    return "\n".join(lines) + "\n"
