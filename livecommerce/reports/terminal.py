"""The report in a terminal: rich tables, in the reader's language."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable

from livecommerce.reports.view import View


def render(view: View, console: Console) -> None:
    console.rule(f"[bold]{view.title}")
    console.print(view.subtitle, style="dim")
    summary = RichTable(show_header=False, box=None, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    for label, value in view.totals:
        summary.add_row(label, value)
    console.print(summary)
    for table in view.tables:
        if not table.rows:
            continue
        shown = RichTable(title=table.title, title_justify="left", title_style="bold")
        for index, column in enumerate(table.columns):
            shown.add_column(column, justify="right" if index in table.numeric else "left")
        for row in table.rows:
            shown.add_row(*row)
        console.print(shown)
