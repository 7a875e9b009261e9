"""`POST /api/orders`: a shop's order webhook, signed with the shop's secret.

The body is one order (a JSON object) or a batch (`{"orders": [...]}`, at most 1,000).
Headers: `X-Shop` names the shop, `X-Signature: sha256=<hex>` is the HMAC-SHA256 of the
raw body with that shop's secret. Orders are idempotent on their id: a retry is
answered 200 with the duplicates counted, nothing stored twice. An order is acknowledged
only once stored: while the database is down the answer is 503 (with Retry-After), so
the shop sends it again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from livecommerce.core.messages import N_
from livecommerce.core.models import Order
from livecommerce.core.orders import CONFLICT, OrderError, differences, parse_order
from livecommerce.errors import brief
from livecommerce.services.webhooks import signature
from livecommerce.web.api import store_answers
from livecommerce.web.context import SERVICES
from livecommerce.web.errors import ApiError

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
MAX_BATCH = 1000
RETRY_AFTER = 5  # seconds a shop is asked to wait when the database is down
# Seconds the orders may take to be stored: a database that stopped answering gets the
# shop a 503 before its own timeout, not a request that hangs.
WRITE_TIMEOUT = 5.0

# What a database says when it answers but does not store: SQLite's result codes
# (BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN) and PostgreSQL's SQLSTATE classes (25006
# read-only transaction, 53 insufficient resources, 57 operator intervention, 08 connection).
SQLITE_NOT_STORING = {5, 6, 8, 10, 13, 14}
POSTGRES_NOT_STORING = ("25006", "53", "57", "08")


def not_storing(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the database cannot store now, as opposed
    to a fault of ours: the order is refused with 503 and sent again later."""
    seen: BaseException | None = error
    for _ in range(5):  # the driver's error, wrapped by SQLAlchemy's adapters
        if seen is None:
            return False
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in SQLITE_NOT_STORING:
            return True
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str) and state.startswith(POSTGRES_NOT_STORING):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


MAX_NUMBER = 100  # digits of a JSON number: more is no JSON a shop means (400 bad_json)


def _number(text: str) -> str:
    if len(text) > MAX_NUMBER:
        raise ValueError(text[:20])
    return text


def _conflicts(orders: list[Order], stored: dict[str, Order]) -> list[dict[str, Any]]:
    """Each order whose id was received before (stored, or earlier in this batch) with a
    different body: its index, id and the fields that differ."""
    first = dict(stored)
    found = []
    for index, order in enumerate(orders):
        known = first.setdefault(order.id, order)
        changed = differences(order, known)
        if changed:
            found.append({"index": index, "id": order.id, "fields": changed})
    return found


@routes.post("/api/orders")
async def receive_orders(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    shop = request.headers.get("X-Shop", "")
    secret = settings.shop_secrets.get(shop)
    body = await request.read()
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, and a
    # header may hold anything.
    given = request.headers.get("X-Signature", "").encode("utf-8", "surrogateescape")
    if secret is None or not hmac.compare_digest(signature(secret, body).encode(), given):
        # Never log the secret or the body: only who claimed to send it.
        log.warning("order webhook: bad signature for shop %r", shop[:64])
        raise ApiError(401, "bad_signature", N_("The signature does not match this shop."))
    try:
        # Numbers are kept as written ("-0", "1e309", "2.0", NaN), so the order's rules
        # check the text the shop sent, not what a float made of it.
        data = json.loads(body, parse_int=_number, parse_float=_number, parse_constant=str)
    except (ValueError, RecursionError):
        raise ApiError(400, "bad_json", N_("The body is not valid JSON.")) from None
    # The body is an object: one order, or a batch under "orders". A bare list, string
    # or number is neither, and is refused as a whole (400), not as an order (422).
    items = data.get("orders", [data]) if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
        raise ApiError(400, "bad_batch", N_("Send one order, or a list of 1 to 1000 under orders."))
    skus = services.catalog.products.keys()
    now = services.clock()
    orders = []
    for index, item in enumerate(items):
        try:
            orders.append(parse_order(item, skus=skus, now=now))
        except OrderError as error:
            raise ApiError(
                422, "invalid_order", error.text, fields={"field": error.field, "index": index}
            ) from None
    try:
        async with asyncio.timeout(WRITE_TIMEOUT):
            conflicts = _conflicts(orders, await services.store.orders_by_id(o.id for o in orders))
            added = 0 if conflicts else await services.store.add_orders(orders)
    except Exception as error:
        refused = not_storing(error)
        if not refused and not isinstance(error, TimeoutError) and await store_answers(request):
            raise  # the database is there and takes writes: a fault of ours (500, logged)
        # Not stored (or not known to be), so not acknowledged: 503 tells the shop to send
        # the orders again, and they are idempotent on their id.
        log.warning(
            "order webhook: the database %s; %d orders refused",
            f"does not store ({brief(error)})" if refused else "does not answer",
            len(orders),
        )
        raise ApiError(
            503, "store_unavailable", headers={"Retry-After": str(RETRY_AFTER)}
        ) from None
    if conflicts:
        # Nothing stored: like an invalid order, the batch is refused whole.
        first = conflicts[0]
        raise ApiError(
            409,
            "conflict",
            CONFLICT,
            fields={"index": first["index"], "id": first["id"], "conflicts": conflicts},
            id=first["id"],
            changed=", ".join(first["fields"]),
        )
    status = 201 if added else 200
    return web.json_response(
        {"accepted": added, "duplicates": len(orders) - added, "ids": [o.id for o in orders]},
        status=status,
    )
