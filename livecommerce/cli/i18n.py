"""`livecommerce i18n check`: every catalog complete, nothing fuzzy or broken."""

from __future__ import annotations

import click

from livecommerce.cli.console import emit, env_localizer


@click.group()
def i18n() -> None:
    """Translation catalogs."""


@i18n.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def i18n_check(as_json: bool) -> None:
    """Fail on any untranslated, fuzzy or broken catalog entry."""
    from livecommerce.cli.i18n_check import check

    problems = check()
    l10n = env_localizer()
    if as_json:
        emit([{"locale": p.locale, "msgid": p.msgid, "reason": p.reason} for p in problems])
    else:
        for problem in problems:
            click.echo(str(problem), err=True)
        if not problems:
            click.echo(l10n.gettext("Every catalog is complete."))
    if problems:
        raise SystemExit(1)
