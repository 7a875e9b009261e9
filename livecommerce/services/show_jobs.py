"""Shows run on time: APScheduler jobs open, remind, start and close every planned show.

The jobs live in the same database as the store (APScheduler's SQLAlchemy job store), so
a restart keeps them. Each job is the module-level `run_job(show_id, kind)` with small
picklable arguments; it finds the running scheduler through `_registry`, set by
`ShowScheduler` at start. The work itself is `perform(services, show_id, kind, now)`, which
tests call directly: `services` is what the jobs act on (`JobServices`: the store, the
rooms, the settings, ...; `livecommerce.app.Services` is one), no web app is involved.

A restart neither fires a reminder twice (a date job is removed once it ran, and `sync`
never re-adds a job whose time has passed) nor skips one still within
`scheduler_misfire_grace` (APScheduler runs it late, once: `coalesce=True`). The job
store is SQLite through the standard library, or PostgreSQL through psycopg 3.

Reminders, going live and closing are also posted to `show_webhook_url` when it is set
(`show_event`: localized per language channel, in each market's time), in the
background, so a slow or dead receiver never holds up a job. After the close the
report is built and written under `<data_dir>/reports/`, and announced there too.

Several `serve` processes sharing one database run the jobs in one of them only: the
leader of `services.leadership` (a Redis or PostgreSQL lock, see `livecommerce.services.leader`).
A standby does not start APScheduler; once elected it starts (or resumes) it and syncs;
when it stops leading it pauses at once. A job is removed from the shared store as it is
handed to run, and `sync` never re-adds a job whose time has passed, so the process
that takes over neither repeats a reminder nor loses one still within the grace time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from apscheduler.jobstores.base import BaseJobStore  # type: ignore[import-untyped]
from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]

from livecommerce.config import Settings, opening
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import Market, Show, ShowStatus
from livecommerce.core.room import Deliver
from livecommerce.errors import brief
from livecommerce.files.announcements import WHEN, localizer_for, market_zone, when_params
from livecommerce.files.reports.data import iso, to_data
from livecommerce.files.reports.files import ReportFiles, file_stem, write_files
from livecommerce.i18n import Localizer, chat_locale, localizer
from livecommerce.metrics import Metrics
from livecommerce.services.job_thread import ThreadedScheduler
from livecommerce.services.leader import Leadership
from livecommerce.services.mentions import MentionLog
from livecommerce.services.reporting import review
from livecommerce.services.rooms import Rooms
from livecommerce.services.webhooks import WebhookSender
from livecommerce.store import SqlStore

log = logging.getLogger(__name__)

OPEN_BEFORE = timedelta(minutes=15)
# Reminder kinds, how long before the start each fires, and its whole sentence (one per
# reminder, so every language words its own number without plural rules).
REMINDERS: dict[str, tuple[timedelta, str]] = {
    "remind-24h": (timedelta(hours=24), N_("The show starts in 24 hours.")),
    "remind-1h": (timedelta(hours=1), N_("The show starts in one hour.")),
    "remind-10m": (timedelta(minutes=10), N_("The show starts in 10 minutes.")),
}
KINDS = ("remind-24h", "remind-1h", "open", "remind-10m", "live", "close")
LIVE_TEXT = N_("The show is live now.")
CLOSED_TEXT = N_("The show has ended and this chat is closed. Thank you for watching!")
REPORT_TEXT = N_("The report of the show is ready.")
REPORTS_FOLDER = "reports"  # under data_dir
# A show closed this recently whose report files are missing (the process stopped while
# building them, or was down at the close) gets them at the next sync.
REPORT_CATCH_UP = timedelta(days=2)
ACTIVE = (ShowStatus.SCHEDULED, ShowStatus.LIVE)

# The scheduler whose services the jobs act on; jobs carry only (show_id, kind).
_registry: dict[str, ShowScheduler] = {}
RESYNC_SECONDS = 60


class JobServices(Protocol):
    """What the show jobs act on; `livecommerce.app.Services` is one."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> SqlStore: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def rooms(self) -> Rooms: ...
    @property
    def mentions(self) -> MentionLog: ...
    @property
    def webhook(self) -> WebhookSender | None: ...


def job_id(show_id: str, kind: str) -> str:
    """The stable id of a show's job: re-syncing replaces it, never duplicates it."""
    return f"show-{show_id}-{kind}"


def job_times(show: Show, close_grace: timedelta) -> dict[str, datetime]:
    """When each job of a show runs (aware UTC instants), by kind."""
    times = {kind: show.starts_at - before for kind, (before, _) in REMINDERS.items()}
    times["open"] = show.starts_at - OPEN_BEFORE
    times["live"] = show.starts_at
    times["close"] = show.ends_at + close_grace
    return {kind: times[kind] for kind in KINDS}


def job_store_url(database_url: str) -> str | None:
    """The synchronous SQLAlchemy URL for the job store (SQLite, or PostgreSQL through
    psycopg 3), or None for a database it cannot keep jobs in."""
    if database_url.startswith("sqlite://"):
        return database_url
    if database_url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return None


def make_scheduler(database_url: str | None, misfire_grace: float) -> ThreadedScheduler:
    """A scheduler on the event loop with its jobs in `database_url` (a sync SQLAlchemy
    URL), or in memory when None, read and written in a worker thread (see
    `livecommerce.services.job_thread`). Late jobs run once (coalesce) within
    `misfire_grace` seconds."""
    store: BaseJobStore = (
        MemoryJobStore() if database_url is None else SQLAlchemyJobStore(url=database_url)
    )
    return ThreadedScheduler(
        jobstores={"default": store},
        job_defaults={
            "misfire_grace_time": max(1, int(misfire_grace)),
            "coalesce": True,
            "max_instances": 1,
        },
        timezone="UTC",
    )


class ShowScheduler:
    """The show jobs of one process: fed by `sync`, run while it leads the cluster."""

    def __init__(self, services: JobServices) -> None:
        self.services = services
        settings = services.settings
        self.close_grace = timedelta(seconds=settings.show_close_grace)
        url = job_store_url(settings.resolved_database_url)
        if url is None:
            log.warning(
                "no job store for this database: scheduled show jobs are kept in memory "
                "and rebuilt from the store at each start"
            )
        self.scheduler = make_scheduler(url, settings.scheduler_misfire_grace)
        self.webhook = services.webhook
        self.leadership: Leadership | None = None
        self._syncing: asyncio.Task[None] | None = None
        self._reports: dict[str, asyncio.Task[ReportFiles | None]] = {}

    def start(self, *, paused: bool = False) -> None:
        _registry["scheduler"] = self
        self.scheduler.start(paused=paused)

    async def start_leading(self, leadership: Leadership) -> None:
        """Campaign for the cluster's leader lock and run the jobs while holding it.

        The leader syncs every show in the store when elected (before this returns, when
        it is elected at once) and every `RESYNC_SECONDS`, so shows that `schedule apply`
        (another process) loads, edits or cancels get their jobs without a restart.
        `close()` it to stop."""
        self.follow(leadership)
        await leadership.start()
        await self.settled()

    def follow(self, leadership: Leadership) -> None:
        """Run the jobs only while `leadership` says this process leads."""
        self.leadership = leadership
        leadership.watch(self.lead)

    def lead(self, leader: bool) -> None:
        """Start or resume the jobs (and sync them with the store) when this process
        becomes the leader; pause them at once when it stops being it. A process that
        never led has not started APScheduler, nor touched the shared job store."""
        metrics = self.services.metrics
        if not leader:
            if self._syncing is not None:
                self._syncing.cancel()
            if self.scheduler.running:
                self.scheduler.pause()
            metrics.scheduler_leader.set(0)
            return
        _registry["scheduler"] = self
        if self.scheduler.running:
            self.scheduler.resume()
        else:
            self.scheduler.start()
        self._syncing = asyncio.create_task(self._sync_as_leader(), name="scheduler-sync")
        metrics.scheduler_leader.set(1)

    async def _sync_as_leader(self) -> None:
        """The leader's first sync, and the periodic resync's job. A job store that fails
        (locked, read-only, unreachable) is one log line and a try again later: the
        leadership follows the lock, not the job store's health."""
        try:
            await self.scheduler.in_store_thread(self._add_resync)
            count = await self.resync()
        except Exception as error:  # the periodic resync (or the next try) tries again
            log.error(
                "the show jobs were not synced with the store: %s (next try in %d s)",
                brief(error),
                RESYNC_SECONDS,
            )
            self._retry_sync()
        else:
            log.info("the scheduler holds %d show jobs", count)

    def _add_resync(self) -> None:
        self.scheduler.add_job(
            run_resync,
            "interval",
            seconds=RESYNC_SECONDS,
            id="shows-resync",
            replace_existing=True,
        )

    def _retry_sync(self) -> None:
        """Sync again in `RESYNC_SECONDS` while this process leads: the periodic job may
        not be in the store (the job store failed when it was added)."""
        loop = asyncio.get_running_loop()

        def again() -> None:
            if self.scheduler.running and (self.leadership is None or self.leadership.leader):
                self._syncing = asyncio.create_task(self._sync_as_leader(), name="scheduler-sync")

        loop.call_later(RESYNC_SECONDS, again)

    async def settled(self) -> None:
        """Until the sync that follows an election is done (at once on a standby)."""
        if self._syncing is not None:
            await asyncio.wait({self._syncing})

    async def close(self) -> None:
        """Pause the jobs, give the leader lock up (another process takes over without
        waiting for it to expire) and shut APScheduler down."""
        if self.leadership is not None:
            await self.leadership.stop()
        self.shutdown()
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn

    def shutdown(self) -> None:
        if self._syncing is not None:
            self._syncing.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.webhook is not None:
            self.webhook.cancel()
        if _registry.get("scheduler") is self:
            del _registry["scheduler"]

    async def resync(self) -> int:
        """Sync with every show in the store (at start, after seeding, periodically).

        Only while this process leads (when it follows a leadership): the job store is
        shared, and a former leader must not write into it."""
        shows = await self.services.store.shows()
        if self.leadership is not None and not self.leadership.leader:
            return 0
        now = self.services.clock()
        # The job store is synchronous (SQLite waits for its lock): never on the loop.
        count = await self.scheduler.in_store_thread(self.sync, shows, now)
        self.catch_up_reports(shows, now)
        return count

    def catch_up_reports(self, shows: Iterable[Show], now: datetime) -> list[str]:
        """Build the missing report files of shows closed within `REPORT_CATCH_UP` (in
        the background, one task a show); the ids of the shows it started."""
        folder = self.services.settings.data_dir / REPORTS_FOLDER
        started: list[str] = []
        for show in shows:
            closed = show.ends_at + self.close_grace
            if (
                show.status is not ShowStatus.FINISHED
                or not now - REPORT_CATCH_UP <= closed <= now
                or show.id in self._reports
                or (folder / f"{file_stem(show.id)}.html").exists()
            ):
                continue
            log.info("the report of show %s is missing: building it", show.id)
            self.report(show, now)
            started.append(show.id)
        return started

    def report(
        self, show: Show, now: datetime, webhook: WebhookSender | None = None
    ) -> asyncio.Task[ReportFiles | None]:
        """Build a show's report in the background, once at a time per show (the close
        job and a catch-up never build it twice at once); announced on `webhook`, else
        on the services' one."""
        running = self._reports.get(show.id)
        if running is not None:
            return running
        task = asyncio.create_task(
            publish_report(self.services, show, now, webhook or self.webhook),
            name=f"report-{show.id}",
        )
        self._reports[show.id] = task

        def done(_: asyncio.Task[ReportFiles | None]) -> None:
            self._reports.pop(show.id, None)

        task.add_done_callback(done)
        return task

    def sync(self, shows: Iterable[Show], now: datetime) -> int:
        """Add, move or remove the jobs of `shows`; the number of jobs they now have.

        A job still ahead is (re)placed at its time. A job whose time has passed is left
        as it is: still in the store (not run yet), APScheduler runs it within its grace
        time; gone (it ran), it is not added again. Cancelled and finished shows lose
        their jobs."""
        jobs = {job.id: job for job in self.scheduler.get_jobs()}
        count = 0
        for show in shows:
            for kind, at in job_times(show, self.close_grace).items():
                ident = job_id(show.id, kind)
                existing = jobs.get(ident)
                if show.status not in ACTIVE or (kind == "live" and show.status is ShowStatus.LIVE):
                    if existing is not None:
                        existing.remove()
                    continue
                if at > now:
                    count += 1
                    if (
                        existing is not None
                        and existing.next_run_time == at
                        and tuple(existing.args) == (show.id, kind)
                    ):
                        continue  # unchanged: no write
                    self.scheduler.add_job(
                        run_job,
                        "date",
                        run_date=at,
                        args=(show.id, kind),
                        id=ident,
                        replace_existing=True,
                    )
                elif existing is not None:
                    count += 1
        return count


async def run_job(show_id: str, kind: str) -> None:
    """What APScheduler runs: `perform` on the registered scheduler's services, at their
    clock."""
    scheduler = _registry.get("scheduler")
    if scheduler is None:
        log.warning("job %s of show %s ran with no scheduler running", kind, show_id)
        return
    services = scheduler.services
    await perform(services, show_id, kind, services.clock(), scheduler.webhook)


async def perform(
    services: JobServices,
    show_id: str,
    kind: str,
    now: datetime,
    webhook: WebhookSender | None = None,
) -> None:
    """Do one job of a show: open its room, remind, go live or close (then write the
    report). Acts only on a show still planned (or live, to close it), so a stale job
    does nothing. Reminders, live and closed are also posted to `webhook` (by default
    the services' one), if any."""
    webhook = webhook or services.webhook
    store = services.store
    show = await store.show(show_id)
    if show is None or show.status not in ACTIVE:
        log.info("job %s of show %s skipped: the show is not planned", kind, show_id)
        return
    rooms = services.rooms
    if kind == "open":
        await rooms.room(show)
        log.info("opened the chat of show %s at %s", show_id, now.isoformat())
    elif kind in REMINDERS:
        before, template = REMINDERS[kind]
        minutes = int(before.total_seconds() // 60)
        _notice(rooms, show_id, "reminder", Text(template, {}), minutes=minutes)
        await _post(services, webhook, show, kind, "reminder", template, now, minutes=minutes)
    elif kind == "live":
        if show.status is ShowStatus.SCHEDULED:
            show = replace(show, status=ShowStatus.LIVE)
            await store.put_shows([show])
        await rooms.room(show)
        _notice(rooms, show_id, "live", Text(LIVE_TEXT, {}))
        log.info("show %s is live at %s", show_id, now.isoformat())
        await _post(services, webhook, show, kind, "live", LIVE_TEXT, now)
    elif kind == "close":
        show = replace(show, status=ShowStatus.FINISHED)
        await store.put_shows([show])
        _notice(rooms, show_id, "closed", Text(CLOSED_TEXT, {}))
        room = rooms.rooms.get(show_id)
        if room is not None:
            for conn in list(room.members):
                connection = rooms.connections.get(conn)
                if connection is not None:
                    connection.close(1000, "show finished")
        log.info("closed the chat of show %s at %s", show_id, now.isoformat())
        await _post(services, webhook, show, kind, "closed", CLOSED_TEXT, now)
        scheduler = _registry.get("scheduler")
        if scheduler is not None and scheduler.services is services:
            # Never beside a catch-up of the same show.
            await scheduler.report(show, now, webhook)
        else:
            await publish_report(services, show, now, webhook)
    else:
        log.warning("unknown job kind %r for show %s", kind, show_id)


def _notice(rooms: Rooms, show_id: str, code: str, text: Text, **fields: Any) -> None:
    """A `notice` to everyone in the show's room, in each reader's locale."""
    room = rooms.rooms.get(show_id)
    if room is None or not room.members:
        return
    frame = {"type": "notice", "code": code, "message": text, **fields}
    rooms.apply(room, [Deliver(frozenset(room.members), frame)])


# -- the show webhook ----------------------------------------------------------------------


def show_fields(show: Show) -> dict[str, Any]:
    """What a webhook receiver is told about a show (times in UTC, ISO 8601)."""
    return {
        "id": show.id,
        "code": show.code,
        "streamer": show.streamer_id,
        "title": show.title("en"),
        "starts_at": iso(show.starts_at),
        "ends_at": iso(show.ends_at),
        "markets": list(show.markets),
        "languages": list(show.languages),
        "status": show.status.value,
    }


def local_starts(show: Show, lang: str, markets: Iterable[Market]) -> list[dict[str, str]]:
    """The start of `show` for readers of `lang` in each of `markets`: local ISO time,
    and date, time (on each clock the market keeps, named: Beijing and Xinjiang time in
    Xinjiang), the clocks' names and the announcement's sentence formatted by Babel."""
    starts = []
    for market in markets:
        l10n = localizer_for(market, lang)
        params = when_params(l10n, show.starts_at, market, lang)
        starts.append(
            {
                "market": market.code,
                "zone": market_zone(market),
                "local_start": show.starts_at.astimezone(l10n.tzinfo).isoformat(),
                "date": params["date"],
                "time": params["time"],
                "zone_name": params["zone"],
                "text": l10n.render(WHEN, dict(params)),
            }
        )
    return starts


def show_event(
    show: Show,
    kind: str,
    event: str,
    template: str,
    now: datetime,
    markets: Mapping[str, Market],
    **fields: Any,
) -> dict[str, Any]:
    """The webhook body of one job of a show: the show, and per language channel its
    title, the job's sentence (`template`) and the start in the local time of each of
    the show's markets that speaks the language (of all of them, if none does)."""
    known = [markets[code] for code in show.markets if code in markets]
    channels = {}
    for lang in show.languages:
        speaking = [m for m in known if lang in m.languages] or known
        channels[lang] = {
            "locale": chat_locale(lang),
            "title": show.title(lang),
            "message": Localizer(chat_locale(lang)).render(template, {}),
            "starts": local_starts(show, lang, speaking),
        }
    return {
        "id": job_id(show.id, kind),
        "event": event,
        "kind": kind,
        "sent_at": iso(now),
        "show": show_fields(show),
        **fields,
        "channels": channels,
    }


async def _post(
    services: JobServices,
    webhook: WebhookSender | None,
    show: Show,
    kind: str,
    event: str,
    template: str,
    now: datetime,
    **fields: Any,
) -> None:
    """Post a show event to the webhook in the background; a failure here is logged and
    leaves the job (the room's notice, the show's status) as done."""
    if webhook is None:
        return
    try:
        markets = {m.code: m for m in await services.store.markets()}
        payload = show_event(show, kind, event, template, now, markets, **fields)
        webhook.send(event, job_id(show.id, kind), payload)
    except Exception as error:  # the webhook is a courtesy: never fail the job for it
        log.error("webhook %s of show %s not sent: %r", event, show.id, error)


# -- the report after the close --------------------------------------------------------------


async def publish_report(
    services: JobServices, show: Show, now: datetime, webhook: WebhookSender | None = None
) -> ReportFiles | None:
    """Build the report of a closed show and write it under `<data_dir>/reports/` (JSON
    and offline HTML, in the `locale` setting's language); announce it on the webhook.

    A failure is logged and returns None: the show stays closed."""
    settings = services.settings
    store = services.store
    folder = settings.data_dir / REPORTS_FOLDER
    try:
        # What the live parts still hold goes into the report.
        await services.rooms.writer.drain()
        await services.mentions.writer.drain()
        window = timedelta(hours=settings.order_window_hours)
        report = await review(store, show.id, settings.base_currency, window, opening(settings))
        if report is None:
            log.warning("no report for show %s: it is no longer in the store", show.id)
            return None
        markets = await store.markets()
        # Rendering the page (charts, plotly.js) takes a while: off the event loop.
        files = await asyncio.to_thread(
            write_files, report, markets, localizer(settings.locale), folder
        )
    except Exception as error:  # a report that cannot be built must not undo the close
        log.error("the report of show %s was not written: %r", show.id, error)
        log.debug("the report of show %s failed", show.id, exc_info=True)
        return None
    log.info("wrote the report of show %s to %s and %s", show.id, files.json, files.html)
    if webhook is not None:
        path = quote(show.id, safe="")
        delivery = job_id(show.id, "report")
        payload = {
            "id": delivery,
            "event": "report",
            "kind": "report",
            "sent_at": iso(now),
            "show": show_fields(show),
            "message": localizer(settings.locale).gettext(REPORT_TEXT),
            "report": {
                "json": str(files.json),
                "html": str(files.html),
                "api": f"/api/streams/{path}/report",
                "page": f"/streams/{path}/report",
                "base_currency": report.base_currency,
                "totals": to_data(report)["totals"],
            },
        }
        webhook.send("report", delivery, payload)
    return files


async def run_resync() -> None:
    """What APScheduler runs every `RESYNC_SECONDS`."""
    scheduler = _registry.get("scheduler")
    if scheduler is None:
        return
    try:
        await scheduler.resync()
    except Exception as error:  # one line, and the next run tries again; leadership stays
        log.error(
            "the show jobs were not synced with the store: %s (next try in %d s)",
            brief(error),
            RESYNC_SECONDS,
        )
