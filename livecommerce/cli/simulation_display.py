"""What `livecommerce simulate` shows: the live progress (rich) and the closing counts."""

from __future__ import annotations

import asyncio
import sys

from rich.console import Console
from rich.live import Live
from rich.table import Table

from livecommerce.i18n import Localizer
from livecommerce.services.simulation.runner import Simulation, Snapshot, Tally

PLAIN_LINES = 10  # progress lines printed into a file or a pipe, over the whole show


def table(snapshot: Snapshot, l10n: Localizer) -> Table:
    """The progress display: the show's minute, the pace, and counts per language."""
    tally, number = snapshot.tally, l10n.format_number
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    rows = [
        (
            l10n.gettext("Show minute"),
            f"{number(int(snapshot.minute))} / {number(snapshot.minutes)}",
        ),
        (
            l10n.gettext("Messages sent / acknowledged"),
            f"{number(tally.sent)} / {number(len(tally.acknowledged))}",
        ),
        (l10n.gettext("Messages per second"), number(round(snapshot.per_second, 1))),
        (l10n.gettext("Mentions"), number(tally.mentions())),
        (l10n.gettext("Orders accepted"), number(len(tally.orders_accepted))),
        (l10n.gettext("Moderator actions"), number(sum(tally.moderation.values()))),
        (
            l10n.gettext("Connected"),
            f"{number(snapshot.connected)} / {number(snapshot.participants)}",
        ),
        (l10n.gettext("Reconnects"), number(snapshot.reconnects)),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    for lang in sorted(tally.sent_by_lang):
        grid.add_row(
            f"  {lang}",
            f"{number(tally.sent_by_lang[lang])} / {number(tally.acked_by_lang[lang])}",
        )
    return grid


def live(simulation: Simulation, l10n: Localizer) -> Tally:
    """Run `simulation` with its progress on stderr: a live table on a terminal, else a
    line now and then."""
    console = Console(stderr=True)
    if not console.is_terminal:
        every = max(1, simulation.minutes // PLAIN_LINES)
        printed: set[int] = set()

        def line(snapshot: Snapshot) -> None:
            minute = int(snapshot.minute)
            if minute % every == 0 and minute not in printed:
                printed.add(minute)
                print(plain(snapshot, l10n), file=sys.stderr, flush=True)

        return asyncio.run(simulation.run(line))
    with Live(console=console, refresh_per_second=4, transient=False) as display:
        return asyncio.run(simulation.run(lambda s: display.update(table(s, l10n))))


def plain(snapshot: Snapshot, l10n: Localizer) -> str:
    tally, number = snapshot.tally, l10n.format_number
    return l10n.gettext(
        "show minute {minute} of {minutes} · messages sent: {sent}, acknowledged: "
        "{acknowledged} · orders: {orders}"
    ).format(
        minute=number(int(snapshot.minute)),
        minutes=number(snapshot.minutes),
        sent=number(tally.sent),
        acknowledged=number(len(tally.acknowledged)),
        orders=number(len(tally.orders_accepted)),
    )


def summary(tally: Tally, l10n: Localizer, report: str) -> list[str]:
    """The closing counts, one sentence a line, and where the report is."""
    number = l10n.format_number
    lines = [
        l10n.gettext(
            "Messages: {sent} sent, {acknowledged} acknowledged, {held} held for review, "
            "{resent} sent again after a drop."
        ).format(
            sent=number(tally.sent),
            acknowledged=number(len(tally.acknowledged)),
            held=number(len(tally.held)),
            resent=number(tally.resent),
        ),
        l10n.gettext(
            "Mentions: {chat} in chat, {transcript} in the transcript, {pins} pins."
        ).format(
            chat=number(tally.chat_mention_count()),
            transcript=number(tally.transcript_mentions),
            pins=number(tally.pins),
        ),
        l10n.gettext(
            "Orders: {accepted} accepted, {duplicates} already known, {refused} refused."
        ).format(
            accepted=number(len(tally.orders_accepted)),
            duplicates=number(tally.orders_duplicates),
            refused=number(tally.orders_refused),
        ),
        l10n.gettext(
            "Moderators: {deleted} deleted, {moved} moved, {approved} approved, "
            "{rejected} rejected."
        ).format(
            deleted=number(tally.moderation["delete"]),
            moved=number(tally.moderation["move"]),
            approved=number(tally.moderation["approve"]),
            rejected=number(tally.moderation["reject"]),
        ),
        l10n.gettext("Reconnects: {count}.").format(count=number(tally.reconnects)),
    ]
    if tally.unconfirmed:
        lines.append(
            l10n.ngettext(
                "{count} message or order was never confirmed.",
                "{count} messages or orders were never confirmed.",
                tally.unconfirmed,
            ).format(count=number(tally.unconfirmed))
        )
    if tally.orders_refused:
        lines.append(
            l10n.gettext(
                "The server refused the shop's orders: give serve and simulate the same "
                "shop_secrets."
            )
        )
    lines.append(l10n.gettext("Report: {url}").format(url=report))
    return lines
