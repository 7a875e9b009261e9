"""The post-show report kept as files: `<show>.json` (the JSON data of the API) and
`<show>.html` (the offline page with its charts), each written whole or not at all."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from livecommerce.core.models import Market
from livecommerce.core.report import Report
from livecommerce.files.output import write_atomically
from livecommerce.files.reports import data, html
from livecommerce.files.reports.view import build_view
from livecommerce.i18n import Localizer


@dataclass(frozen=True)
class ReportFiles:
    """Where a show's report was written."""

    json: Path
    html: Path


def file_stem(show_id: str) -> str:
    """A file name for a show: its id, with anything but letters, digits, `.`, `_` and
    `-` replaced, and no leading dot (an id can never name a path elsewhere)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", show_id).lstrip(".")
    return stem[:200] or "_"


def write_files(
    report: Report, markets: list[Market], l10n: Localizer, folder: Path
) -> ReportFiles:
    """Write the report of a show into `folder` (made if missing): the JSON data and the
    self-contained HTML page (plotly.js inlined), in `l10n`'s language and zone."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report.show.id)
    files = ReportFiles(json=folder / f"{stem}.json", html=folder / f"{stem}.html")
    document = json.dumps(data.to_data(report), ensure_ascii=False, indent=2) + "\n"
    page = html.to_html(report, build_view(report, l10n, markets), l10n, markets)
    write_atomically(files.json, document)
    write_atomically(files.html, page)
    return files
