"""Render a page in the reader's language, zone and writing direction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from babel import Locale
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from livecommerce.config import LOCALES
from livecommerce.i18n import html_isolates
from livecommerce.web.context import TEMPLATES, ZONE_CHOSEN, localizer_of


def environment() -> Environment:
    """The Jinja2 environment of the pages: autoescaped, templates from the package;
    `|bidi` shows a text's bidi isolates as `<bdi>` elements."""
    env = Environment(
        loader=PackageLoader("livecommerce.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bidi"] = html_isolates
    return env


def own_name(locale: str) -> str:
    """A language's name in itself, for the language switcher: «Қазақ тілі», «中文»."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


SWITCHER = [(code, own_name(code)) for code in LOCALES]


# Slashes and backslashes (browsers read `\` as `/`) at the start of a path, and the
# characters a browser drops from a URL (tabs, newlines) anywhere in it.
_LEADING_SLASHES = re.compile(r"^[/\\]+")


def site_path(path: str) -> str:
    """The request path as a link that stays on this site: one leading `/` (never `//host`
    or `/\\host`, which browsers follow to another site), percent-encoded, so no
    character of it can make it an absolute URL or leave the attribute."""
    cleaned = "".join(c for c in path if c.isprintable())
    return quote("/" + _LEADING_SLASHES.sub("", cleaned), safe="/-._~!$&'()*+,;=:@")


def _context(request: web.Request, keep: Sequence[str]) -> dict[str, Any]:
    """What every page's template gets: the reader's localizer, gettext functions and the
    language switcher, whose links keep the request's `keep` parameters (`?currency=`)."""
    l10n = localizer_of(request)
    path = site_path(request.path)
    kept = [(name, value) for name in keep for value in request.query.getall(name, [])]
    return {
        "l10n": l10n,
        "_": l10n.gettext,
        "ngettext": l10n.ngettext,
        "languages": SWITCHER,
        "switch": [
            (code, name, path + "?" + urlencode([*kept, ("lang", code)])) for code, name in SWITCHER
        ],
        "path": path,
        "zone_chosen": request.get(ZONE_CHOSEN, False),
    }


def render(
    request: web.Request,
    template: str,
    status: int = 200,
    *,
    keep: Sequence[str] = (),
    **context: Any,
) -> web.Response:
    """A page with the reader's localizer, gettext functions and the language switcher
    (its links keep the query parameters named in `keep`)."""
    page = request.app[TEMPLATES].get_template(template)
    body = page.render(**_context(request, keep), **context)
    return web.Response(text=body, status=status, content_type="text/html")


def site_header(request: web.Request, *, keep: Sequence[str] = ()) -> Markup:
    """The site's header (brand, links, language switcher) alone, for a page built
    elsewhere (the report page, rendered by files/reports)."""
    page = request.app[TEMPLATES].get_template("header.html")
    return Markup(page.render(**_context(request, keep)))  # the template is autoescaped
