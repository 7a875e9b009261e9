"""`livecommerce orders import FILE.csv`: orders from shops, checked row by row; idempotent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from livecommerce.cli.console import emit, l10n_for, with_settings
from livecommerce.config import Settings

SHOWN_REJECTED = 200  # rejected rows printed one by one; --json lists every one
PROGRESS_LINES_FROM = 1000  # rows: smaller files import too fast to need progress lines


@click.group()
def orders() -> None:
    """Orders from shops."""


@orders.command("import")
@with_settings()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def orders_import(settings: Settings, file: Path, as_json: bool) -> None:
    """Import orders from a CSV file (columns as in seeds/orders.csv); idempotent."""
    from rich.progress import Progress

    from livecommerce.files.orders_csv import Outcome, count_rows, import_orders

    l10n = l10n_for(settings)
    total = count_rows(file)
    stderr = _stderr()
    done = [0, -1]  # rows handled, tenths reported

    def report_progress(n: int) -> None:
        """Progress where no bar can be drawn (a log, a pipe): a line per tenth done."""
        done[0] += n
        tenth = done[0] * 10 // max(total, 1)
        if tenth > done[1] and total >= PROGRESS_LINES_FROM:
            done[1] = tenth
            message = l10n.gettext("Importing orders: {done} of {total} rows").format(
                done=l10n.format_number(done[0]), total=l10n.format_number(total)
            )
            click.echo(message, err=True)

    async def run() -> Outcome:
        from livecommerce.app import open_store  # the wiring: loaded when used
        from livecommerce.store.sqlite import locked_or

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            skus = {p.sku for p in await store.products()}
            # Progress goes to stderr, so it never mixes into --json on stdout.
            with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
                task = bar.add_task(l10n.gettext("Importing orders"), total=total)
                return await import_orders(
                    store,
                    file,
                    skus,
                    datetime.now(UTC),
                    l10n,
                    progress=(lambda n: bar.advance(task, n))
                    if stderr.is_terminal
                    else report_progress,
                )
        except Exception as error:
            # Rows stored before the lock stay stored: importing again adds the rest.
            raise locked_or(store, error) from None
        finally:
            await store.close()

    outcome = asyncio.run(run())
    if as_json:
        emit(
            {
                "rows": outcome.rows,
                "accepted": outcome.accepted,
                "duplicates": outcome.duplicates,
                "rejected": [vars(r) for r in outcome.rejected],
            }
        )
    else:
        number = l10n.format_number
        click.echo(
            l10n.gettext(
                "Rows: {rows} · added: {accepted} · already known: {duplicates} · "
                "rejected: {rejected}"
            ).format(
                rows=number(outcome.rows),
                accepted=number(outcome.accepted),
                duplicates=number(outcome.duplicates),
                rejected=number(len(outcome.rejected)),
            )
        )
        for rejected in outcome.rejected[:SHOWN_REJECTED]:
            click.echo(
                l10n.gettext("line {line}: {reason}").format(
                    line=rejected.line, reason=rejected.reason
                ),
                err=True,
            )
        more = len(outcome.rejected) - SHOWN_REJECTED
        if more > 0:
            click.echo(
                l10n.ngettext(
                    "… and {n} more rejected row (--json lists them all)",
                    "… and {n} more rejected rows (--json lists them all)",
                    more,
                ).format(n=l10n.format_number(more)),
                err=True,
            )
    if outcome.rejected:
        raise SystemExit(1)


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)
