"""Prometheus metrics of one server process, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from livecommerce import __version__


class Metrics:
    """The counters a server keeps; `/metrics` renders them as Prometheus text."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.info = Gauge(
            "livecommerce_info", "Build information.", ["version"], registry=self.registry
        )
        self.info.labels(version=__version__).set(1)
        self.requests = Counter(
            "livecommerce_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "livecommerce_http_request_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            registry=self.registry,
        )
        self.store_up = Gauge(
            "livecommerce_store_up",
            "1 when the database answered the last health check.",
            registry=self.registry,
        )
        self.shows = Gauge("livecommerce_shows", "Shows in the store.", registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
