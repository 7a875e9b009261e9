"""What every command shares: settings as `--set NAME VALUE`, JSON output, the reader's language."""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from livecommerce import config
from livecommerce.config import Row, Settings
from livecommerce.core.messages import N_
from livecommerce.i18n import Localizer, known_zone, localizer

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])
REPORT_WIDTH = 160  # columns of a report printed into a file or a pipe
SET_HELP = "Set a setting, e.g. --set data_dir var (repeatable; `livecommerce config list`)."
USE_SET = N_("Use --set {name} VALUE.")


def env_localizer() -> Localizer:
    """The user's language before settings are read: LIVECOMMERCE_LOCALE, else LANG."""
    tag = os.environ.get("LIVECOMMERCE_LOCALE") or os.environ.get("LANG", "")
    return localizer(tag.split(".")[0] or None)


# The language of the command running in this process: its settings' `locale` once they
# are read (`with_settings`), so its error line speaks as its output does.
_speaking: list[Localizer] = []


def reader_localizer() -> Localizer:
    """The running command's language, else the environment's (`env_localizer`)."""
    return _speaking[-1] if _speaking else env_localizer()


def forget_reader() -> None:
    """A new command starts (the group calls this): nothing is known of its language."""
    _speaking.clear()


def _option(row: Row) -> Callable[[F], F]:
    """A command's own setting as a flag of its own (`serve --port`)."""
    if row.kind is config.BOOLEAN:
        return click.option(
            f"{row.flag}/--no-{row.flag[2:]}", row.name, default=None, help=row.help
        )
    return click.option(row.flag, row.name, default=None, metavar="VALUE", help=row.help)


def with_settings(*own: str) -> Callable[[F], F]:
    """Hand the command the resolved `Settings`: `--set NAME VALUE` and its `own` settings'
    flags (`serve --port`), over the config file and the environment.

    Every other setting is set with `--set` only; its old flag (`--data-dir`) is an unknown
    option, which `old_flag_hint` turns into a hint.
    """
    rows = [row for row in config.table() if row.name in own]
    unknown = set(own) - {row.name for row in rows}
    if unknown:
        raise ValueError(f"no such settings: {sorted(unknown)}")

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            flags = {row.name: kwargs.pop(row.name, None) for row in rows}
            given: tuple[tuple[str, str], ...] = kwargs.pop("set_values", ())
            context = click.get_current_context()
            config_file = context.find_root().params.get("config_file")
            settings = config.load(config_file=config_file, flags=flags, given=given)
            _speaking[:] = [localizer(settings.locale)]
            return command(*args, settings=settings, **kwargs)

        decorated: Any = click.option(
            "--set",
            "set_values",
            type=(str, str),
            multiple=True,
            metavar="NAME VALUE",
            help=SET_HELP,
        )(wrapper)
        for row in reversed(rows):
            decorated = _option(row)(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def old_flag_hint(error: click.NoSuchOption, l10n: Localizer) -> str | None:
    """The hint `Use --set data_dir VALUE.` when `error` is a setting's old flag given to a
    command that takes `--set`; None otherwise."""
    command = error.ctx.command if error.ctx is not None else None
    if command is None or not any(param.name == "set_values" for param in command.params):
        return None
    for row in config.table():
        flags = {row.flag, f"--no-{row.flag[2:]}"} if row.kind is config.BOOLEAN else {row.flag}
        if error.option_name in flags:
            return l10n.gettext(USE_SET).format(name=row.name)
    return None


def iso(moment: datetime) -> str:
    """A UTC time as JSON prints it: 2026-12-07T16:00:00Z."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def check_zone(l10n: Localizer, zone: str, flag: str) -> None:
    """A usage error naming `flag` unless `zone` is a time zone of the tz database."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise click.BadParameter(
            l10n.gettext("Unknown time zone: {zone}.").format(zone=zone), param_hint=flag
        ) from None


def system_zone() -> str:
    """This computer's zone: TZ, else where /etc/localtime points, else "" (the
    language's home zone); a name that is not a zone of the tz database is skipped."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    return next((zone for zone in candidates if known_zone(zone)), "")


def l10n_for(settings: Settings, zone: str | None = None) -> Localizer:
    """The user's language, and their zone: `zone` (a `--zone` already checked), else
    this computer's. Times are shown on the user's clock, not their language's."""
    return localizer(settings.locale, zone or system_zone())


def emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def screen_console() -> Console:
    """A rich Console as wide as the reader's screen: COLUMNS where it is set, else the
    terminal's width; a file or a pipe gets REPORT_WIDTH."""
    from rich.console import Console

    console = Console()
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console
    return Console(width=REPORT_WIDTH)
