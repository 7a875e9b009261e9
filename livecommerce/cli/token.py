"""`livecommerce token create`: signed, expiring chat tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from livecommerce.cli.console import emit, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.core.models import Role
from livecommerce.i18n import Localizer


@click.group()
def token() -> None:
    """Chat tokens: who someone is, their role and their languages."""


def _duration(l10n: Localizer, text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhd])\s*", text)
    seconds = 0
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    if not 0 < seconds <= 366 * 86400:
        raise click.BadParameter(
            l10n.gettext(
                "{value}: expected a duration from 1s to 366d, such as 30m, 12h or 7d"
            ).format(value=repr(text[:40])),
            param_hint="--ttl",
        )
    return timedelta(seconds=seconds)


@token.command("create")
@with_settings()
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default="viewer",
    show_default=True,
    help="What the holder may do.",
)
@click.option("--name", required=True, help="Display name in the chat.")
@click.option("--user", default=None, help="Stable user id (default: from the name).")
@click.option(
    "--langs",
    default="",
    help="Languages, comma-separated: kk,ru (moderators: what they moderate).",
)
@click.option("--stream", default=None, help="Only valid for this stream id.")
@click.option("--ttl", default="12h", show_default=True, help="How long it is valid: 30m, 12h, 7d.")
@click.option("--json", "as_json", is_flag=True, help="Print the token and its claims as JSON.")
def token_create(
    settings: Settings,
    role: str,
    name: str,
    user: str | None,
    langs: str,
    stream: str | None,
    ttl: str,
    as_json: bool,
) -> None:
    """Issue a signed, expiring chat token."""
    from livecommerce.core import tokens
    from livecommerce.core.langid import LANGUAGES
    from livecommerce.services.secret import load_secret

    l10n = l10n_for(settings)
    name = name.strip()
    if not name or len(name) > 32:
        raise click.BadParameter(
            l10n.gettext("the name must be 1 to 32 characters"), param_hint="--name"
        )
    chosen = tuple(dict.fromkeys(p.strip().lower() for p in langs.split(",") if p.strip()))
    unknown = [lang for lang in chosen if lang not in LANGUAGES]
    if unknown:
        raise click.BadParameter(
            l10n.gettext("unknown language {value}: expected some of {choices}").format(
                value=repr(unknown[0][:20]), choices=", ".join(LANGUAGES)
            ),
            param_hint="--langs",
        )
    if role == Role.MODERATOR.value and not chosen:
        raise click.BadParameter(
            l10n.gettext("a moderator needs the languages they moderate"), param_hint="--langs"
        )
    expires = datetime.now(UTC) + _duration(l10n, ttl)
    slug = re.sub(r"[\W_]+", "-", name.casefold()).strip("-")[:40]  # any script's letters
    user_id = user or ("u-" + slug if slug else "u-user")
    identity = tokens.Identity(
        user=user_id,
        name=name,
        role=Role(role),
        langs=chosen,
        stream=stream,
        expires=int(expires.timestamp()),
    )
    issued = tokens.issue(load_secret(settings), identity)
    if as_json:
        emit(
            {
                "token": issued,
                "user": user_id,
                "name": name,
                "role": role,
                "langs": list(chosen),
                "stream": stream,
                "expires": expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
            }
        )
    else:
        click.echo(issued)
