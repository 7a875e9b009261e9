"""The `livecommerce` command: the group, its global options and its commands.

Each command group is a module of its own in livecommerce/cli/ and is registered here.
Every command that prints data has `--json`; errors are one clear line on stderr and
a non-zero exit status, never a traceback — also when the group runs in-process
(click's CliRunner), since the group itself turns them into that line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from livecommerce.cli.config import config_group
from livecommerce.cli.console import forget_reader, old_flag_hint, reader_localizer
from livecommerce.cli.i18n import i18n
from livecommerce.cli.orders import orders
from livecommerce.cli.plan import plan
from livecommerce.cli.report import report
from livecommerce.cli.schedule import schedule
from livecommerce.cli.seed import seed
from livecommerce.cli.serve import serve
from livecommerce.cli.shows import shows
from livecommerce.cli.simulate import simulate
from livecommerce.cli.terminal_chat import chat
from livecommerce.cli.token import token
from livecommerce.errors import LivecommerceError
from livecommerce.i18n import Localizer


class Livecommerce(click.Group):
    """A click group whose every expected failure ends as one line and an exit status."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        forget_reader()
        try:
            return super().main(
                args=args,
                prog_name=prog_name or "livecommerce",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except LivecommerceError as error:
            l10n = reader_localizer()
            fail(f"livecommerce: {error.message(l10n.gettext)}", error.exit_code)
        except click.exceptions.Abort:
            fail("", 130)
        except click.NoSuchOption as error:
            # A setting's old flag (`--data-dir`): say how to set it now, on the same line.
            hint = old_flag_hint(error, reader_localizer())
            message = error.format_message()
            fail(f"livecommerce: {message}" + (f" {hint}" if hint else ""), error.exit_code)
        except click.BadParameter as error:
            fail(f"livecommerce: {bad_value(error, reader_localizer())}", error.exit_code)
        except click.ClickException as error:
            # One line, like every other error; --help shows the usage.
            fail(f"livecommerce: {error.format_message()}", error.exit_code)
        except KeyboardInterrupt:
            fail("", 130)


def bad_value(error: click.BadParameter, l10n: Localizer) -> str:
    """click's «Invalid value for --ttl: …» and «Missing option» in the reader's
    language (what click's own types say of a value stays click's English)."""
    if isinstance(error, click.MissingParameter) and error.param is not None:
        hint = error.param.get_error_hint(error.ctx)
        return l10n.gettext("Missing option {param}.").format(param=hint)
    if error.param_hint is not None:
        hints = error.param_hint
        hint = hints if isinstance(hints, str) else " / ".join(repr(h) for h in hints)
    elif error.param is not None:
        hint = error.param.get_error_hint(error.ctx)
    else:
        return l10n.gettext("Invalid value: {message}").format(message=error.message)
    return l10n.gettext("Invalid value for {param}: {message}").format(
        param=hint, message=error.message
    )


def fail(line: str, status: int) -> None:
    if line:
        click.echo(line, err=True)
    sys.exit(status)


@click.group(
    "livecommerce",
    cls=Livecommerce,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML file of settings (also LIVECOMMERCE_CONFIG).",
)
@click.version_option(package_name="livecommerce")
def cli(config_file: Path | None) -> None:
    """Cross-border livestream commerce: plan shows, relay chat, review sales.

    Settings (see `livecommerce config list`) come from their defaults, the config file,
    the environment (LIVECOMMERCE_<NAME>) and `--set NAME VALUE` after a command.
    """


for command in (
    serve,
    seed,
    plan,
    schedule,
    shows,
    report,
    orders,
    token,
    chat,
    simulate,
    config_group,
    i18n,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point (`livecommerce`, `python -m livecommerce`): run the command."""
    cli.main(args=argv, prog_name="livecommerce")
