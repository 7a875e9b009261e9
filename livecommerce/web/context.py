"""What a handler finds on the application and on each request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from jinja2 import Environment

from livecommerce.config import Settings
from livecommerce.i18n import Localizer
from livecommerce.metrics import Metrics
from livecommerce.services.catalog import Catalog
from livecommerce.services.leader import Leadership
from livecommerce.services.mentions import MentionLog
from livecommerce.store import SqlStore

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", SqlStore)
METRICS = web.AppKey("metrics", Metrics)
TEMPLATES = web.AppKey("templates", Environment)
CATALOG = web.AppKey("catalog", Catalog)
MENTIONS = web.AppKey("mentions", MentionLog)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
# Whether this process leads the cluster's scheduler (campaigning once `serve` starts it).
LEADERSHIP = web.AppKey("leadership", Leadership)

LOCALIZER = web.RequestKey("localizer", Localizer)


def localizer_of(request: web.Request) -> Localizer:
    """The reader's locale and zone, chosen by the locale middleware."""
    return request.get(LOCALIZER) or Localizer()
