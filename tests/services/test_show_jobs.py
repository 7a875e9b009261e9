"""The show scheduler: job times, syncing, the jobs against a real server, restarts."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.base import (  # type: ignore[import-untyped]
    STATE_PAUSED,
    STATE_RUNNING,
    STATE_STOPPED,
)
from babel.dates import format_time

from livecommerce.app import build_services, open_store
from livecommerce.config import Settings
from livecommerce.core.models import Show, ShowStatus
from livecommerce.files import seeds
from livecommerce.files.reports.data import to_data
from livecommerce.files.reports.html import plotly_script
from livecommerce.i18n import Localizer
from livecommerce.services import show_jobs as scheduler
from livecommerce.services.elections import PostgresElection, RedisElection
from livecommerce.services.leader import Election, Leadership, LocalElection
from livecommerce.services.process import Services, leading_show_jobs, live_rooms, utc_now
from livecommerce.services.reporting import review
from livecommerce.services.show_jobs import (
    ShowScheduler,
    job_id,
    job_store_url,
    job_times,
    make_scheduler,
    perform,
)
from livecommerce.services.webhooks import WebhookSender, signature
from livecommerce.store import SqlStore
from tests.conftest import NOW, REDIS_TEST_URL, SEEDS, Server, reachable_redis
from tests.helpers import serve
from tests.helpers.chat import TIMEOUT, Client, make_token
from tests.helpers.receiver import Receiver, receiving, unreachable_url
from tests.web.test_reports import expected

JIANGXI = "jiangxi-kitchen-2026-12-10"  # kk ru en zh, 15:00–17:00 UTC
ZHEJIANG = "zhejiang-bedding-2026-12-12"
GRACE = timedelta(seconds=1800)

SHOW = Show(
    id="demo",
    code="D1",
    streamer_id="s",
    starts_at=datetime(2026, 12, 10, 15, 0, tzinfo=UTC),
    ends_at=datetime(2026, 12, 10, 17, 0, tzinfo=UTC),
    markets=("KZ",),
    languages=("kk", "ru"),
    status=ShowStatus.SCHEDULED,
)


def test_job_times_are_exact() -> None:
    assert job_times(SHOW, GRACE) == {
        "remind-24h": datetime(2026, 12, 9, 15, 0, tzinfo=UTC),
        "remind-1h": datetime(2026, 12, 10, 14, 0, tzinfo=UTC),
        "open": datetime(2026, 12, 10, 14, 45, tzinfo=UTC),
        "remind-10m": datetime(2026, 12, 10, 14, 50, tzinfo=UTC),
        "live": datetime(2026, 12, 10, 15, 0, tzinfo=UTC),
        "close": datetime(2026, 12, 10, 17, 30, tzinfo=UTC),
    }
    assert job_id("demo", "remind-1h") == "show-demo-remind-1h"


def test_the_job_store_is_in_the_same_database() -> None:
    assert job_store_url("sqlite:///var/livecommerce.db") == "sqlite:///var/livecommerce.db"
    assert (
        job_store_url("postgresql://lc@127.0.0.1:5432/lc")
        == "postgresql+psycopg://lc@127.0.0.1:5432/lc"
    )
    assert job_store_url("postgres://lc@db/lc") == "postgresql+psycopg://lc@db/lc"
    assert job_store_url("mysql://lc@db/lc") is None


def _settings(settings: Settings, tmp_path: Path, name: str = "jobs.db") -> Settings:
    return replace(settings, database_url=f"sqlite:///{tmp_path / name}")


def _show_jobs(settings: Settings) -> ShowScheduler:
    """The show jobs of services built from `settings`, around their store not started:
    syncing needs none."""
    return build_services(settings, open_store(settings.resolved_database_url)).show_jobs


def _jobs(shows: ShowScheduler) -> dict[str, tuple[datetime, tuple[Any, ...]]]:
    return {j.id: (j.next_run_time, tuple(j.args)) for j in shows.scheduler.get_jobs()}


def _expected(show: Show) -> dict[str, tuple[datetime, tuple[Any, ...]]]:
    return {
        job_id(show.id, kind): (at, (show.id, kind)) for kind, at in job_times(show, GRACE).items()
    }


async def test_sync_adds_each_job_once_and_follows_edits(
    settings: Settings, seeded_store: SqlStore, tmp_path: Path
) -> None:
    shows = await seeded_store.shows()
    jiangxi = next(s for s in shows if s.id == JIANGXI)
    zhejiang = next(s for s in shows if s.id == ZHEJIANG)
    jobs = _show_jobs(_settings(settings, tmp_path))
    jobs.start(paused=True)
    try:
        assert jobs.sync(shows, NOW) == 12  # the finished show has none
        assert _jobs(jobs) == {**_expected(jiangxi), **_expected(zhejiang)}
        assert jobs.sync(shows, NOW) == 12
        assert len(jobs.scheduler.get_jobs()) == 12

        later = replace(
            jiangxi,
            starts_at=jiangxi.starts_at + timedelta(hours=2),
            ends_at=jiangxi.ends_at + timedelta(hours=2),
        )
        jobs.sync([later], NOW)
        assert _jobs(jobs) == {**_expected(later), **_expected(zhejiang)}

        jobs.sync([replace(later, status=ShowStatus.CANCELLED)], NOW)
        assert _jobs(jobs) == _expected(zhejiang)
    finally:
        jobs.shutdown()


async def test_sync_never_re_adds_a_job_whose_time_passed(
    settings: Settings, store_url: str
) -> None:
    """After T-24h a fresh sync leaves that reminder out: it ran, or it is too late."""
    jobs = _show_jobs(replace(settings, database_url=store_url))
    jobs.start(paused=True)
    try:
        now = SHOW.starts_at - timedelta(hours=2)
        assert jobs.sync([SHOW], now) == 5
        assert job_id("demo", "remind-24h") not in _jobs(jobs)
    finally:
        jobs.shutdown()


async def test_jobs_survive_a_restart_exactly_once(settings: Settings, store_url: str) -> None:
    """On SQLite and on PostgreSQL: the jobs are in the database, not in the process."""
    config = replace(settings, database_url=store_url)
    first = _show_jobs(config)
    first.start(paused=True)
    first.sync([SHOW], NOW)
    first.shutdown()
    # serve opens (and migrates) the store beside the jobs' table at each start.
    store = open_store(store_url)
    await store.start()
    await store.close()

    second = _show_jobs(config)
    second.start(paused=True)
    try:
        assert _jobs(second) == _expected(SHOW)
        second.sync([SHOW], NOW)
        assert sorted(j.id for j in second.scheduler.get_jobs()) == sorted(_expected(SHOW))
    finally:
        second.shutdown()


async def _ticking(ticks: list[int], enough: asyncio.Event) -> None:
    """A task that counts loop turns: it stops counting when the loop is held up."""
    while True:
        await asyncio.sleep(0.01)
        ticks.append(1)
        if len(ticks) >= 20:
            enough.set()


async def test_a_resync_waiting_for_a_locked_database_does_not_hold_up_the_loop(
    settings: Settings, seeded_store: SqlStore, tmp_path: Path
) -> None:
    """Another connection holds SQLite's write lock (the chat writer's transaction, in
    serve): the resync waits for it in a worker thread while the loop goes on, and
    finishes once the lock is free."""
    jobs = build_services(_settings(settings, tmp_path), seeded_store).show_jobs
    jobs.start(paused=True)
    holder = sqlite3.connect(tmp_path / "jobs.db", isolation_level=None)
    ticks: list[int] = []
    enough = asyncio.Event()
    ticker = asyncio.create_task(_ticking(ticks, enough))
    try:
        holder.execute("BEGIN IMMEDIATE")
        resync = asyncio.create_task(jobs.resync())
        await asyncio.wait_for(enough.wait(), TIMEOUT)
        assert not resync.done()  # still waiting for the lock, and the loop ran meanwhile
        holder.execute("COMMIT")
        assert await asyncio.wait_for(resync, TIMEOUT) == 12
    finally:
        ticker.cancel()
        holder.close()
        jobs.shutdown()


async def test_a_resync_of_unchanged_shows_writes_nothing(
    settings: Settings, seeded_store: SqlStore, tmp_path: Path
) -> None:
    """The second sync of the same shows leaves the job store alone: it completes while
    another connection holds the write lock."""
    shows = await seeded_store.shows()
    jobs = build_services(_settings(settings, tmp_path), seeded_store).show_jobs
    jobs.start(paused=True)
    holder = sqlite3.connect(tmp_path / "jobs.db", isolation_level=None)
    try:
        assert jobs.sync(shows, NOW) == 12
        holder.execute("BEGIN IMMEDIATE")
        assert await asyncio.wait_for(asyncio.to_thread(jobs.sync, shows, NOW), TIMEOUT) == 12
        holder.execute("COMMIT")
        assert _jobs(jobs) == {
            **_expected(next(s for s in shows if s.id == JIANGXI)),
            **_expected(next(s for s in shows if s.id == ZHEJIANG)),
        }
    finally:
        holder.close()
        jobs.shutdown()


async def test_a_read_only_job_store_is_logged_and_the_leader_does_not_flap(
    settings: Settings, seeded_store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The job store cannot be written (a read-only database): the sync fails in one log
    line and is tried again later; the process keeps leading, as its lock says."""
    path = tmp_path / "jobs.db"
    table = make_scheduler(f"sqlite:///{path}", 30)
    table.start(paused=True)  # creates the jobs' table; from now on read-only
    table.shutdown(wait=False)
    read_only = replace(settings, database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    services = build_services(read_only, seeded_store)
    jobs = services.show_jobs
    lead = Leadership(LocalElection(), ttl=0.3)
    ticks: list[int] = []
    enough = asyncio.Event()
    ticker = asyncio.create_task(_ticking(ticks, enough))
    try:
        with caplog.at_level(logging.INFO):
            await jobs.start_leading(lead)
            await asyncio.wait_for(enough.wait(), TIMEOUT)  # a few campaigns go by
        assert lead.leader
        assert _leads(services) == 1
        failed = [r for r in caplog.records if "were not synced" in r.getMessage()]
        assert len(failed) == 1
        assert "readonly database" in failed[0].getMessage()
        assert "\n" not in failed[0].getMessage()
        assert "no longer leads" not in caplog.text
    finally:
        ticker.cancel()
        await jobs.close()


# -- the jobs against a real server -------------------------------------------------------


async def _viewer(server: Server, user: str, lang: str) -> Client:
    token = make_token(server, user, "viewer", [lang], stream=JIANGXI)
    return await Client.open(server, stream=JIANGXI, token=token, lang=lang)


async def test_a_reminder_reaches_each_viewer_in_their_language(server: Server) -> None:
    services = server.services
    kazakh = await _viewer(server, "aigerim", "kk")
    russian = await _viewer(server, "olga", "ru")
    try:
        await perform(services, JIANGXI, "remind-10m", NOW)
        for client, locale in ((kazakh, "kk"), (russian, "ru")):
            notice = await client.recv_until("notice", code="reminder")
            assert notice["minutes"] == 10
            template = scheduler.REMINDERS["remind-10m"][1]
            assert notice["message"] == Localizer(locale).render(template, {})
    finally:
        await kazakh.close()
        await russian.close()


async def test_going_live_and_closing_update_the_store(server: Server) -> None:
    services = server.services
    store = services.store
    await perform(services, JIANGXI, "open", NOW)
    kazakh = await _viewer(server, "aigerim", "kk")
    try:
        await perform(services, JIANGXI, "live", NOW)
        show = await store.show(JIANGXI)
        assert show is not None
        assert show.status is ShowStatus.LIVE
        assert (await kazakh.recv_until("notice", code="live"))["message"]

        await perform(services, JIANGXI, "close", NOW)
        show = await store.show(JIANGXI)
        assert show is not None
        assert show.status is ShowStatus.FINISHED
        code, frames = await kazakh.closed()
        assert code == 1000
        assert any(f["type"] == "notice" and f.get("code") == "closed" for f in frames)
    finally:
        await kazakh.close()


async def test_the_jobs_run_on_the_services_without_a_web_app(
    settings: Settings, seeded_store: SqlStore
) -> None:
    """The jobs need the services only: no aiohttp app is built, none is imported."""
    services = build_services(
        replace(settings, seed_on_start=False), seeded_store, clock=lambda: NOW
    )
    async with live_rooms(services):
        await perform(services, JIANGXI, "open", NOW)
        assert JIANGXI in services.rooms.rooms
        jobs = services.show_jobs
        jobs.start(paused=True)  # registered: APScheduler's job function finds the services
        try:
            await scheduler.run_job(JIANGXI, "live")
            show = await seeded_store.show(JIANGXI)
            assert show is not None
            assert show.status is ShowStatus.LIVE
            await perform(services, JIANGXI, "close", NOW)
        finally:
            jobs.shutdown()
    show = await seeded_store.show(JIANGXI)
    assert show is not None
    assert show.status is ShowStatus.FINISHED
    report = _read_json(settings.data_dir / "reports" / f"{JIANGXI}.json")
    assert report["show"]["id"] == JIANGXI


def test_the_show_jobs_import_nothing_of_the_web_adapter() -> None:
    """Services never import web: a fresh interpreter loads the jobs without it."""
    code = (
        "import sys, livecommerce.services.show_jobs; "
        "print([m for m in sys.modules if m.startswith(('livecommerce.web', 'aiohttp.web'))])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


async def test_a_job_of_a_cancelled_show_does_nothing(server: Server) -> None:
    services = server.services
    store = services.store
    show = await store.show(JIANGXI)
    assert show is not None
    await store.put_shows([replace(show, status=ShowStatus.CANCELLED)])
    await perform(services, JIANGXI, "live", NOW)
    after = await store.show(JIANGXI)
    assert after is not None
    assert after.status is ShowStatus.CANCELLED


# -- restarts around due jobs (APScheduler's real clock, small times) --------------------

_fired: list[str] = []
_events: dict[str, asyncio.Event] = {}


async def fired(name: str) -> None:
    """A job for the restart tests: module-level, so the job store can keep it."""
    _fired.append(name)
    _events[name].set()


async def test_a_restart_runs_a_late_job_once_and_skips_a_missed_one(store_url: str) -> None:
    url = job_store_url(store_url)
    assert url is not None
    _fired.clear()
    _events.clear()
    _events["late"] = asyncio.Event()
    _events["missed"] = asyncio.Event()
    now = datetime.now(UTC)
    before = make_scheduler(url, misfire_grace=5)
    before.start(paused=True)  # stores the jobs without running them: "the server is down"
    before.add_job(fired, "date", run_date=now - timedelta(seconds=0.5), args=("late",), id="late")
    before.add_job(fired, "date", run_date=now - timedelta(seconds=30), args=("missed",), id="m")
    before.shutdown(wait=False)

    missed = asyncio.Event()

    def on_missed(event: JobEvent) -> None:
        if event.job_id == "m":
            missed.set()

    after = make_scheduler(url, misfire_grace=5)
    after.add_listener(on_missed, EVENT_JOB_MISSED)
    after.start()
    try:
        await asyncio.wait_for(_events["late"].wait(), TIMEOUT)
        await asyncio.wait_for(missed.wait(), TIMEOUT)
        assert _fired == ["late"]
        assert after.get_jobs() == []
    finally:
        after.shutdown(wait=False)

    again = make_scheduler(url, misfire_grace=5)
    again.start(paused=True)
    try:
        assert again.get_jobs() == []  # nothing left to fire a second time
    finally:
        again.shutdown(wait=False)
    assert _fired == ["late"]


# -- the show webhook ------------------------------------------------------------------------

SECRET = "webhook-secret-" + "k" * 32
KHORGOS = "khorgos-it-2026-11-20"  # the finished show of the seeds, with its orders


def _hook(server: Server, url: str, **options: Any) -> WebhookSender:
    return WebhookSender(
        url, SECRET, metrics=server.services.metrics, backoff=0.01, timeout=5.0, **options
    )


def _bodies(receiver: Receiver) -> list[dict[str, Any]]:
    """Every body the receiver got, after checking its signature."""
    bodies = []
    for got in receiver.received:
        given = got.headers["X-Signature"].encode()
        assert hmac.compare_digest(signature(SECRET, got.body).encode(), given)
        bodies.append(json.loads(got.body))
    return bodies


def _local(moment: datetime, zone: str, locale: str) -> str:
    return format_time(moment, "short", tzinfo=ZoneInfo(zone), locale=locale)


@pytest.mark.parametrize(
    ("lang", "time", "text"),
    [
        ("zh", "北京时间 23:00 / 新疆时间 21:00", "直播时间：2026年12月10日星期四 北京时间 23:00"),
        ("ug", "\u2068بېيجىڭ ۋاقتى 23:00\u2069 / \u2068شىنجاڭ ۋاقتى 21:00\u2069", "2026"),
    ],
)
def test_a_reminder_for_xinjiang_gives_beijing_and_xinjiang_time(
    lang: str, time: str, text: str
) -> None:
    world = seeds.read(SEEDS)
    show = next(s for s in world.shows if s.id == JIANGXI)  # 15:00 UTC
    xinjiang = next(m for m in world.markets if m.code == "XJ")
    (start,) = scheduler.local_starts(show, lang, [xinjiang])
    assert start["zone"] == "Asia/Urumqi"
    assert start["local_start"] == "2026-12-10T21:00:00+06:00"
    assert start["time"] == time
    assert start["text"].endswith(time)
    assert text in start["text"]


async def test_a_reminder_is_posted_localized_per_language_channel(server: Server) -> None:
    services = server.services
    async with receiving() as receiver:
        hook = _hook(server, receiver.url)
        await perform(services, JIANGXI, "remind-1h", NOW, hook)
        await hook.drain()
        [body] = _bodies(receiver)
    assert receiver.received[0].headers["X-Livecommerce-Event"] == "reminder"
    assert body["id"] == job_id(JIANGXI, "remind-1h")
    assert (body["event"], body["kind"], body["minutes"]) == ("reminder", "remind-1h", 60)
    assert body["sent_at"] == "2026-11-28T12:00:00Z"
    show = body["show"]
    assert show["id"] == JIANGXI
    assert show["title"].startswith("Stainless steel live")
    assert (show["starts_at"], show["ends_at"]) == ("2026-12-10T15:00:00Z", "2026-12-10T17:00:00Z")

    channels = body["channels"]
    assert list(channels) == ["kk", "ru", "en", "zh"]  # the show's language channels
    template = scheduler.REMINDERS["remind-1h"][1]
    for lang, locale in (("kk", "kk"), ("ru", "ru"), ("en", "en"), ("zh", "zh_Hans")):
        assert channels[lang]["locale"] == locale
        assert channels[lang]["message"] == Localizer(locale).render(template, {})
    assert channels["ru"]["message"] != channels["kk"]["message"] != channels["en"]["message"]
    assert channels["kk"]["title"].startswith("Тікелей эфирде")

    # Each channel gets the start in the time of each market of the show that reads it.
    starts = {lang: {s["market"]: s for s in c["starts"]} for lang, c in channels.items()}
    assert {lang: list(by_market) for lang, by_market in starts.items()} == {
        "kk": ["KZ"],
        "ru": ["KZ", "RU", "EU"],
        "en": ["EU"],
        "zh": ["CN"],
    }
    starts_at = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    for lang, market, zone, local in (
        ("kk", "KZ", "Asia/Almaty", "2026-12-10T20:00:00+05:00"),
        ("ru", "KZ", "Asia/Almaty", "2026-12-10T20:00:00+05:00"),
        ("ru", "RU", "Europe/Moscow", "2026-12-10T18:00:00+03:00"),
        ("ru", "EU", "Europe/Warsaw", "2026-12-10T16:00:00+01:00"),
        ("en", "EU", "Europe/Warsaw", "2026-12-10T16:00:00+01:00"),
        ("zh", "CN", "Asia/Shanghai", "2026-12-10T23:00:00+08:00"),
    ):
        start = starts[lang][market]
        assert (start["zone"], start["local_start"]) == (zone, local)
        l10n = Localizer(channels[lang]["locale"])
        assert start["time"] == l10n.clock_times(starts_at, zone)
        assert _local(starts_at, zone, channels[lang]["locale"]) in start["time"]
        assert start["time"] in start["text"]
        assert start["zone_name"] == l10n.clock_name(zone)
        assert start["zone_name"] in start["time"]
    assert starts["ru"]["KZ"]["text"].startswith("Эфир:")
    assert "Алматы" in starts["ru"]["KZ"]["text"]
    assert "(московское время)" in starts["ru"]["RU"]["text"]
    assert starts["en"]["EU"]["text"].startswith("Live on Thursday, December 10, 2026 at 4:00")
    assert "Warsaw" in starts["en"]["EU"]["text"]


async def test_live_and_closed_are_posted_too(server: Server) -> None:
    services = server.services
    async with receiving() as receiver:
        hook = _hook(server, receiver.url)
        await perform(services, JIANGXI, "live", NOW, hook)
        await hook.drain()
        await perform(services, JIANGXI, "close", NOW, hook)
        await hook.drain()
        bodies = _bodies(receiver)
    assert [b["event"] for b in bodies] == ["live", "closed", "report"]
    live, closed, _ = bodies
    assert live["show"]["status"] == "live"
    assert live["channels"]["ru"]["message"] == Localizer("ru").render(scheduler.LIVE_TEXT, {})
    assert closed["show"]["status"] == "finished"
    assert closed["channels"]["zh"]["message"] == Localizer("zh_Hans").render(
        scheduler.CLOSED_TEXT, {}
    )


async def test_a_dead_webhook_does_not_hold_up_the_room_reminder(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    services = server.services
    hook = _hook(server, unreachable_url(), retries=1)
    kazakh = await _viewer(server, "aigerim", "kk")
    try:
        with caplog.at_level(logging.WARNING, logger="livecommerce.services.webhooks"):
            await perform(services, JIANGXI, "remind-10m", NOW, hook)
            notice = await kazakh.recv_until("notice", code="reminder")
            assert notice["minutes"] == 10
            await hook.drain()
    finally:
        await kazakh.close()
    assert any("not delivered" in r.getMessage() for r in caplog.records)
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/metrics")) as response,
    ):
        metrics = await response.text()
    assert 'livecommerce_webhook_deliveries_total{event="reminder",outcome="failed"} 1.0' in metrics
    assert 'livecommerce_webhook_retries_total{event="reminder"} 1.0' in metrics


async def test_a_webhook_answering_500_gets_the_reminder_on_a_retry(server: Server) -> None:
    services = server.services
    async with receiving([500]) as receiver:
        hook = _hook(server, receiver.url)
        await perform(services, JIANGXI, "remind-24h", NOW, hook)
        await hook.drain()
        first, second = _bodies(receiver)
    assert first == second
    assert first["kind"] == "remind-24h"


def test_the_scheduler_has_a_webhook_only_when_a_url_is_set(
    settings: Settings, tmp_path: Path
) -> None:
    plain = _show_jobs(_settings(settings, tmp_path))
    assert plain.webhook is None
    hooked = replace(_settings(settings, tmp_path), show_webhook_url=unreachable_url())
    assert _show_jobs(hooked).webhook is not None


# -- the report after the close --------------------------------------------------------------


def _read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _is_file(path: str) -> bool:
    return Path(path).is_file()


async def _reopen(server: Server, show_id: str) -> None:
    """Put a finished show of the seeds back on air, so its close job acts on it."""
    store = server.services.store
    show = await store.show(show_id)
    assert show is not None
    await store.put_shows([replace(show, status=ShowStatus.LIVE)])


async def test_closing_writes_the_report_files(server: Server) -> None:
    services = server.services
    settings = services.settings
    await _reopen(server, KHORGOS)
    await perform(services, KHORGOS, "close", NOW)

    folder = settings.data_dir / "reports"
    written = _read_json(folder / f"{KHORGOS}.json")
    direct = await review(
        services.store,
        KHORGOS,
        settings.base_currency,
        timedelta(hours=settings.order_window_hours),
    )
    assert direct is not None
    assert written == to_data(direct)
    want = expected()
    assert written["totals"]["orders"] == want.orders > 0
    assert written["totals"]["units"] == want.units
    assert Decimal(written["totals"]["revenue"]) == want.revenue.quantize(Decimal("0.01"))

    page = (folder / f"{KHORGOS}.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().lower().startswith("<!doctype")
    assert "Khorgos IT Friday" in page
    assert Localizer("en").format_money(direct.totals.revenue, "CNY") in page
    # plotly.js once, beside the pages that load it; not 4.8 MB inside each.
    assert len(page.encode()) < 200_000
    assert '<script src="plotly.min.js"></script>' in page
    assert (folder / "plotly.min.js").read_text(encoding="utf-8") == plotly_script()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no leftovers
    show = await services.store.show(KHORGOS)
    assert show is not None
    assert show.status is ShowStatus.FINISHED


async def test_the_report_is_announced_on_the_webhook(server: Server) -> None:
    services = server.services
    await _reopen(server, KHORGOS)
    async with receiving() as receiver:
        hook = _hook(server, receiver.url)
        await perform(services, KHORGOS, "close", NOW, hook)
        await hook.drain()
        closed, report = _bodies(receiver)
    assert closed["event"] == "closed"
    assert report["id"] == job_id(KHORGOS, "report")
    assert report["event"] == "report"
    assert report["message"] == "The report of the show is ready."
    files = report["report"]
    assert files["page"] == f"/streams/{KHORGOS}/report"
    assert files["api"] == f"/api/streams/{KHORGOS}/report"
    written = _read_json(files["json"])
    assert files["totals"] == written["totals"]
    assert _is_file(files["html"])


async def test_a_report_that_cannot_be_written_leaves_the_show_closed(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    services = server.services
    settings = services.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "reports").write_text("a file where the folder should be")
    await _reopen(server, KHORGOS)
    with caplog.at_level(logging.ERROR, logger="livecommerce.services.show_jobs"):
        await perform(services, KHORGOS, "close", NOW)
    show = await services.store.show(KHORGOS)
    assert show is not None
    assert show.status is ShowStatus.FINISHED
    [line] = [r.getMessage() for r in caplog.records if r.name == "livecommerce.services.show_jobs"]
    assert line.startswith(f"the report of show {KHORGOS} was not written")


# -- one scheduler per cluster -----------------------------------------------------------------

LEADER_TTL = 2.0


def _election(kind: str, database_url: str, key: str) -> Election:
    """One "process's" lock: a Redis key of this test's own, or the advisory lock of its
    own database."""
    if kind == "redis":
        return RedisElection(REDIS_TEST_URL, key, LEADER_TTL)
    return PostgresElection(database_url, LEADER_TTL)


def _leads(services: Services) -> float | None:
    return services.metrics.registry.get_sample_value("livecommerce_scheduler_leader")


@pytest.mark.parametrize("kind", ["redis", "postgresql"])
async def test_only_the_leader_runs_jobs_and_a_takeover_repeats_none(
    kind: str, pg_url: str, settings: Settings
) -> None:
    """Two schedulers on one PostgreSQL job store: the leader runs a due job; it dies;
    the other takes over, runs the next job once and never the first again."""
    key = f"lc-test-leader-{uuid.uuid4().hex}"
    if kind == "redis":
        await (await reachable_redis()).aclose()
    config = replace(settings, database_url=pg_url)
    url = job_store_url(pg_url)
    assert url is not None
    store = open_store(pg_url)
    await store.start()
    _fired.clear()
    _events.clear()
    _events["first"] = asyncio.Event()
    _events["second"] = asyncio.Event()
    now = datetime.now(UTC)
    jobs = make_scheduler(url, misfire_grace=30)
    jobs.start(paused=True)
    jobs.add_job(fired, "date", run_date=now, args=("first",), id="first")
    jobs.add_job(fired, "date", run_date=now + timedelta(seconds=3), args=("second",), id="second")
    jobs.shutdown(wait=False)

    # Two processes' services on one database, each with its own lock below.
    one_services = build_services(config, store, clock=utc_now)
    other_services = build_services(config, store, clock=utc_now)
    one, other = one_services.show_jobs, other_services.show_jobs
    one_lead = Leadership(_election(kind, pg_url, key), LEADER_TTL)
    other_lead = Leadership(_election(kind, pg_url, key), LEADER_TTL)
    one.follow(one_lead)
    other.follow(other_lead)
    try:
        await one_lead.start()
        await asyncio.wait_for(_events["first"].wait(), TIMEOUT)
        await other_lead.start()
        assert one_lead.leader
        assert not other_lead.leader
        assert one.scheduler.state == STATE_RUNNING
        assert other.scheduler.state == STATE_STOPPED  # a standby never touched the store
        assert (_leads(one_services), _leads(other_services)) == (1, 0)

        await one_lead.abandon()  # dies: the lock is not released
        assert one.scheduler.state == STATE_PAUSED  # at once
        await asyncio.wait_for(other_lead.wait(True), LEADER_TTL * 2 + TIMEOUT)
        await asyncio.wait_for(_events["second"].wait(), TIMEOUT)
        await other.settled()
        assert other.scheduler.state == STATE_RUNNING
        assert (_leads(one_services), _leads(other_services)) == (0, 1)
        assert _fired == ["first", "second"]
        assert [j.id for j in other.scheduler.get_jobs()] == ["shows-resync"]
    finally:
        await other.close()
        await one.close()
        await store.close()
    assert _fired == ["first", "second"]


async def test_a_lone_server_on_sqlite_leads_and_says_so(server: Server) -> None:
    services = server.services
    assert "scheduler" not in json.loads((await _get(server, "/healthz"))[1])  # not started
    services.settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with leading_show_jobs(services) as jobs:
        status, body = await _get(server, "/healthz")
        assert status == 200
        assert json.loads(body)["scheduler"] == {"role": "leader", "lock": "local"}
        assert "livecommerce_scheduler_leader 1.0" in (await _get(server, "/metrics"))[1]
        assert jobs.scheduler.get_job("shows-resync") is not None
        assert await jobs.resync() == 12  # the planned shows of the seeds
    assert not jobs.scheduler.running
    assert "livecommerce_scheduler_leader 0.0" in (await _get(server, "/metrics"))[1]
    assert "scheduler" not in json.loads((await _get(server, "/healthz"))[1])


async def _get(server: Server, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        return response.status, await response.text()


# Two real `serve` processes on one PostgreSQL database (and one Redis): reminders of two
# shows come due; the leader is killed with SIGKILL between them.


@pytest.mark.parametrize("kind", ["redis", "postgresql"])
async def test_two_servers_send_each_reminder_once_when_the_leader_is_killed(
    kind: str, pg_url: str, settings: Settings, tmp_path: Path
) -> None:
    env = {
        "LIVECOMMERCE_DATABASE_URL": pg_url,
        "LIVECOMMERCE_LEADER_TTL": str(LEADER_TTL),
        "LIVECOMMERCE_SEED_ON_START": "false",
        "LIVECOMMERCE_SEEDS_DIR": str(SEEDS),
        "LIVECOMMERCE_PORT": "0",
        "LIVECOMMERCE_SHOW_WEBHOOK_SECRET": SECRET,
    }
    if kind == "redis":
        await (await reachable_redis()).aclose()
        env["LIVECOMMERCE_REDIS_URL"] = REDIS_TEST_URL  # the lock's key is named by the database

    # The store: the demo world with its own shows cancelled, and two shows whose 24-hour
    # reminders come due now (the first, late: it runs at the election) and soon after.
    store = open_store(pg_url)
    await store.start()
    try:
        await seeds.load(store, SEEDS)
        demo = await store.shows()
        await store.put_shows([replace(s, status=ShowStatus.CANCELLED) for s in demo])
        template = next(s for s in demo if s.id == JIANGXI)
        now = datetime.now(UTC)
        due = {"cluster-1": now + timedelta(seconds=1), "cluster-2": now + timedelta(seconds=15)}
        shows = [
            replace(
                template,
                id=show_id,
                code=f"CL{n}",
                starts_at=at + timedelta(hours=24),
                ends_at=at + timedelta(hours=26),
                status=ShowStatus.SCHEDULED,
            )
            for n, (show_id, at) in enumerate(due.items(), 1)
        ]
        await store.put_shows(shows)
    finally:
        await store.close()
    jobs = _show_jobs(replace(settings, database_url=pg_url))
    jobs.start(paused=True)
    jobs.sync(shows, now)
    jobs.shutdown()
    first, second = (job_id(show_id, "remind-24h") for show_id in due)
    url = job_store_url(pg_url)
    assert url is not None

    async with receiving() as receiver:
        env["LIVECOMMERCE_SHOW_WEBHOOK_URL"] = receiver.url
        servers = [
            await serve.start({**env, "LIVECOMMERCE_DATA_DIR": str(tmp_path / name)})
            for name in ("a", "b")
        ]
        try:
            await asyncio.gather(*(s.address() for s in servers))
            roles = {s.base: (await s.health())["scheduler"] for s in servers}
            assert sorted(r["role"] for r in roles.values()) == ["leader", "standby"], roles
            assert {r["lock"] for r in roles.values()} == {kind}
            leader, survivor = sorted(servers, key=lambda s: roles[s.base]["role"] != "leader")

            [got] = await receiver.wait_for(1, within=30)
            assert json.loads(got.body)["id"] == first
            if datetime.now(UTC) > due["cluster-2"] - timedelta(seconds=2):
                pytest.fail("the servers started too slowly to kill the leader between reminders")
            assert await leader.stop(signal.SIGKILL) == -signal.SIGKILL

            wait = (due["cluster-2"] - datetime.now(UTC)).total_seconds() + LEADER_TTL + 30
            received = await receiver.wait_for(2, within=wait)
            assert (await survivor.health())["scheduler"]["role"] == "leader"
            metrics = await survivor.metrics()
            assert "livecommerce_scheduler_leader 1.0" in metrics
            # The survivor sent one reminder, the second; the dead one sent the first.
            assert (
                'livecommerce_webhook_deliveries_total{event="reminder",outcome="delivered"} 1.0'
            ) in metrics
            assert await survivor.stop(signal.SIGTERM) == 0
        finally:
            for server in servers:
                await server.stop(signal.SIGKILL)
        assert [b["id"] for b in _bodies(receiver)] == [first, second]
        assert len(received) == len(receiver.received) == 2

    # Neither reminder is left to run again, whoever starts next.
    after = make_scheduler(url, misfire_grace=5)
    after.start(paused=True)
    try:
        assert after.get_job(first) is None
        assert after.get_job(second) is None
    finally:
        after.shutdown(wait=False)
    leader_log, survivor_log = "".join(leader.log), "".join(survivor.log)
    assert "this process now leads the scheduler" in leader_log
    assert "the scheduler stands by" in survivor_log
    assert "this process now leads the scheduler" in survivor_log
    assert "Traceback" not in survivor_log


async def test_a_missing_report_of_a_recent_show_is_built_at_the_next_sync(
    server: Server,
) -> None:
    services = server.services
    shows = await services.store.shows()
    khorgos = next(s for s in shows if s.id == KHORGOS)  # finished; no report files yet
    jobs = services.show_jobs
    try:
        closed = khorgos.ends_at + jobs.close_grace
        # Long closed: left alone (`livecommerce report` still builds it on demand).
        assert jobs.catch_up_reports(shows, closed + timedelta(days=3)) == []
        # Closed minutes ago and the process went down before the files: built once,
        # however often the scheduler syncs meanwhile; planned shows are not touched.
        soon = closed + timedelta(minutes=5)
        assert jobs.catch_up_reports(shows, soon) == [KHORGOS]
        assert jobs.catch_up_reports(shows, soon) == []
        files = await jobs.report(khorgos, soon)
        assert files is not None
        assert _read_json(files.json)["totals"]["orders"] == expected().orders
        assert jobs.catch_up_reports(shows, soon) == []  # the files are there now
    finally:
        jobs.shutdown()
