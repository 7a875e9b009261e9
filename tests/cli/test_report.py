"""`livecommerce report SHOW` as a user runs it (in-process, tests/helpers/cli.py): terminal,
JSON, CSV and the HTML file, checked against the server's API over the same seeds."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from livecommerce.app import open_store
from livecommerce.core.models import ChatMessage, Mention, MentionSource, Role
from livecommerce.files.reports import html
from livecommerce.i18n import Localizer
from tests.conftest import SEEDS, Server
from tests.helpers.cli import Ran, invoke, one_line_error
from tests.web.test_reports import STARTS, expected

SHOW = "khorgos-it-2026-11-20"
TITLE_EN = "Khorgos IT Friday: laptops, routers and SSDs at border prices"
TITLE_RU = "IT-пятница из Хоргоса: ноутбуки, роутеры и SSD по ценам границы"


async def cli(*args: str, data: Path) -> tuple[int, str, str]:
    """Run the command in-process (in a thread: it runs its own event loop), with a clean
    environment, as a user would."""
    settings = ("--set", "data_dir", str(data), "--set", "seeds_dir", str(SEEDS))
    result = await asyncio.to_thread(invoke, *args, *settings)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
async def data(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    code, _, err = await cli("seed", data=folder)
    assert code == 0, err
    return folder


async def api(server: Server, query: str = "") -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(f"/api/streams/{SHOW}/report{query}")) as response,
    ):
        return response.status, await response.text()


async def test_the_terminal_report(data: Path) -> None:
    code, out, err = await cli("report", SHOW, data=data)
    assert code == 0, err
    want = expected()
    assert TITLE_EN in out
    assert "Products" in out
    assert "Markets" in out
    assert "14-inch laptop X14" in out
    assert f"¥{want.revenue.quantize(Decimal('0.01')):,}" in out  # ¥49,051.61
    assert "…" not in out  # nothing cut short
    summary = {
        line.rsplit("  ", 1)[0].strip(): line.rsplit("  ", 1)[-1].strip()
        for line in out.splitlines()[2:6]
    }
    assert summary["Orders"] == str(want.orders)
    assert summary["Units sold"] == str(want.units)


async def test_the_order_window_setting_is_kept(data: Path, tmp_path: Path) -> None:
    """An order of a mentioned product an hour after the show counts within the default
    two-hour window, and not when `order_window_hours` is 0 (as on the page and API)."""
    late = tmp_path / "late.csv"
    late.write_text(
        "id,ts,sku,qty,unit_price,currency,buyer_country,buyer_lang,show\n"
        "LATE-1,2026-11-20T16:00:00Z,IT-PWB-20K,1,1000,CNY,KZ,ru,\n"
    )
    code, _, err = await cli("orders", "import", str(late), data=data)
    assert code == 0, err
    totals = {}
    for hours in ("2", "0"):
        code, out, err = await cli(
            "report", SHOW, "--json", "--set", "order_window_hours", hours, data=data
        )
        assert code == 0, err
        totals[hours] = json.loads(out)["totals"]["orders"]
    # Without the window, the late order and the seeded orders after the show that carry
    # no show code (its end at 15:00 to 17:00 UTC) are left out.
    with (SEEDS / "orders.csv").open(newline="") as rows:
        after = [
            row
            for row in csv.DictReader(rows)
            if "2026-11-20T15:00:00Z" < row["ts"] <= "2026-11-20T17:00:00Z" and not row["show"]
        ]
    assert after  # the seeds hold such orders, so the two windows must differ
    assert totals == {"2": expected().orders + 1, "0": expected().orders - len(after)}


async def test_json_matches_the_api(data: Path, server: Server) -> None:
    code, out, err = await cli("report", SHOW, "--json", data=data)
    assert code == 0, err
    from_cli = json.loads(out)
    status, body = await api(server)
    assert status == 200
    assert from_cli == json.loads(body)
    assert from_cli["totals"]["orders"] == expected().orders


async def test_csv_matches_the_api(data: Path, server: Server) -> None:
    code, out, err = await cli("report", SHOW, "--csv", data=data)
    assert code == 0, err
    status, body = await api(server, "?format=csv&lang=en")
    assert status == 200
    assert list(csv.reader(io.StringIO(out))) == list(csv.reader(io.StringIO(body)))
    rows = list(csv.DictReader(io.StringIO(out)))
    want = expected()
    assert {r["sku"] for r in rows} == set(want.skus_sold) | set(want.skus_mentioned)


async def test_the_html_file_loads_plotly_from_beside_it(data: Path, tmp_path: Path) -> None:
    """plotly.js (4.8 MB) is written once beside the reports of a folder, not into each."""
    folder = tmp_path / "out"
    folder.mkdir()
    first, second = folder / "report.html", folder / "again.html"
    code, out, err = await cli("report", SHOW, "--html", str(first), data=data)
    assert code == 0, err
    assert str(first) in out
    page = first.read_text(encoding="utf-8")
    assert len(page.encode()) < 200_000, len(page.encode())
    assert '<script src="plotly.min.js"></script>' in page
    assert "Plotly.newPlot" in page
    assert page.count('class="chart"') == 3
    assert f"<h1>{TITLE_EN}</h1>" in page
    assert '<html lang="en" dir="ltr">' in page
    assert 'href="/' not in page  # no site links: the file is read offline
    script = folder / "plotly.min.js"
    assert script.read_text(encoding="utf-8") == html.plotly_script()
    written = script.stat()
    code, _, err = await cli("report", SHOW, "--html", str(second), data=data)
    assert code == 0, err
    assert script.stat().st_ino == written.st_ino  # the same file: not written again
    assert sorted(p.name for p in folder.iterdir()) == [
        "again.html",
        "plotly.min.js",
        "report.html",
    ]


async def test_the_self_contained_html_file_carries_plotly(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    code, _, err = await cli("report", SHOW, "--html", str(target), "--self-contained", data=data)
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert "<script src=" not in page  # plotly.js is inline: the one file works offline
    assert len(page) > 3_000_000
    assert "Plotly.newPlot" in page
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


async def test_self_contained_without_html_is_one_translated_line(data: Path) -> None:
    code, out, err = await cli("report", SHOW, "--self-contained", "--locale", "ru", data=data)
    assert code == 2
    assert out == ""
    assert one_line_error(Ran(code, out, err)) == (
        "livecommerce: Недопустимое значение --self-contained: "
        "Используется только вместе с --html FILE."
    )


async def test_the_html_file_in_russian_and_uyghur(data: Path, tmp_path: Path) -> None:
    russian, uyghur = tmp_path / "ru.html", tmp_path / "ug.html"
    code, _, err = await cli("report", SHOW, "--html", str(russian), "--locale", "ru", data=data)
    assert code == 0, err
    code, _, err = await cli("report", SHOW, "--html", str(uyghur), "--locale", "ug", data=data)
    assert code == 0, err
    page = russian.read_text(encoding="utf-8")
    assert f"<h1>{TITLE_RU}</h1>" in page
    assert "Ноутбук X14 14 дюймов" in page
    assert '<html lang="ug" dir="rtl">' in uyghur.read_text(encoding="utf-8")


async def test_the_terminal_report_in_russian(data: Path) -> None:
    code, out, err = await cli("report", SHOW, "--locale", "ru", data=data)
    assert code == 0, err
    ru = Localizer("ru")
    assert TITLE_RU in out
    assert "Ноутбук X14 14 дюймов" in out  # product names come from the seeds
    assert "ноября 2026" in out  # dates by Babel
    assert "49 051,61" in out.replace("\xa0", " ")  # numbers by Babel
    # Labels in Russian where the catalog has them (and only there: not hard-coded).
    for label in ("Products", "Orders", "Markets", "Revenue", "Units sold"):
        assert ru.gettext(label) in out
        if ru.gettext(label) != label:
            # Translated: no line (summary row, table title) starts with the English.
            assert not any(line.strip().startswith(label) for line in out.splitlines()), label


async def test_an_unknown_show_is_one_line_and_exit_6(data: Path) -> None:
    for flags in ((), ("--json",), ("--csv",)):
        code, out, err = await cli("report", "no-such-show", *flags, data=data)
        assert code == 6
        assert out == ""
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines == ["livecommerce: there is no show no-such-show"]


@pytest.mark.parametrize("asked", ["eur", "EUR", " Eur "])
async def test_another_currency_is_converted(data: Path, asked: str) -> None:
    code, out, err = await cli("report", SHOW, "--json", "--currency", asked, data=data)
    assert code == 0, err
    report = json.loads(out)
    assert report["base_currency"] == "EUR"
    totals = report["totals"]
    assert totals["unconverted_orders"] == 0
    assert abs(Decimal(totals["revenue"]) - expected("EUR").revenue) <= Decimal("0.01")


async def test_the_currency_is_shown_in_the_terminal_report(data: Path) -> None:
    code, out, err = await cli("report", SHOW, "--currency", "EUR", data=data)
    assert code == 0, err
    revenue = next(line for line in out.splitlines() if line.startswith("Revenue"))
    assert "€" in revenue


@pytest.mark.parametrize("asked", ["EURO", "€", "12", "<script>"])
async def test_a_bad_currency_fails_clearly(data: Path, asked: str) -> None:
    code, out, err = await cli("report", SHOW, "--currency", asked, data=data)
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("livecommerce: ")
    assert "currency" in lines[0]


async def test_a_currency_nothing_is_priced_in_fails_clearly(data: Path) -> None:
    code, out, err = await cli("report", SHOW, "--currency", "ABC", data=data)
    assert code == 2
    assert out == ""
    (line,) = [line for line in err.splitlines() if line.strip()]
    assert line.startswith("livecommerce: no prices or exchange rates are known in ABC; known:")
    assert "KZT" in line


async def add_question(data: Path, text: str) -> None:
    """A viewer's question naming the laptop, kept in the data folder's store."""
    store = open_store(f"sqlite:///{data / 'livecommerce.db'}")
    await store.start()
    try:
        when = STARTS + timedelta(minutes=100)
        await store.add_chat_messages(
            [ChatMessage(SHOW, 9000, when, "ru", "u-x", "[b]x[/b]", Role.VIEWER, text)]
        )
        await store.add_mentions(
            [Mention(SHOW, "IT-LAP-14", MentionSource.CHAT, "ru", when, message_id=9000)]
        )
    finally:
        await store.close()


@pytest.mark.parametrize(
    "text",
    [
        "[/bold] сколько стоит ноутбук?",
        "[red]ноутбук[/red] есть?",
        "<script>alert(1)</script> ноутбук сколько?",
        "\u202eноутбук?\u202c",
        '=HYPERLINK("x") ноутбук?',
    ],
)
async def test_hostile_chat_text_never_breaks_the_report(
    data: Path, tmp_path: Path, text: str
) -> None:
    await add_question(data, text)
    code, out, err = await cli("report", SHOW, data=data)
    assert code == 0, err
    assert text.split()[0] in out
    code, out, err = await cli("report", SHOW, "--json", data=data)
    assert code == 0, err
    questions: list[dict[str, Any]] = json.loads(out)["questions"]
    assert any(q["text"] == text and not q["answered"] for q in questions)
    target = tmp_path / "hostile.html"
    code, _, err = await cli("report", SHOW, "--html", str(target), data=data)
    assert code == 0, err
    assert "<script>alert(1)</script>" not in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["no-folder", "a-folder", "read-only"])
async def test_an_html_path_that_cannot_be_written_is_one_translated_line(
    data: Path, tmp_path: Path, kind: str
) -> None:
    """Issue #11: a traceback (or click's English usage error) before; now one line in the
    reader's language, exit 4, and the file untouched (nothing half-written)."""
    target = {
        "no-folder": tmp_path / "nonexistent" / "dir" / "x.html",
        "a-folder": tmp_path,
        "read-only": tmp_path / "old.html",
    }[kind]
    before = _prepare(target, kind, tmp_path)
    for locale, reason in (
        ("en", {"no-folder": "its folder", "a-folder": "a folder", "read-only": "not be"}),
        ("ru", {"no-folder": "папк", "a-folder": "папк", "read-only": "нельзя"}),
    ):
        result = await asyncio.to_thread(
            invoke,
            "report",
            SHOW,
            "--html",
            str(target),
            "--set",
            "data_dir",
            str(data),
            env={"LIVECOMMERCE_LOCALE": locale},
        )
        assert result.returncode == 4, result.stderr
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(target) in lines[0]
        assert reason[kind] in lines[0].lower(), lines[0]
    assert _prepare(target, "", tmp_path) == before
    if kind == "read-only":
        assert target.read_bytes() == b"old"


def _prepare(target: Path, kind: str, folder: Path) -> list[str]:
    """A read-only file at `target` for that kind; the folder's names, hidden ones too."""
    if kind == "read-only":
        target.write_text("old", encoding="utf-8")
        target.chmod(0o444)
    return sorted(p.name for p in folder.iterdir())


async def test_the_report_shows_times_in_the_readers_zone_named(data: Path) -> None:
    # The show starts 13:00 UTC: 18:00 in Almaty; in Ürümqi 21:00 Beijing, 19:00 Xinjiang.
    code, out, err = await cli("report", SHOW, "--locale", "ru", "--zone", "Asia/Almaty", data=data)
    assert code == 0, err
    assert "18:00 (время Алматы)" in out
    code, out, err = await cli("report", SHOW, "--locale", "zh", "--zone", "Asia/Urumqi", data=data)
    assert code == 0, err
    assert "北京时间 21:00 / 新疆时间 19:00" in out
    code, _, err = await cli("report", SHOW, "--zone", "Mars/Olympus", data=data)
    assert code == 2
    assert "Mars/Olympus" in err
