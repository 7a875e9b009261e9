"""Request middlewares: the reader's locale, metrics, and errors as one clear message."""

from __future__ import annotations

import functools
import ipaddress
import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from livecommerce.errors import N_
from livecommerce.i18n import Localizer, known_zone, negotiate, normalize
from livecommerce.web.context import LOCALIZER, SERVICES, ZONE_CHOSEN, localizer_of
from livecommerce.web.errors import ApiError
from livecommerce.web.rendering import render

log = logging.getLogger(__name__)

LANG_COOKIE = "lang"
ZONE_COOKIE = "tz"  # a zone the reader chose (?tz=): kept over the browser's
BROWSER_ZONE_COOKIE = "browser_tz"  # the browser's own zone, set by /static/zone.js
YEAR = 365 * 24 * 3600

# What each HTTP status means to a reader, and the stable code an API client checks.
_STATUS = {
    400: ("bad_request", N_("The request is malformed.")),
    401: ("unauthorized", N_("You need to sign in for this.")),
    403: ("forbidden", N_("You are not allowed to do this.")),
    404: ("not_found", N_("There is nothing at this address.")),
    405: ("method_not_allowed", N_("This address does not accept that method.")),
    413: ("too_large", N_("The request is too large.")),
    500: ("internal", N_("Something went wrong on our side. Please try again.")),
    503: ("unavailable", N_("The service is unavailable. Please try again shortly.")),
}


def _zone(name: str | None) -> str:
    """`name` if it is a zone of the tz database, else "": junk is ignored."""
    return known_zone(name)


@functools.cache
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The `trusted_proxies` setting parsed, once per value (not once per request)."""
    return tuple(ipaddress.ip_network(p) for p in proxies)


def client_address(
    remote: str | None, forwarded: str | None, proxies: tuple[str, ...]
) -> str | None:
    """The address a request comes from: the peer's, or, when the peer is one of our own
    `proxies`, the nearest address in X-Forwarded-For that is not (a client can write
    anything at the left of that header; only what our proxies appended counts)."""
    if not proxies or not forwarded or remote is None or len(forwarded) > 2048:
        return remote
    networks = _networks(proxies)

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if not trusted(remote):
        return remote
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # garbage in the header: keep the address we know
        if not trusted(hop):
            return hop
    return remote


@web.middleware
async def proxy_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Behind `trusted_proxies`, the request's `remote` is the client's address."""
    proxies = request.app[SERVICES].settings.trusted_proxies
    if proxies:
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"), proxies)
        if address is not None and address != request.remote:
            request = request.clone(remote=address)
    return await handler(request)


@web.middleware
async def locale_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Choose the reader's locale (?lang=, cookie, Accept-Language) and zone: one they
    chose (?tz=, then its cookie), else their browser's (the cookie zone.js sets from
    the Intl API), else their language's home zone. The viewer's zone comes from the
    viewer, not from their language: a Russian reader in Almaty sees Almaty time."""
    # On the chat endpoint `lang` names chat channels; the reader's language is `locale`.
    chat = request.path.startswith("/ws/")
    asked = request.query.get("locale" if chat else "lang")
    chosen = normalize(asked) if asked else None
    locale = (
        chosen
        or normalize(request.cookies.get(LANG_COOKIE, ""))
        or negotiate(request.headers.get("Accept-Language"), request.app[SERVICES].settings.locale)
    )
    asked_zone = _zone(request.query.get("tz"))
    chosen_zone = asked_zone or _zone(request.cookies.get(ZONE_COOKIE))
    zone = chosen_zone or _zone(request.cookies.get(BROWSER_ZONE_COOKIE))
    request[LOCALIZER] = Localizer(locale=locale, zone=zone)
    request[ZONE_CHOSEN] = bool(chosen_zone)
    response = await handler(request)
    if chosen and not chat:
        response.set_cookie(LANG_COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True)
    if asked_zone:
        response.set_cookie(ZONE_COOKIE, asked_zone, max_age=YEAR, samesite="Lax", httponly=True)
    return response


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        metrics = request.app[SERVICES].metrics
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - started)


def wants_json(request: web.Request) -> bool:
    """Whether the caller is a program (the API, the probes, the chat endpoint before
    its upgrade), not a page reader."""
    path = request.path
    return path.startswith(("/api/", "/ws/")) or path in ("/healthz", "/metrics")


def error_response(
    request: web.Request,
    status: int,
    code: str | None = None,
    message: str | None = None,
    **extra: object,
) -> web.Response:
    """An error as JSON `{"error": {"code", "message", …}}` for the API, a page for people.

    `message` is already in the reader's language; `extra` adds fields (the API only)."""
    default_code, default_message = _STATUS.get(status, _STATUS[500])
    l10n = localizer_of(request)
    text = message or l10n.gettext(default_message)
    if wants_json(request):
        error = {"code": code or default_code, "message": text, **extra}
        return web.json_response({"error": error}, status=status)
    return render(request, "error.html", status=status, message=text)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into one clear, localized message; log the unexpected ones."""
    try:
        return await handler(request)
    except ApiError as error:
        message = error.message(localizer_of(request))
        response = error_response(request, error.status, error.code, message, **error.fields)
        response.headers.update(error.headers)
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return error_response(request, error.status)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500)
