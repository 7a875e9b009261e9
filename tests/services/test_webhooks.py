"""Outgoing webhooks against a real receiver on a loopback port: signed bodies, retries,
timeouts and dead receivers (logged once, counted, never raised)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import replace

import pytest

from livecommerce.config import Settings
from livecommerce.metrics import Metrics
from livecommerce.services.webhooks import WebhookSender, encode, signature
from livecommerce.web import orders
from tests.helpers.receiver import receiving, unreachable_url

SECRET = "s3cret-" + "x" * 40
PAYLOAD = {"event": "reminder", "title": "Қорғастан IT-жұма", "zh": "霍尔果斯", "n": 1}


def _count(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(f"livecommerce_{name}_total", labels) or 0.0


def _sender(url: str, metrics: Metrics, **options: float) -> WebhookSender:
    settings: dict[str, float] = {"timeout": 5.0, "retries": 3, "backoff": 0.01} | options
    return WebhookSender(
        url,
        SECRET,
        metrics=metrics,
        timeout=settings["timeout"],
        retries=int(settings["retries"]),
        backoff=settings["backoff"],
    )


def test_the_signature_is_the_one_the_orders_endpoint_verifies() -> None:
    body = encode(PAYLOAD)
    want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature(SECRET, body) == want
    assert orders.signature is signature  # one helper for both directions
    assert json.loads(body) == PAYLOAD
    assert "Қорғастан".encode() in body  # UTF-8 as is, not \\u escapes


async def test_a_delivery_is_signed_json_with_its_event_and_id() -> None:
    metrics = Metrics()
    async with receiving() as receiver:
        sender = _sender(receiver.url, metrics)
        assert await sender.send("reminder", "show-x-remind-1h", PAYLOAD) is True
        [got] = await receiver.wait_for(1)
    assert json.loads(got.body) == PAYLOAD
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.headers["X-Livecommerce-Event"] == "reminder"
    assert got.headers["X-Livecommerce-Delivery"] == "show-x-remind-1h"
    given = got.headers["X-Signature"].encode()
    assert hmac.compare_digest(signature(SECRET, got.body).encode(), given)
    assert not hmac.compare_digest(signature("another-" + SECRET, got.body).encode(), given)
    assert _count(metrics, "webhook_deliveries", event="reminder", outcome="delivered") == 1
    assert _count(metrics, "webhook_retries", event="reminder") == 0


async def test_without_a_secret_the_body_goes_unsigned() -> None:
    async with receiving() as receiver:
        sender = WebhookSender(receiver.url, "", backoff=0.01)
        assert await sender.send("live", "show-x-live", PAYLOAD) is True
        [got] = await receiver.wait_for(1)
    assert "X-Signature" not in got.headers


async def test_a_500_is_tried_again_with_the_same_body() -> None:
    metrics = Metrics()
    async with receiving([500, 503]) as receiver:
        sender = _sender(receiver.url, metrics)
        assert await sender.send("reminder", "show-x-remind-10m", PAYLOAD) is True
        got = await receiver.wait_for(3)
    assert len(got) == 3
    assert {r.body for r in got} == {encode(PAYLOAD)}
    assert {r.headers["X-Signature"] for r in got} == {signature(SECRET, encode(PAYLOAD))}
    assert _count(metrics, "webhook_retries", event="reminder") == 2
    assert _count(metrics, "webhook_deliveries", event="reminder", outcome="delivered") == 1
    assert _count(metrics, "webhook_deliveries", event="reminder", outcome="failed") == 0


async def test_a_refusal_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    async with receiving([400, 200]) as receiver:
        sender = _sender(receiver.url, metrics)
        with caplog.at_level(logging.WARNING, logger="livecommerce.services.webhooks"):
            assert await sender.send("closed", "show-x-close", PAYLOAD) is False
        assert len(receiver.received) == 1
    assert _count(metrics, "webhook_deliveries", event="closed", outcome="failed") == 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "livecommerce.services.webhooks"]
    assert "HTTP 400" in line
    assert "show-x-close" in line


async def test_retries_run_out_on_a_receiver_that_keeps_failing() -> None:
    metrics = Metrics()
    async with receiving([500, 500, 500]) as receiver:
        sender = _sender(receiver.url, metrics, retries=2)
        assert await sender.send("reminder", "show-x-remind-24h", PAYLOAD) is False
        assert len(receiver.received) == 3  # the first try and two retries
    assert _count(metrics, "webhook_deliveries", event="reminder", outcome="failed") == 1
    assert _count(metrics, "webhook_retries", event="reminder") == 2


async def test_an_unreachable_receiver_is_logged_once_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    url = unreachable_url() + "?token=" + SECRET  # even a secret in the URL stays out
    sender = _sender(url, metrics, retries=2)
    with caplog.at_level(logging.DEBUG, logger="livecommerce.services.webhooks"):
        task = sender.send("reminder", "show-x-remind-1h", PAYLOAD)
        await sender.drain()
    assert task.result() is False
    assert _count(metrics, "webhook_deliveries", event="reminder", outcome="failed") == 1
    assert _count(metrics, "webhook_retries", event="reminder") == 2
    warnings = [
        r
        for r in caplog.records
        if r.name == "livecommerce.services.webhooks" and r.levelno >= logging.WARNING
    ]
    assert len(warnings) == 1
    assert "(3 attempts)" in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert SECRET not in caplog.text
    assert "token" not in caplog.text


async def test_a_receiver_that_hangs_times_out() -> None:
    metrics = Metrics()
    async with receiving(delay=2.0) as receiver:
        sender = _sender(receiver.url, metrics, timeout=0.2, retries=0)
        assert await sender.send("live", "show-x-live", PAYLOAD) is False
    assert _count(metrics, "webhook_deliveries", event="live", outcome="failed") == 1


async def test_cancel_stops_deliveries_under_way() -> None:
    async with receiving(delay=2.0) as receiver:
        sender = _sender(receiver.url, Metrics(), timeout=5.0)
        task = sender.send("live", "show-x-live", PAYLOAD)
        await receiver.wait_for(1)
        sender.cancel()
        await sender.drain()
    assert task.cancelled()


def test_the_sender_follows_the_settings(settings: Settings) -> None:
    assert WebhookSender.from_settings(settings, Metrics()) is None
    configured = replace(
        settings,
        show_webhook_url="https://hooks.example.net/shows",
        show_webhook_secret=SECRET,
        show_webhook_timeout=7.0,
        show_webhook_retries=5,
    )
    sender = WebhookSender.from_settings(configured, Metrics())
    assert sender is not None
    assert (sender.url, sender.timeout, sender.retries) == (
        "https://hooks.example.net/shows",
        7.0,
        5,
    )
