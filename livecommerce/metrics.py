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
        self.scheduler_leader = Gauge(
            "livecommerce_scheduler_leader",
            "1 while this process leads the cluster's scheduler and runs the show jobs.",
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "livecommerce_event_loop_lag_seconds",
            "How late a timer set to fire every 50 ms ran: the time the event loop was "
            "held by something else (a blocking call, a garbage collection).",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.gc_pause = Histogram(
            "livecommerce_gc_pause_seconds",
            "How long each pass of the cyclic garbage collector paused the process, by "
            "generation (0–2; reclaim: a full pass over what was frozen).",
            ["generation"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=self.registry,
        )
        # The relay
        self.connections = Gauge(
            "livecommerce_chat_connections",
            "Open chat connections, by role.",
            ["role"],
            registry=self.registry,
        )
        self.messages_in = Counter(
            "livecommerce_chat_messages_in",
            "Chat messages accepted, by language.",
            ["lang"],
            registry=self.registry,
        )
        self.messages_out = Counter(
            "livecommerce_chat_frames_out",
            "Chat frames delivered to connections, by language.",
            ["lang"],
            registry=self.registry,
        )
        self.held = Counter(
            "livecommerce_chat_held", "Messages held for review.", registry=self.registry
        )
        self.held_evicted = Counter(
            "livecommerce_chat_held_evicted",
            "Held messages pushed out of a full held queue (per show or per writer), oldest "
            "first; each is in the moderation log as action evict.",
            registry=self.registry,
        )
        self.history_evicted = Counter(
            "livecommerce_chat_history_evicted",
            "Chat messages pushed out of a room's history in memory (chat_history per "
            "language channel), oldest first. They stay in the store: not a loss, but a "
            "resume from before them answers recovered: false.",
            registry=self.registry,
        )
        self.id_reservation_failures = Counter(
            "livecommerce_chat_id_reservation_failures",
            "Failed reservations of a block of chat ids in the database (read-only, "
            "unreachable); tried again with the next message, logged once per run of them.",
            registry=self.registry,
        )
        self.rejected = Counter(
            "livecommerce_chat_rejected",
            "Client frames answered with an error, by code.",
            ["code"],
            registry=self.registry,
        )
        self.socket_writes = Counter(
            "livecommerce_chat_socket_writes",
            "Socket writes to chat connections; frames due together leave in one write.",
            registry=self.registry,
        )
        self.frames_written = Counter(
            "livecommerce_chat_frames_written",
            "Frames of every type written to chat connections.",
            registry=self.registry,
        )
        self.slow_consumers = Counter(
            "livecommerce_chat_slow_consumers",
            "Connections closed with 1013 because they could not keep up.",
            registry=self.registry,
        )
        self.fanout = Histogram(
            "livecommerce_chat_fanout_seconds",
            "Time from receiving a frame to queueing its deliveries to every recipient.",
            buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.mentions = Counter(
            "livecommerce_mentions",
            "Product mentions logged, by source.",
            ["source"],
            registry=self.registry,
        )
        self.write_pending = Gauge(
            "livecommerce_write_pending",
            "Records waiting to be written to the database, by writer.",
            ["writer"],
            registry=self.registry,
        )
        self.write_dropped = Counter(
            "livecommerce_write_dropped",
            "Records dropped because the write buffer was full, by writer.",
            ["writer"],
            registry=self.registry,
        )
        self.write_failures = Counter(
            "livecommerce_write_failures",
            "Failed batch writes (retried), by writer.",
            ["writer"],
            registry=self.registry,
        )

        # Show events posted to show_webhook_url
        self.webhook_deliveries = Counter(
            "livecommerce_webhook_deliveries",
            "Show events posted to the webhook, by event and outcome (delivered, failed).",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.webhook_retries = Counter(
            "livecommerce_webhook_retries",
            "Webhook posts tried again after a failed attempt, by event.",
            ["event"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
