"""The show scheduler: job times, syncing, the jobs against a real server, restarts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from apscheduler.events import EVENT_JOB_MISSED, JobEvent

from livecommerce import scheduler
from livecommerce.config import Settings
from livecommerce.core.models import Show, ShowStatus
from livecommerce.i18n import Localizer
from livecommerce.scheduler import ShowScheduler, job_id, job_times, make_scheduler, perform
from livecommerce.store import SqlStore
from livecommerce.web.context import STORE
from tests.conftest import NOW, Server
from tests.web.chat import TIMEOUT, Client, make_token

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


def _settings(settings: Settings, tmp_path: Path, name: str = "jobs.db") -> Settings:
    return replace(settings, database_url=f"sqlite:///{tmp_path / name}")


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
    jobs = ShowScheduler(web.Application(), _settings(settings, tmp_path))
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
    settings: Settings, tmp_path: Path
) -> None:
    """After T-24h a fresh sync leaves that reminder out: it ran, or it is too late."""
    jobs = ShowScheduler(web.Application(), _settings(settings, tmp_path))
    jobs.start(paused=True)
    try:
        now = SHOW.starts_at - timedelta(hours=2)
        assert jobs.sync([SHOW], now) == 5
        assert job_id("demo", "remind-24h") not in _jobs(jobs)
    finally:
        jobs.shutdown()


async def test_jobs_survive_a_restart_exactly_once(settings: Settings, tmp_path: Path) -> None:
    config = _settings(settings, tmp_path)
    first = ShowScheduler(web.Application(), config)
    first.start(paused=True)
    first.sync([SHOW], NOW)
    first.shutdown()

    second = ShowScheduler(web.Application(), config)
    second.start(paused=True)
    try:
        assert _jobs(second) == _expected(SHOW)
        second.sync([SHOW], NOW)
        assert sorted(j.id for j in second.scheduler.get_jobs()) == sorted(_expected(SHOW))
    finally:
        second.shutdown()


# -- the jobs against a real server -------------------------------------------------------


async def _viewer(server: Server, user: str, lang: str) -> Client:
    token = make_token(server, user, "viewer", [lang], stream=JIANGXI)
    return await Client.open(server, stream=JIANGXI, token=token, lang=lang)


async def test_a_reminder_reaches_each_viewer_in_their_language(server: Server) -> None:
    app = server.runner.app
    kazakh = await _viewer(server, "aigerim", "kk")
    russian = await _viewer(server, "olga", "ru")
    try:
        await perform(app, JIANGXI, "remind-10m", NOW)
        for client, locale in ((kazakh, "kk"), (russian, "ru")):
            notice = await client.recv_until("notice", code="reminder")
            assert notice["minutes"] == 10
            template = scheduler.REMINDERS["remind-10m"][1]
            assert notice["message"] == Localizer(locale).render(template, {})
    finally:
        await kazakh.close()
        await russian.close()


async def test_going_live_and_closing_update_the_store(server: Server) -> None:
    app = server.runner.app
    store = app[STORE]
    await perform(app, JIANGXI, "open", NOW)
    kazakh = await _viewer(server, "aigerim", "kk")
    try:
        await perform(app, JIANGXI, "live", NOW)
        show = await store.show(JIANGXI)
        assert show is not None
        assert show.status is ShowStatus.LIVE
        assert (await kazakh.recv_until("notice", code="live"))["message"]

        await perform(app, JIANGXI, "close", NOW)
        show = await store.show(JIANGXI)
        assert show is not None
        assert show.status is ShowStatus.FINISHED
        code, frames = await kazakh.closed()
        assert code == 1000
        assert any(f["type"] == "notice" and f.get("code") == "closed" for f in frames)
    finally:
        await kazakh.close()


async def test_a_job_of_a_cancelled_show_does_nothing(server: Server) -> None:
    app = server.runner.app
    store = app[STORE]
    show = await store.show(JIANGXI)
    assert show is not None
    await store.put_shows([replace(show, status=ShowStatus.CANCELLED)])
    await perform(app, JIANGXI, "live", NOW)
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


async def test_a_restart_runs_a_late_job_once_and_skips_a_missed_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
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
