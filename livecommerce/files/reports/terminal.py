"""The report in a terminal: rich tables, in the reader's language."""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from livecommerce.files.reports.view import View


def render(view: View, console: Console) -> None:
    # Every string is plain Text: a product name or a buyer's question such as «[/b]»
    # is shown as written, never read as rich markup.
    console.rule(Text(view.title, style="bold"))
    console.print(Text(view.subtitle, style="dim"))
    summary = RichTable(show_header=False, box=None, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    for label, value in view.totals:
        summary.add_row(Text(label), Text(value))
    console.print(summary)
    for table in view.tables:
        if not table.rows:
            continue
        shown = RichTable(
            title=Text(table.title),
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
        )
        for index, column in enumerate(table.columns):
            if index in table.numeric:
                # A number cut to «¥25,879…» says nothing: numbers keep their width, and
                # the text columns wrap instead.
                widest = max((cell_len(row[index]) for row in table.rows), default=1)
                shown.add_column(Text(column), justify="right", min_width=widest)
            else:
                shown.add_column(Text(column), justify="left")
        for row in table.rows:
            shown.add_row(*(Text(cell) for cell in row))
        console.print(shown)
