"""HTTP errors raised by handlers (`ApiError`) and rendered once by the error middleware:
the status, the stable code, the sentence in the reader's language, JSON for programs and
the error page for people, and the headers an error carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from livecommerce.app import build_services
from livecommerce.config import Settings
from livecommerce.core.messages import N_, Text
from livecommerce.errors import ShowNotFoundError
from livecommerce.i18n import Localizer
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from livecommerce.web.errors import ApiError
from tests.conftest import NOW, Server, serving

PRODUCT = N_("There is no product {sku}.")
NO_SUCH_STREAM = N_("There is no such stream.")
UNAVAILABLE = "The service is unavailable. Please try again shortly."

# What each test route raises, by name.
RAISED: dict[str, ApiError] = {
    "product": ApiError(404, "unknown_product", PRODUCT, sku="IT-TAB-11"),
    "stream": ApiError(404, "unknown_stream", NO_SUCH_STREAM),
    "line": ApiError(
        422,
        "invalid_line",
        Text(N_("Each line must be a JSON object with a text.")),
        fields={"index": 3},
    ),
    "store": ApiError(503, "store_unavailable", headers={"Retry-After": "5"}),
    "show": ApiError(404, "unknown_show", ShowNotFoundError(show="nowhere")),
}


async def _raise(request: web.Request) -> web.Response:
    raise RAISED[request.match_info["name"]]


@pytest.fixture
async def erring(settings: Settings, seeded_store: SqlStore) -> AsyncIterator[Server]:
    """The real app, with a route for programs and one for people that raise `RAISED`."""
    services = build_services(
        replace(settings, seed_on_start=False), seeded_store, clock=lambda: NOW
    )
    app = create_app(services)
    app.router.add_get("/api/raise/{name}", _raise)
    app.router.add_get("/raise/{name}", _raise)
    async with serving(app) as server:
        yield server


async def _get(server: Server, path: str) -> tuple[int, str, dict[str, str], Any]:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, response.content_type, dict(response.headers), data


@pytest.mark.parametrize("locale", ["en", "ru", "kk", "zh_Hans", "ug"])
async def test_an_api_error_is_json_in_the_readers_language(erring: Server, locale: str) -> None:
    l10n = Localizer(locale)
    status, kind, _, data = await _get(erring, f"/api/raise/product?lang={locale}")
    assert (status, kind) == (404, "application/json")
    assert data == {
        "error": {
            "code": "unknown_product",
            "message": l10n.render(PRODUCT, {"sku": "IT-TAB-11"}),
        }
    }
    assert "IT-TAB-11" in data["error"]["message"]
    if locale != "en":
        assert data["error"]["message"] != Localizer("en").render(PRODUCT, {"sku": "IT-TAB-11"})


async def test_an_error_carries_its_fields_and_headers(erring: Server) -> None:
    status, _, _, data = await _get(erring, "/api/raise/line?lang=ru")
    assert status == 422
    assert data["error"] == {
        "code": "invalid_line",
        "message": Localizer("ru").gettext("Each line must be a JSON object with a text."),
        "index": 3,
    }

    status, _, headers, data = await _get(erring, "/api/raise/store?lang=kk")
    assert status == 503
    assert headers["Retry-After"] == "5"
    # No sentence of its own: the status's, in the reader's language.
    assert data["error"] == {
        "code": "store_unavailable",
        "message": Localizer("kk").gettext(UNAVAILABLE),
    }
    assert data["error"]["message"] != UNAVAILABLE


async def test_an_error_that_words_itself_is_worded_for_the_reader(erring: Server) -> None:
    status, _, _, data = await _get(erring, "/api/raise/show?lang=ru")
    assert status == 404
    expected = ShowNotFoundError(show="nowhere").message(Localizer("ru").gettext)
    assert data["error"] == {"code": "unknown_show", "message": expected}


async def test_a_page_error_is_the_error_page(erring: Server) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(erring.url("/raise/stream?lang=ru")) as response,
    ):
        body = await response.text()
        assert response.status == 404
        assert response.content_type == "text/html"
    assert Localizer("ru").gettext(NO_SUCH_STREAM) in body
    assert "unknown_stream" not in body  # codes are for programs
    assert '<html lang="ru"' in body


async def test_a_page_error_keeps_its_headers(erring: Server) -> None:
    status, kind, headers, _ = await _get(erring, "/raise/store")
    assert (status, kind) == (503, "text/html")
    assert headers["Retry-After"] == "5"


def test_the_message_is_chosen_at_rendering() -> None:
    """The same error reads in each reader's language; None keeps the status's own."""
    error = RAISED["product"]
    assert error.message(Localizer("en")) == "There is no product IT-TAB-11."
    assert error.message(Localizer("ru")) == Localizer("ru").render(PRODUCT, {"sku": "IT-TAB-11"})
    assert RAISED["store"].message(Localizer("ru")) is None
    assert (error.status, error.code, error.fields, error.headers) == (
        404,
        "unknown_product",
        {},
        {},
    )
