"""The report as one self-contained HTML file: tables and charts that work offline."""

from __future__ import annotations

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


def plotly_script() -> str:
    """plotly.js itself, for inlining (the file must work offline)."""
    return str(get_plotlyjs())


def to_html(
    report: Report,
    view: View,
    l10n: Localizer,
    markets: list[Market],
    *,
    script_src: str | None = None,
) -> str:
    """The whole page. `script_src`: load plotly.js from this URL instead of inlining it."""
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
    )


def write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
