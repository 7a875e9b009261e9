"""Webhooks: JSON bodies signed with a shared secret, and their delivery out of the server.

A signature is `sha256=<hex>`, the HMAC-SHA256 of the raw body with the secret, in the
`X-Signature` header: the shops sign the orders they post to `/api/orders` so, and the
show events this server posts to `show_webhook_url` are signed the same way, so one
verifier serves both directions.

Delivery runs in the background (`WebhookSender.send` returns at once): a few attempts
with a timeout each and a doubling pause between them, retried on network errors,
timeouts and 408/425/429/5xx answers. What could not be delivered is logged in one line
(never the secret, the URL's path or the body) and counted on `/metrics`; it never
raises into the caller.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from livecommerce import __version__
from livecommerce.config import Settings
from livecommerce.errors import brief
from livecommerce.metrics import Metrics
from livecommerce.services.retry import Retry, backoff

log = logging.getLogger(__name__)

USER_AGENT = f"livecommerce/{__version__}"
RETRY_STATUSES = frozenset({408, 425, 429})


def signature(secret: str, body: bytes) -> str:
    """The `X-Signature` value of `body` signed with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: Mapping[str, Any]) -> bytes:
    """The body of a payload: compact UTF-8 JSON (the exact bytes that are signed)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DeliveryFailed(Exception):
    """One attempt at a delivery failed; `reason` is a short, secret-free line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unanswered(DeliveryFailed):
    """The receiver could not be reached, timed out, or answered 408/425/429/5xx: another
    attempt may succeed."""


class Refused(DeliveryFailed):
    """The receiver answered with a status that another attempt would not change."""


def _retryable(status: int) -> bool:
    return status >= 500 or status in RETRY_STATUSES


class WebhookSender:
    """Posts signed JSON events to one URL, in the background, with retries.

    `backoff` is the pause before the first retry, doubled before each next one."""

    def __init__(
        self,
        url: str,
        secret: str = "",
        *,
        metrics: Metrics | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 1.0,
    ) -> None:
        self.url = url
        self._secret = secret
        self.metrics = metrics
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._pending: set[asyncio.Task[bool]] = set()

    @classmethod
    def from_settings(cls, settings: Settings, metrics: Metrics | None) -> WebhookSender | None:
        """The sender `show_webhook_*` describe, or None when no URL is set."""
        if not settings.show_webhook_url:
            return None
        return cls(
            settings.show_webhook_url,
            settings.show_webhook_secret,
            metrics=metrics,
            timeout=settings.show_webhook_timeout,
            retries=settings.show_webhook_retries,
        )

    def send(self, event: str, delivery_id: str, payload: Mapping[str, Any]) -> asyncio.Task[bool]:
        """Start delivering `payload` and return at once; the task ends True if the
        receiver took it. `delivery_id` lets a receiver drop a repeated delivery."""
        task = asyncio.get_running_loop().create_task(
            self._guarded(event, delivery_id, encode(payload))
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    async def drain(self) -> None:
        """Wait until every delivery started so far has ended."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def cancel(self) -> None:
        """Give up the deliveries still under way (the server is stopping)."""
        for task in list(self._pending):
            task.cancel()

    async def _guarded(self, event: str, delivery_id: str, body: bytes) -> bool:
        try:
            return await self.deliver(event, delivery_id, body)
        except Exception as error:  # a delivery must never break the job that sent it
            self._failed(event, delivery_id, 0, brief(error))
            return False

    async def deliver(self, event: str, delivery_id: str, body: bytes) -> bool:
        """Post `body` until the receiver answers 2xx, or the attempts run out."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Livecommerce-Event": event,
            "X-Livecommerce-Delivery": delivery_id,
        }
        if self._secret:
            headers["X-Signature"] = signature(self._secret, body)

        def counted(_: Retry) -> None:
            if self.metrics is not None:
                self.metrics.webhook_retries.labels(event=event).inc()

        tried = 0
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        policy = backoff(
            self.backoff, attempts=self.retries + 1, retry_on=Unanswered, on_retry=counted
        )
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async for attempt in policy:
                    with attempt:
                        tried += 1
                        try:
                            await self._post(session, body, headers)
                        except DeliveryFailed as failure:
                            log.debug(
                                "webhook %s %s: attempt %d: %s",
                                event,
                                delivery_id,
                                tried,
                                failure.reason,
                            )
                            raise
        except DeliveryFailed as failure:
            self._failed(event, delivery_id, tried, failure.reason)
            return False
        if self.metrics is not None:
            self.metrics.webhook_deliveries.labels(event=event, outcome="delivered").inc()
        return True

    async def _post(
        self, session: aiohttp.ClientSession, body: bytes, headers: Mapping[str, str]
    ) -> None:
        """One attempt: returns if the receiver took the body, raises `DeliveryFailed`."""
        try:
            async with session.post(
                self.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Unanswered(brief(error)) from None
        if 200 <= status < 300:
            return
        if _retryable(status):
            raise Unanswered(f"HTTP {status}")
        raise Refused(f"HTTP {status}")

    def _failed(self, event: str, delivery_id: str, attempts: int, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.webhook_deliveries.labels(event=event, outcome="failed").inc()
        log.warning(
            "webhook %s %s not delivered (%d attempts): %s", event, delivery_id, attempts, reason
        )
