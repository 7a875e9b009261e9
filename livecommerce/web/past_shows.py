"""The seller's way to the reports: the past shows, newest first, each with its totals
(orders, units, revenue in the base currency) and a link to its report. The home page
shows the latest few (`LATEST`), `/shows/past` all of them a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from livecommerce.config import opening
from livecommerce.core.messages import N_
from livecommerce.core.models import Show
from livecommerce.core.report import Totals
from livecommerce.core.shows import split_by_time
from livecommerce.services.past_shows import totals_of
from livecommerce.web.context import SERVICES, localizer_of
from livecommerce.web.errors import ApiError
from livecommerce.web.rendering import render

routes = web.RouteTableDef()

# Past shows on the home page, and per page of `/shows/past`: the same number, so the
# first page asks for the reports the home page has just had computed (and kept).
LATEST = 10
PER_PAGE = LATEST


async def past_totals(request: web.Request, shows: Sequence[Show]) -> dict[str, Totals]:
    """The totals of `shows` in the base currency, from their (kept) reports, computed a
    few at a time (`services.past_shows`); the event loop never waits on them."""
    services = request.app[SERVICES]
    settings = services.settings
    return await totals_of(
        services.store,
        shows,
        settings.base_currency,
        timedelta(hours=settings.order_window_hours),
        opening(settings),
    )


@dataclass(frozen=True)
class PastRow:
    show: Show
    title: str
    starts: str
    totals: Totals | None


def _page_number(request: web.Request) -> int:
    asked = request.query.get("page", "1").strip()
    if not asked.isascii() or not asked.isdigit() or int(asked) < 1:
        raise ApiError(400, "bad_page", N_("The page must be a whole number from 1."))
    return int(asked)


@routes.get("/shows/past")
async def past_shows(request: web.Request) -> web.Response:
    """Every past show, newest first, a page at a time: title, start in the reader's
    zone, orders, units, revenue and a link to the report."""
    services = request.app[SERVICES]
    l10n = localizer_of(request)
    number = _page_number(request)
    now: datetime = services.clock()
    past = split_by_time(await services.store.shows(), now).past
    pages = max(1, -(-len(past) // PER_PAGE))
    if number > pages:
        raise ApiError(404, "no_such_page", N_("There is no such page."))
    shown = past[(number - 1) * PER_PAGE : number * PER_PAGE]
    totals = await past_totals(request, shown)
    lang = l10n.locale.split("_")[0]
    rows = [
        PastRow(
            show=show,
            title=show.title(lang),
            starts=l10n.clock_times(show.starts_at, day=True),
            totals=totals.get(show.id),
        )
        for show in shown
    ]
    return render(
        request,
        "past_shows.html",
        keep=("page",),
        rows=rows,
        page=number,
        pages=pages,
        currency=services.settings.base_currency,
        clock=l10n.clock_name(),
    )
