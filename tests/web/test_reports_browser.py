"""The report in real headless Chromium: tables and Plotly charts in Russian, right-to-left
Uyghur and Chinese, served by the server and as the offline HTML file of the CLI."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Response, Route

from tests.conftest import ROOT, SEEDS, Server

SHOW = "khorgos-it-2026-11-20"
CHART_WAIT_MS = 20_000

pytestmark = pytest.mark.browser


def watch(page: Page) -> list[str]:
    """Collect what the page reports as wrong: console errors and uncaught exceptions."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text} at {message.location.get('url')}")

    page.on("console", on_console)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", on_response)
    return problems


async def check_charts(page: Page) -> None:
    """Three Plotly charts drew their SVG, with bars in them."""
    charts = page.locator(".chart .plotly")
    await charts.nth(2).locator("svg.main-svg").first.wait_for(timeout=CHART_WAIT_MS)
    assert await charts.count() == 3
    for index in range(3):
        chart = charts.nth(index)
        assert await chart.locator("svg.main-svg").count() >= 1
        assert await chart.locator("g.barlayer path").count() > 0
        box = await chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 150
        title = await chart.locator(".gtitle").text_content()
        assert title is not None
        assert title.strip()


async def check_labels_inside(page: Page) -> None:
    """Every axis label is drawn whole, inside its chart (none cut off at an edge)."""
    outside = await page.evaluate(
        """() => {
          const found = [];
          for (const chart of document.querySelectorAll('.chart .plotly')) {
            const frame = chart.querySelector('svg.main-svg').getBoundingClientRect();
            const labels = '.xaxislayer-above text, .yaxislayer-above text';
            for (const text of chart.querySelectorAll(labels)) {
              const box = text.getBoundingClientRect();
              if (box.width === 0) continue;
              if (box.left < frame.left - 1 || box.right > frame.right + 1) {
                found.push(text.textContent);
              }
            }
          }
          return found;
        }"""
    )
    assert outside == []


async def check_right_to_left_labels(page: Page) -> None:
    """A Uyghur label that starts with a number («14 دىيۇملۇق X14 …») reads from the
    right: its first character is drawn at its right end."""
    starts = await page.evaluate(
        """() => [...document.querySelectorAll('.chart .yaxislayer-above text')]
          .filter(t => /^\\u202b?[0-9]+ [\\u0600-\\u06ff]/.test(t.textContent))
          .map(t => {
            const first = t.textContent.startsWith('\\u202b') ? 1 : 0;
            const box = t.getBBox();
            return (t.getStartPositionOfChar(first).x - box.x) / box.width;
          })"""
    )
    assert starts
    assert all(share > 0.5 for share in starts), starts


async def check_no_overlap(page: Page) -> None:
    """No tick label of a chart's axes runs into its neighbour."""
    overlaps = await page.evaluate(
        """() => {
          const found = [];
          for (const axis of document.querySelectorAll('.chart .xaxislayer-above')) {
            const boxes = [...axis.querySelectorAll('text')]
              .map(t => t.getBoundingClientRect())
              .filter(b => b.width > 0)
              .sort((a, b) => a.left - b.left);
            for (let i = 1; i < boxes.length; i++) {
              if (boxes[i].left < boxes[i - 1].right - 1) found.push([i, boxes[i].left]);
            }
          }
          return found;
        }"""
    )
    assert overlaps == []


@pytest.mark.parametrize(
    ("locale", "lang", "direction", "heading"),
    [
        ("ru-RU", "ru", "ltr", "Товары"),
        ("ug-CN", "ug", "rtl", None),
        ("zh-CN", "zh-Hans", "ltr", None),
    ],
)
async def test_the_report_page_renders_in_the_readers_language(
    server: Server,
    browser: Browser,
    tmp_path: Path,
    locale: str,
    lang: str,
    direction: str,
    heading: str | None,
) -> None:
    context = await browser.new_context(
        locale=locale, timezone_id="Asia/Almaty", viewport={"width": 1200, "height": 900}
    )
    page = await context.new_page()
    problems = watch(page)
    response = await page.goto(server.url(f"/streams/{SHOW}/report"))
    assert response is not None
    assert response.status == 200
    assert await page.get_attribute("html", "lang") == lang
    assert await page.get_attribute("html", "dir") == direction
    assert await page.evaluate("getComputedStyle(document.body).direction") == direction
    await check_charts(page)
    await check_no_overlap(page)
    await check_labels_inside(page)
    if direction == "rtl":
        await check_right_to_left_labels(page)
    tables = page.locator("section.table")
    assert await tables.count() >= 4
    titles = await page.locator("section.table h2").all_inner_texts()
    if heading:
        assert heading in titles
    rows = await page.locator("section.table").first.locator("tbody tr").count()
    assert rows >= 10
    h1 = await page.locator("h1").inner_text()
    assert h1.strip()
    if direction == "rtl":
        # The title starts at the right edge of the page.
        box = await page.locator("h1").bounding_box()
        assert box is not None
        assert box["x"] + box["width"] > 900
    await page.screenshot(path=str(tmp_path / f"report-{lang}.png"), full_page=True)
    assert problems == []
    await context.close()


async def run_cli(*args: str, data_dir: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        *args,
        "--set",
        "data_dir",
        str(data_dir),
        "--set",
        "seeds_dir",
        str(SEEDS),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("locale", "direction", "self_contained"),
    [("ug", "rtl", False), ("zh_Hans", "ltr", True)],
)
async def test_the_html_file_of_the_cli_works_offline(
    browser: Browser, tmp_path: Path, locale: str, direction: str, self_contained: bool
) -> None:
    """Offline from file://: the page beside its plotly.min.js, or the self-contained one
    alone in its folder."""
    data = tmp_path / "var"
    code, _, err = await run_cli("seed", data_dir=data)
    assert code == 0, err
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / f"report-{locale}.html"
    extra = ["--self-contained"] if self_contained else []
    code, _, err = await run_cli(
        "report", SHOW, "--html", str(target), "--locale", locale, *extra, data_dir=data
    )
    assert code == 0, err
    assert target.exists()
    script = folder / "plotly.min.js"
    if self_contained:
        assert not script.exists()
        assert target.stat().st_size > 3_000_000
    else:
        assert script.stat().st_size > 3_000_000
        assert target.stat().st_size < 200_000  # plotly.js is beside it, not inside

    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []

    async def offline(route: Route) -> None:
        if route.request.url.startswith("file://"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await context.route("**/*", offline)
    page = await context.new_page()
    problems = watch(page)
    await page.goto(target.as_uri())
    assert await page.get_attribute("html", "dir") == direction
    await check_charts(page)
    await check_labels_inside(page)
    assert await page.locator("section.table").count() >= 4
    await page.screenshot(path=str(tmp_path / f"offline-{locale}.png"), full_page=True)
    assert blocked == []  # it asked the network for nothing
    assert problems == []
    await context.close()
