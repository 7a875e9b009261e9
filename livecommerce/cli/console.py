"""What every command shares: a flag per setting, JSON output, the reader's language."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from livecommerce import config
from livecommerce.config import Settings
from livecommerce.i18n import Localizer, localizer

F = TypeVar("F", bound=Callable[..., Any])
REPORT_WIDTH = 160  # columns of a report printed into a file or a pipe


def env_localizer() -> Localizer:
    """The user's language before settings are read: LIVECOMMERCE_LOCALE, else LANG."""
    tag = os.environ.get("LIVECOMMERCE_LOCALE") or os.environ.get("LANG", "")
    return localizer(tag.split(".")[0] or None)


def with_settings(command: F) -> F:
    """Add a flag for every setting and hand the command the resolved `Settings`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = {row.name: kwargs.pop(row.name, None) for row in config.table()}
        context = click.get_current_context()
        config_file = context.find_root().params.get("config_file")
        settings = config.load(config_file=config_file, flags=flags)
        return command(*args, settings=settings, **kwargs)

    for row in reversed(config.table()):
        if row.kind is config.BOOLEAN:
            option = click.option(
                f"{row.flag}/--no-{row.flag[2:]}", row.name, default=None, help=row.help
            )
        else:
            option = click.option(row.flag, row.name, default=None, metavar="VALUE", help=row.help)
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def l10n_for(settings: Settings) -> Localizer:
    return localizer(settings.locale)


def emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
