"""The post-show report kept as files: `<show>.json` (the JSON data of the API) and
`<show>.html` (the offline page with its charts), each written whole or not at all, and
beside them, once for all the pages of the folder, `plotly.min.js`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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
    script: Path


def file_stem(show_id: str) -> str:
    """A file name for a show: its id, with anything but letters, digits, `.`, `_` and
    `-` replaced, and no leading dot (an id can never name a path elsewhere)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", show_id).lstrip(".")
    return stem[:200] or "_"


def write_script(folder: Path, write: Callable[[Path, str], None] = write_atomically) -> Path:
    """plotly.js beside the report pages of `folder`, which load it from there: written
    (whole, by `write`) only when it is missing or differs (another plotly version), so
    every page of the folder shares the one file."""
    path = folder / html.PLOTLY_FILE
    script = html.plotly_script()
    try:
        same = (
            path.stat().st_size == len(script.encode("utf-8"))
            and path.read_text(encoding="utf-8") == script
        )
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:
        write(path, script)
    return path


def write_files(
    report: Report, markets: list[Market], l10n: Localizer, folder: Path
) -> ReportFiles:
    """Write the report of a show into `folder` (made if missing): the JSON data and the
    HTML page in `l10n`'s language and zone, which loads plotly.js from beside it (written
    there once, `write_script`)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report.show.id)
    document = json.dumps(data.to_data(report), ensure_ascii=False, indent=2) + "\n"
    view = build_view(report, l10n, markets)
    page = html.to_html(report, view, l10n, markets, script_src=html.PLOTLY_FILE)
    files = ReportFiles(
        json=folder / f"{stem}.json", html=folder / f"{stem}.html", script=write_script(folder)
    )
    write_atomically(files.json, document)
    write_atomically(files.html, page)
    return files
