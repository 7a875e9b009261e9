"""`livecommerce config list|show|docs`: the settings, as resolved and as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from livecommerce import config
from livecommerce.cli.console import emit, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.core.messages import N_

DEFAULT = N_("default: {value}")


@click.group("config")
def config_group() -> None:
    """Settings: list them, print them as JSON, document them."""


@config_group.command("list")
@with_settings()
@click.option("--json", "as_json", is_flag=True, help="Print every setting as JSON.")
def config_list(settings: Settings, as_json: bool) -> None:
    """Every setting: its name, current value (secrets masked), default and what it does.

    Printed as a TOML file that could be the config file.
    """
    values = config.printable(settings)
    rows = config.table()
    if as_json:
        emit(
            [
                {
                    "name": row.name,
                    "value": values[row.name],
                    "default": config.mask(row.kind, row.default),
                    "environment": row.env,
                    "help": row.help,
                }
                for row in rows
            ]
        )
        return
    l10n = l10n_for(settings)
    for row in rows:
        default = toml_value(config.mask(row.kind, row.default))
        click.echo(f"# {first_sentence(row.help)}")
        click.echo(
            f"{row.name} = {toml_value(values[row.name])}  # "
            + l10n.gettext(DEFAULT).format(value=default)
        )


@config_group.command("show")
@with_settings()
def config_show(settings: Settings) -> None:
    """Print the resolved settings as JSON (secrets masked)."""
    # Every key is masked by its kind, so a secret added later is masked too.
    emit(config.printable(settings))


@config_group.command("docs")
def config_docs() -> None:
    """Print docs/configuration.md, generated from the settings table."""
    click.echo(config.render_docs(), nl=False)


def toml_value(value: Any) -> str:
    """A value as TOML writes it: `"text"`, `8080`, `true`, `["a", "b"]`, `{ shop = "***" }`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def first_sentence(text: str) -> str:
    """The help's first sentence (two when the first is a word): one line per setting."""
    sentences = text.split(". ")
    line = sentences[0]
    for sentence in sentences[1:]:
        if len(line) >= 30:
            break
        line += ". " + sentence
    return line if line.endswith(".") else line + "."
