"""Settings: one table drives the defaults, the config file, the environment, the CLI and the docs.

Precedence, lowest first: defaults < TOML file (``--config`` or ``LIVECOMMERCE_CONFIG``)
< environment ``LIVECOMMERCE_<NAME>`` < a command's own options (``serve --port``)
< ``--set NAME VALUE``. What each setting may be (its kind and parser) is
livecommerce/core/values.py; this module is the table and the loading.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from livecommerce.core.hours import Opening
from livecommerce.core.values import (
    BOOLEAN,
    COUNT,
    CURRENCY,
    DATABASE_URL,
    FRAME_BYTES,
    HOST,
    HOURS,
    KEPT,
    KEY_PREFIX,
    LOCALE,
    LOCALES,
    LOG_LEVEL,
    LOG_LEVELS,
    MOMENT,
    NETWORKS,
    ORIGINS,
    PAGE,
    PATH,
    PERIOD,
    PORT,
    QUEUE,
    RATE,
    REDIS_URL,
    RETRIES,
    SECONDS,
    SECRET,
    SHOP_SECRETS,
    TEXT_LENGTH,
    WAIT,
    WEBHOOK_URL,
    Invalid,
    Kind,
    mask,
)
from livecommerce.errors import ConfigError, ConfigFileError, UnknownSettingError, why_unreadable

# The kinds are re-exported: callers name them as config.SECRET, config.CURRENCY, …
__all__ = [
    "BOOLEAN",
    "CURRENCY",
    "LOCALES",
    "LOG_LEVELS",
    "SECRET",
    "SHOP_SECRETS",
    "Invalid",
    "Kind",
    "Row",
    "Settings",
    "check",
    "load",
    "mask",
    "printable",
    "read_file",
    "render_docs",
    "setting_name",
    "table",
]

ENV_PREFIX = "LIVECOMMERCE_"
CONFIG_ENV = "LIVECOMMERCE_CONFIG"


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
        10.0, PERIOD, "Seconds serve waits for open connections and pending writes on shutdown."
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
        500, KEPT, "Messages kept per language channel for replay after a reconnect."
    )
    max_text: int = setting(500, TEXT_LENGTH, "Longest chat message, in characters.")
    max_frame_bytes: int = setting(
        16384,
        FRAME_BYTES,
        "Largest websocket frame a client may send; larger ones close with 1009.",
    )
    send_queue: int = setting(
        512,
        QUEUE,
        "Frames a connection may fall behind before it is closed with 1013 (slow consumer).",
    )
    send_coalesce: float = setting(
        0.005,
        MOMENT,
        "Seconds the frames due to one connection may wait to leave together in one write "
        "(one send() for several frames; 0: only those of one event-loop turn).",
    )
    gc_settle: float = setting(
        0.25,
        SECONDS,
        "Seconds between freezes of what outlived the last one, so that the garbage "
        "collector's passes examine only young objects and pause the server briefly "
        "(0: Python's own collector settings).",
    )
    gc_reclaim_connections: int = setting(
        5000,
        COUNT,
        "Chat connections closed after which one full garbage collection frees what they "
        "left in reference cycles (a pause as long as a full pass; see gc_settle).",
    )
    gc_reclaim_seconds: float = setting(
        3600.0,
        PERIOD,
        "Longest time between two full garbage collections while gc_settle is on.",
    )
    chat_rate: float = setting(1.0, RATE, "Messages per second a viewer may send, sustained.")
    chat_burst: int = setting(
        5, COUNT, "Messages a viewer may send at once before the rate applies."
    )
    abuse_limit: int = setting(
        20, COUNT, "Rejected frames per minute after which a connection is closed with 1008."
    )
    presence_interval: float = setting(
        5.0, PERIOD, "Seconds between presence updates to moderators and the streamer."
    )
    hold_links: bool = setting(True, BOOLEAN, "Hold viewers' messages with links for review.")
    shop_secrets: dict[str, str] = setting(
        {},
        SHOP_SECRETS,
        "Webhook secrets of the shops that post orders to /api/orders (HMAC-SHA256).",
    )
    order_window_hours: float = setting(
        2.0,
        HOURS,
        "Hours after a show during which an order of a product mentioned in it counts for it.",
    )
    hold_first_time_guests: bool = setting(
        False, BOOLEAN, "Hold the first message of every guest for review."
    )
    scheduler_misfire_grace: float = setting(
        300.0,
        PERIOD,
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
        RETRIES,
        "Times a failed post to the show webhook is tried again (pauses of 1, 2, 4… seconds).",
    )
    allowed_origins: tuple[str, ...] = setting(
        (),
        ORIGINS,
        "Other websites (origins such as https://shop.example) whose pages may open the chat "
        "websocket, besides the server's own pages (the Host they asked for); *: any. "
        "Checked when a browser sends Origin; clients that send none are not checked.",
    )
    # -- opening hours and the held queue (issue 11, items 3 and 4) --
    chat_opening_hours: bool = setting(
        True,
        BOOLEAN,
        "Take chat only while a show is open: from chat_opens_before its start until "
        "show_close_grace after its end. Off: every show's chat is always open.",
    )
    chat_opens_before: float = setting(
        900.0, SECONDS, "Seconds before a show's start at which its chat opens."
    )
    held_max: int = setting(
        500,
        KEPT,
        "Messages held for review a show keeps at most; the oldest goes first (counted and "
        "logged).",
    )
    held_per_sender: int = setting(
        20,
        COUNT,
        "Messages held for review a show keeps at most from one writer; their oldest goes first.",
    )
    held_page: int = setting(
        50,
        PAGE,
        "Held messages a moderator is sent on joining (the newest) and per page asked for.",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL to open: the setting, or the SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'livecommerce.db'}"


def opening(settings: Settings) -> Opening | None:
    """The rule giving each show its opening hours, or None when chat is always open."""
    if not settings.chat_opening_hours:
        return None
    return Opening(
        timedelta(seconds=settings.chat_opens_before),
        timedelta(seconds=settings.show_close_grace),
    )


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
    name = setting_name(key)
    starting = [n for n in names if len(name) >= 3 and n.startswith(name)]
    close = list(dict.fromkeys([*difflib.get_close_matches(name, names, n=3), *starting]))[:3]
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return UnknownSettingError(key=repr(key[:80]), source=source, hint=hint)


def setting_name(key: str) -> str:
    """A name as people type it after `--set`: `database-url` is `database_url`."""
    return key.strip().lower().replace("-", "_")


def read_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file: a flat table of settings."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigFileError(path=str(path), reason=why_unreadable(error)) from None
    return data


def load(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    given: Sequence[tuple[str, str]] = (),
) -> Settings:
    """Resolve the settings: defaults < file < environment < flags < `given`.

    `flags` maps setting names to raw values of a command's options (None: not given);
    `given` is the `--set NAME VALUE` pairs in order (a later one wins).
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

    for key, value in given:
        name = setting_name(key)
        if name not in rows:
            raise _unknown(key, "--set")
        values[name] = check(rows[name], value, f"--set {name}")

    return Settings(**values)


def printable(settings: Settings) -> dict[str, Any]:
    """Every setting's value as it may be printed: secrets masked by their kind."""
    return {row.name: mask(row.kind, getattr(settings, row.name)) for row in table()}


def render_docs() -> str:
    """docs/configuration.md, generated from the settings table."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from livecommerce/config.py by `make docs`; do not edit by hand. -->",
        "",
        "Every setting can be given, from lowest to highest precedence, as its default,",
        "in a TOML file (`--config FILE` or the `LIVECOMMERCE_CONFIG` environment variable),",
        "as an environment variable `LIVECOMMERCE_<NAME>`, or on the command line as",
        "`--set NAME VALUE` (repeatable; `serve` also has `--host` and `--port`, `report`,",
        "`plan`, `schedule list` and `chat` have `--locale`). `livecommerce config list`",
        "prints every setting with its current value, secrets masked.",
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
        "| setting | environment | default | expected | what it does |",
        "|---|---|---|---|---|",
    ]
    for row in table():
        default = row.default
        shown = "true" if default is True else "false" if default is False else str(default)
        if default in ({}, ()):
            shown = "(none)"
        lines.append(
            f"| `{row.name}` | `{row.env}` | `{shown}` | {row.kind.expected} | {row.help} |"
        )
    return "\n".join(lines) + "\n"
