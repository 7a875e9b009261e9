"""What a handler finds on the application and on each request."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment

from livecommerce.i18n import Localizer
from livecommerce.services.process import Services

# What the process runs (store, rooms, catalog, ...): built by `livecommerce.app`.
SERVICES = web.AppKey("services", Services)
TEMPLATES = web.AppKey("templates", Environment)

LOCALIZER = web.RequestKey("localizer", Localizer)
# Whether the reader chose their zone (?tz=): the browser's zone does not replace it.
ZONE_CHOSEN = web.RequestKey("zone_chosen", bool)


def localizer_of(request: web.Request) -> Localizer:
    """The reader's locale and zone, chosen by the locale middleware."""
    return request.get(LOCALIZER) or Localizer()
