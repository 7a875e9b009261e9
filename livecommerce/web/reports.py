"""The post-show report over HTTP: `GET /api/streams/{id}/report` (JSON, `?format=csv`)
and the page `/streams/{id}/report` (tables and charts in the reader's language)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from plotly.offline import get_plotlyjs

from livecommerce.config import CURRENCY, Invalid, opening
from livecommerce.core.messages import N_
from livecommerce.core.report import Report
from livecommerce.errors import UnknownCurrencyError
from livecommerce.files.reports import csvfile, data, html
from livecommerce.files.reports.view import build_view
from livecommerce.services.reporting import review
from livecommerce.web.context import SERVICES, localizer_of
from livecommerce.web.errors import ApiError
from livecommerce.web.rendering import site_header

routes = web.RouteTableDef()
PLOTLY_PATH = "/static/vendor/plotly.min.js"


async def _review(request: web.Request) -> Report:
    """The report of the show of the address, in the `?currency=` asked for."""
    services = request.app[SERVICES]
    settings = services.settings
    currency = request.query.get("currency", settings.base_currency)
    try:
        currency = CURRENCY.parse(currency.upper())
    except Invalid:
        raise ApiError(
            400, "bad_currency", N_("The currency must be a code such as EUR.")
        ) from None
    # Whatever the live parts still hold goes into the report.
    await services.rooms.writer.drain()
    await services.mentions.writer.drain()
    try:
        found = await review(
            services.store,
            request.match_info["id"],
            currency,
            timedelta(hours=settings.order_window_hours),
            opening(settings),
        )
    except UnknownCurrencyError as error:
        raise ApiError(
            400,
            "unknown_currency",
            N_("No prices or exchange rates are known in {currency}; known: {known}."),
            currency=error.params["currency"],
            known=error.params["known"],
        ) from None
    if found is None:
        raise ApiError(404, "unknown_stream", N_("There is no such stream."))
    return found


@routes.get("/api/streams/{id}/report")
async def report_api(request: web.Request) -> web.Response:
    found = await _review(request)
    if request.query.get("format") == "csv":
        lang = localizer_of(request).locale.split("_")[0]
        return web.Response(
            text=csvfile.to_csv(found, lang),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{found.show.id}-report.csv"'},
        )
    return web.json_response(data.to_data(found))


@routes.get("/streams/{id}/report")
async def report_page(request: web.Request) -> web.Response:
    found = await _review(request)
    l10n = localizer_of(request)
    markets = await request.app[SERVICES].store.markets()
    view = build_view(found, l10n, markets)
    page = html.to_html(
        found,
        view,
        l10n,
        markets,
        script_src=PLOTLY_PATH,
        # The site's header; its language links keep the currency asked for.
        header=site_header(request, keep=("currency",)),
        header_css="/static/header.css",
    )
    return web.Response(text=page, content_type="text/html")


@routes.get(PLOTLY_PATH)
async def plotly_js(request: web.Request) -> web.Response:
    return web.Response(
        text=get_plotlyjs(),
        content_type="application/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
