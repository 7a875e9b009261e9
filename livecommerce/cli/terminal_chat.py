"""`livecommerce chat URL`: the command of the terminal chat client (livecommerce/cli/chat/)."""

from __future__ import annotations

import click

from livecommerce.cli.console import with_settings
from livecommerce.config import Settings


@click.command("chat")
@with_settings("locale")
@click.argument("url")
@click.option("--lang", "langs", multiple=True, help="Languages to read, comma-separated: kk,ru.")
@click.option("--token", default=None, help="A chat token (see `token create`).")
@click.option("--name", default=None, help="Your display name as a guest.")
@click.option("--since", type=click.IntRange(min=0), default=None, help="Replay after this id.")
@click.option(
    "--zone", default=None, help="Time zone of the times shown (default: this computer's)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the raw frames as JSON lines.")
def chat(
    settings: Settings,
    url: str,
    langs: tuple[str, ...],
    token: str | None,
    name: str | None,
    since: int | None,
    zone: str | None,
    as_json: bool,
) -> None:
    """Chat in a stream from the terminal (ws://HOST:PORT/ws/streams/ID); /help in the chat."""
    from livecommerce.cli import chat as client

    status = client.main(
        settings,
        url=url,
        langs=langs,
        token=token,
        name=name,
        since=since,
        zone=zone,
        as_json=as_json,
    )
    if status:
        raise SystemExit(status)
