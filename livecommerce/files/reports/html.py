"""The report as an HTML page: tables and charts that work offline, with plotly.js
inlined (one self-contained file) or loaded from beside the page (`PLOTLY_FILE`), and on
the server with the site's header."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from livecommerce.core.models import Market
from livecommerce.core.report import Report
from livecommerce.files.reports import charts
from livecommerce.files.reports.view import View
from livecommerce.i18n import Localizer, html_isolates

_environment = Environment(
    loader=PackageLoader("livecommerce.files.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Times and names isolated in right-to-left text (FSI … PDI) become `<bdi>` elements.
_environment.filters["bidi"] = html_isolates


# plotly.js as saved reports load it: a file in their own folder, written once.
PLOTLY_FILE = "plotly.min.js"


@functools.cache
def plotly_script() -> str:
    """plotly.js itself (4.8 MB), for inlining or for the file beside the pages."""
    return str(get_plotlyjs())


def to_html(
    report: Report,
    view: View,
    l10n: Localizer,
    markets: list[Market],
    *,
    script_src: str | None = None,
    header: str | None = None,
    header_css: str | None = None,
) -> str:
    """The whole page. `script_src`: load plotly.js from this URL instead of inlining it;
    `header`: the site's header (HTML) above the report, styled by `header_css`'s URL."""
    lang = l10n.locale.split("_")[0]
    names = {m.code: m.names.get(lang, m.code) for m in markets}
    names["other"] = l10n.gettext("Other countries")
    figures = [
        figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displayModeBar": False, "responsive": True},
        )
        for figure in charts.figures(report, l10n, names)
    ]
    page = _environment.get_template("report.html")
    return page.render(
        view=view,
        l10n=l10n,
        _=l10n.gettext,
        charts=figures,
        plotly_inline=None if script_src else plotly_script(),
        plotly_src=script_src,
        header=header,
        header_css=header_css,
    )


def write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
