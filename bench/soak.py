"""Soak benchmark: a cluster of `serve` processes under a steady chat load and a stream of
orders, for minutes, counting every message and every order.

    .venv/bin/python bench/soak.py                 # two processes, 10 minutes
    .venv/bin/python bench/soak.py --quick         # about one minute
    .venv/bin/python bench/soak.py --processes 1   # the same load on one process

It makes a PostgreSQL database of its own on the machine's server (dropped at the end),
migrates and seeds it once, and starts the processes as `make cluster` does (the same
preparation and environment, from `scripts/cluster`): one database, the machine's Redis
under a key prefix of its own (deleted at the end), one token key, seeding off, each on a
port the OS picks, with the relay benchmark's raised limits (`SERVER_ENV` in
bench/relay.py: rate limits, guest joins, connections per IP, send queue).

The load is bench/loadgen.py's, run in this process: 3,000 connections to the show
"khorgos-it-2026-11-20" (`--connections`), handed round robin to the processes, so each
language's two senders and two latency probes sit on different processes and every
message crosses between them; 200 messages/s in (`--rate`), spread over the senders on
every process, in steps of 30 s. The counting viewers read every 0.5 s
(`--read-period`, see READ_PERIOD). Meanwhile a shop posts signed orders to
`POST /api/orders` (5 a second, `--orders-per-second`, round robin over the processes).

It prints, every 30 s, each process's RSS and CPU and the CPU of the generator, Redis,
PostgreSQL, interrupts (loopback networking) and everything else, and at the end:
deliveries/s, latency percentiles (p99), the loss, and the orders. Loss must be 0: every
message was acknowledged; every receiver got as many chat frames as were sent in its
languages; every probe got every message of its language exactly once (by its number);
no client was closed; every acknowledged order is in the store after the processes
stopped. A step after which something is missing for 5 s ends the run (exit status 1);
the soak then stops sending and waits up to 60 s to tell what was late from what was
lost, and says which ("FELL BEHIND" or "LOSS").

Pinning: with at least one core per process plus one for the load generator, each
process gets a core and the generator the next one; with fewer (two processes on a
2-core machine), nothing is pinned and the OS spreads servers, generator, Redis and
PostgreSQL over the cores (`--no-pin` never pins). Every loop is bounded: connect and
drain timeouts, a step count, a hard stop of every child.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.machinery
import importlib.util
import json
import os
import random
import re
import resource
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from loadgen import (
    Config,
    LoadGen,
    percentile,
    proc_cpu_seconds,
    proc_memory_kib,
)
from relay import (
    LANGUAGES,
    ROOT,
    SERVER_ENV,
    STREAM,
    Server,
    _base_env,
    log,
    moderator_tokens,
    wait_for_quiet,
)

SAMPLE_SECONDS = 30.0  # a step of load, and a sample of memory and CPU
DRAIN_SECONDS = 5.0
LATE_SECONDS = 60.0  # after a failed step: how long to wait for what is late
CONNECT_SECONDS = 120.0
# A counting viewer reads every half second (bench/relay.py: every 0.1 s): five times fewer
# recv() calls keep the generator to about a third of a core at 200 msg/s, so it fits on
# a 2-core machine beside two servers. The server's work does not change: what a viewer
# has not read yet waits in its socket buffer (a few KiB). Probes and senders read at once.
READ_PERIOD = 0.5
SHOP = "soak-shop"
NUMBER = re.compile(r" #(\d+) t=")
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"


def load_cluster() -> ModuleType:
    """scripts/cluster as a module: the soak prepares and runs processes as it does."""
    path = ROOT / "scripts" / "cluster"
    loader = importlib.machinery.SourceFileLoader("livecommerce_cluster_script", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


class ClusterLoad(LoadGen):
    """bench/loadgen.py's load over several processes: the CPU of every process in each
    step's figures, each probe's messages checked one by one, and a failed step told
    apart: late (arrived after all), never delivered, or closed clients."""

    def __init__(self, config: Config, pids: list[int]) -> None:
        super().__init__(config)
        self.pids = pids
        self.seen: Counter[int] = Counter()  # message number in the step -> probes that got it
        self.sequence: list[str] = []  # the step's messages' languages, in sending order
        self.all_latencies: list[float] = []

    def _language_sequence(self, count: int) -> list[str]:
        self.sequence = super()._language_sequence(count)
        return self.sequence

    def on_probe_chat(self, payload: bytes) -> None:
        super().on_probe_chat(payload)
        found = NUMBER.search(json.loads(payload)["text"])
        if found:
            self.seen[int(found.group(1))] += 1

    def _answered(self) -> int:
        return sum(c.acks + sum(c.errors.values()) for g in self.senders.values() for c in g)

    async def step(self, rate: int) -> dict[str, Any]:
        self.seen = Counter()
        cpu0 = [proc_cpu_seconds(pid) for pid in self.pids]
        chats0 = {id(c): c.chat for c in self.clients}
        answered0 = self._answered()
        wall0 = time.monotonic()
        result = await super().step(rate)
        elapsed = max(time.monotonic() - wall0, 1e-9)
        cpus = [
            round((proc_cpu_seconds(p) - c) / elapsed, 3)
            for p, c in zip(self.pids, cpu0, strict=True)
        ]
        # The generator counted the first process as "the server", the others as "other".
        result["other_cpu"] = round(max(0.0, result["other_cpu"] - sum(cpus[1:])), 3)
        result["server_cpus"] = cpus
        result["server_cpu"] = round(sum(cpus), 3)

        sent = result["sent"]
        by_lang = Counter(self.sequence[:sent])
        open_clients = [c for c in self.clients if not c.lost]

        def due(client: Any) -> int:
            return sum(by_lang[lang] for lang in client.langs)

        def missing() -> tuple[int, int]:
            frames = sum(max(0, due(c) - (c.chat - chats0[id(c)])) for c in open_clients)
            return frames, sent - (self._answered() - answered0)

        if not result["passed"]:
            # Late or lost? Stop sending, wait (bounded) for what is still on its way.
            before = missing()
            deadline = time.monotonic() + LATE_SECONDS
            while any(missing()) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                open_clients = [c for c in open_clients if not c.lost]
            after = missing()
            result["late_frames"] = before[0] - after[0]
            result["never_delivered"] = after[0]
            result["never_acknowledged"] = after[1]
        closed = [c for c in self.clients if c.lost]
        result["closed_clients"] = dict(Counter(f"{c.kind} {c.closed_with}" for c in closed))

        extra: Counter[str] = Counter()  # frames beyond a client's languages, by kind
        for client in self.clients:
            over = client.chat - chats0[id(client)] - due(client)
            if over > 0:
                extra[client.kind] += over
        result["extra_by_kind"] = dict(extra)
        want = self.config.probes_per_lang
        missed = sum(1 for n in range(sent) if self.seen[n] < want)
        doubled = sum(1 for n in range(sent) if self.seen[n] > want)
        result["probe_missed"], result["probe_doubled"] = missed, doubled
        if "never_delivered" in result:  # a failed step: what is lost, not merely late
            result["lost"] = result["never_delivered"] + result["never_acknowledged"]
            result["lost"] += missed + doubled
        elif missed or doubled:
            result["passed"] = False
            result["lost"] += missed + doubled
            result["reason"] = f"probes: {missed} messages missed, {doubled} received twice"
        self.all_latencies.extend(self.latencies)
        return result


class Orders:
    """A shop posting signed orders at a steady rate, round robin over the processes."""

    def __init__(self, urls: list[str], secret: str, skus: list[str], rate: float) -> None:
        self.urls = urls
        self.secret = secret
        self.skus = skus
        self.rate = rate
        self.run = secrets.token_hex(3)
        self.posted = 0
        self.acked: set[str] = set()
        self.failed: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.rng = random.Random(20261128)

    def order(self, n: int) -> dict[str, Any]:
        lang = self.rng.choice(["kk", "ru", "uz", "ky", "zh"])
        return {
            "id": f"SOAK-{self.run}-{n}",
            "ts": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "sku": self.rng.choice(self.skus),
            "qty": self.rng.randint(1, 3),
            "unit_price": str(self.rng.randrange(5000, 400000, 100)),
            "currency": "KZT",
            "buyer_country": {"kk": "KZ", "ru": "RU", "uz": "UZ", "ky": "KG", "zh": "CN"}[lang],
            "buyer_lang": lang,
            "show": "KIT1120",
        }

    async def post(self, session: Any, n: int) -> None:
        from livecommerce.services.webhooks import encode, signature

        order = self.order(n)
        body = encode(order)
        headers = {
            "Content-Type": "application/json",
            "X-Shop": SHOP,
            "X-Signature": signature(self.secret, body),
        }
        started = time.monotonic()
        try:
            url = self.urls[n % len(self.urls)] + "/api/orders"
            async with session.post(url, data=body, headers=headers) as response:
                answer = await response.json(content_type=None)
                if response.status == 201 and answer.get("ids") == [order["id"]]:
                    self.acked.add(order["id"])
                    self.latencies.append(time.monotonic() - started)
                else:
                    self.failed[f"HTTP {response.status}"] += 1
        except (OSError, TimeoutError, ValueError) as error:
            self.failed[type(error).__name__] += 1

    async def send(self, stop: asyncio.Event) -> None:
        """Post until `stop`; at most 32 at once; then wait (bounded) for the last answers."""
        import aiohttp

        gate = asyncio.Semaphore(32)
        pending: set[asyncio.Task[None]] = set()

        async def one(session: aiohttp.ClientSession, n: int) -> None:
            async with gate:
                await self.post(session, n)

        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            loop = asyncio.get_running_loop()
            start = loop.time()
            while not stop.is_set():
                task = asyncio.create_task(one(session, self.posted))
                pending.add(task)
                task.add_done_callback(pending.discard)
                self.posted += 1
                due = start + self.posted / self.rate
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, due - loop.time()))
            if pending:
                await asyncio.wait(pending, timeout=60)


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine used so far (all cores), and of those the time in
    interrupts (irq, softirq: on loopback, most of the network's cost), from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    busy = sum(fields[:7]) - fields[3] - fields[4]  # less idle and iowait
    return busy / tick, (fields[5] + fields[6]) / tick


def cpu_table() -> dict[int, tuple[str, float]]:
    """Every process's command name and CPU seconds so far, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:
            continue  # gone meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        table[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return table


async def sample(pids: list[int], stop: asyncio.Event, samples: list[dict[str, Any]]) -> None:
    """RSS and CPU of every process, and the CPU of the generator, Redis, PostgreSQL and
    everything else on the machine, every SAMPLE_SECONDS until `stop`."""
    started = time.monotonic()
    last, last_table, last_busy, last_irq = started, cpu_table(), *machine_cpu()
    while True:
        now, table, (busy, irq) = time.monotonic(), cpu_table(), machine_cpu()
        span = max(now - last, 1.0)  # the first sample, at once, has no CPU figures
        used: Counter[str] = Counter()
        servers = [0.0] * len(pids)
        for pid, (name, cpu) in table.items():
            spent = cpu - last_table[pid][1] if pid in last_table else cpu
            if pid in pids:
                servers[pids.index(pid)] = spent
            elif pid == os.getpid():
                used["generator"] += spent
            else:
                used[name] += spent
        redis, postgres = used.pop("redis-server", 0.0), used.pop("postgres", 0.0)
        generator = used.pop("generator", 0.0)
        interrupts = irq - last_irq
        other = (busy - last_busy) - interrupts - sum(servers) - redis - postgres - generator
        other = max(0.0, other)
        entry = {
            "seconds": round(now - started),
            "rss_mib": [round(proc_memory_kib(p).get("VmRSS", 0) / 1024, 1) for p in pids],
            "cpu": [round(c / span, 3) for c in servers],
            "loadgen_cpu": round(generator / span, 3),
            "redis_cpu": round(redis / span, 3),
            "postgres_cpu": round(postgres / span, 3),
            "interrupts_cpu": round(interrupts / span, 3),
            "other_cpu": round(other / span, 3),
            "other_top": {k: round(v / span, 3) for k, v in used.most_common(3) if v / span > 0.01},
        }
        samples.append(entry)
        if entry["seconds"]:
            log(
                f"[soak] {entry['seconds']:>4} s  RSS MiB "
                f"{' / '.join(f'{r:.0f}' for r in entry['rss_mib'])}  CPU "
                f"{' / '.join(f'{c:.0%}' for c in entry['cpu'])}  generator "
                f"{entry['loadgen_cpu']:.0%}  redis {entry['redis_cpu']:.0%}  postgres "
                f"{entry['postgres_cpu']:.0%}  interrupts {entry['interrupts_cpu']:.0%}  "
                f"other {entry['other_cpu']:.0%} "
                f"{entry['other_top']}"
            )
        last, last_table, last_busy, last_irq = now, table, busy, irq
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)
            return


async def run_load(
    args: argparse.Namespace, servers: list[Server], secret: str, shop_secret: str, skus: list[str]
) -> dict[str, Any]:
    steps = max(1, round(args.minutes * 60 / SAMPLE_SECONDS))
    moderators = moderator_tokens(secret)
    config = Config(
        url=servers[0].url,
        urls=[s.url for s in servers[1:]],
        stream=STREAM,
        label=f"{len(servers)} process{'es' if len(servers) > 1 else ''}",
        server_pid=servers[0].pid,
        viewers=args.connections - len(moderators),
        languages=LANGUAGES,
        moderators=moderators,
        rates=[args.rate] * steps,
        step_seconds=SAMPLE_SECONDS,
        drain_seconds=DRAIN_SECONDS,
        budget_seconds=CONNECT_SECONDS + steps * (SAMPLE_SECONDS + DRAIN_SECONDS + 1.0),
        connect_seconds=CONNECT_SECONDS,
        p99_limit_ms=1e9,  # a soak is not a ladder: latency is reported, loss stops it
        cpu=None,
        retries=0,
        read_period=args.read_period,
    )
    pids = [s.pid for s in servers]
    gen = ClusterLoad(config, pids)
    orders = Orders([s.url for s in servers], shop_secret, skus, args.orders_per_second)
    stop = asyncio.Event()
    samples: list[dict[str, Any]] = []
    sampler = asyncio.create_task(sample(pids, stop, samples))
    sender = asyncio.create_task(orders.send(stop))
    started = time.monotonic()
    try:
        result = await gen.run()
    finally:
        stop.set()
    seconds = time.monotonic() - started
    await asyncio.gather(sampler, sender)
    senders = [c for group in gen.senders.values() for c in group]
    return {
        "load": result,
        "acknowledged": sum(c.acks for c in senders),
        "refused": sum(sum(c.errors.values()) for c in senders),
        "seconds": round(seconds, 1),
        "latencies": gen.all_latencies,
        "samples": samples,
        "orders": orders,
    }


def stored_orders(url: str, since: datetime) -> set[str]:
    from livecommerce.app import open_store

    async def read() -> set[str]:
        store = open_store(url)
        await store.start()
        try:
            return {o.id for o in await store.orders(since=since)}
        finally:
            await store.close()

    return asyncio.run(read())


def product_skus(url: str) -> list[str]:
    from livecommerce.app import open_store

    async def read() -> list[str]:
        store = open_store(url)
        await store.start()
        try:
            return [p.sku for p in await store.products()]
        finally:
            await store.close()

    return asyncio.run(read())


async def drop(database_server: str, name: str, redis_url: str, prefix: str) -> None:
    """Remove what the run made: its database and its Redis keys."""
    import asyncpg
    import redis.asyncio as aioredis

    with contextlib.suppress(OSError, asyncpg.PostgresError):
        admin = await asyncpg.connect(f"{database_server}/postgres", timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    client = aioredis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for n in range(0, len(keys), 1000):
            await client.delete(*keys[n : n + 1000])
    finally:
        await client.aclose()


def pinning(processes: int, allowed: bool) -> tuple[list[int | None], int | None]:
    """(a core per server, the generator's core), or nothing pinned when the machine has
    fewer cores than processes plus the generator."""
    cores = sorted(os.sched_getaffinity(0))
    if not allowed or len(cores) < processes + 1:
        return [None] * processes, None
    return list(cores[:processes]), cores[processes]


def report(args: argparse.Namespace, outcome: dict[str, Any], stored: set[str]) -> dict[str, Any]:
    """The figures of the run, printed and returned."""
    load = outcome["load"]
    steps = load["steps"]
    orders: Orders = outcome["orders"]
    latencies = outcome["latencies"]
    sent = sum(s["sent"] for s in steps)
    expected = sum(s["expected_deliveries"] for s in steps)
    received = sum(s["received"] for s in steps)
    lost = sum(s["lost"] for s in steps)
    missing_orders = sorted(orders.acked - stored)
    samples = outcome["samples"]
    step_seconds = sum(s["send_seconds"] for s in steps) or 1e-9
    summary = {
        "processes": args.processes,
        "connections": sum(load["clients"].values()),
        "clients": load["clients"],
        "connect_seconds": load["connect_seconds"],
        "rate": args.rate,
        "steps": len(steps),
        "stopped": load["stopped"],
        "sent": sent,
        "acknowledged": outcome["acknowledged"],
        "refused": outcome["refused"],
        "deliveries_expected": expected,
        "deliveries_received": received,
        "deliveries_per_s": round(received / step_seconds, 1),
        "lost": lost,
        "late_frames": sum(s.get("late_frames", 0) for s in steps),
        "never_delivered": sum(s.get("never_delivered", 0) for s in steps),
        "never_acknowledged": sum(s.get("never_acknowledged", 0) for s in steps),
        "closed_clients": steps[-1]["closed_clients"] if steps else {},
        "fell_behind": any(not s["passed"] for s in steps),
        "probe_missed": sum(s.get("probe_missed", 0) for s in steps),
        "extra_by_kind": dict(sum((Counter(s["extra_by_kind"]) for s in steps), Counter())),
        "probe_doubled": sum(s.get("probe_doubled", 0) for s in steps),
        "latency_ms": {
            "samples": len(latencies),
            **{
                name: round(value * 1000, 1) if value is not None else None
                for name, value in (
                    ("p50", percentile(latencies, 0.50)),
                    ("p90", percentile(latencies, 0.90)),
                    ("p99", percentile(latencies, 0.99)),
                    ("p999", percentile(latencies, 0.999)),
                    ("max", max(latencies) if latencies else None),
                )
            },
        },
        "orders": {
            "posted": orders.posted,
            "acknowledged": len(orders.acked),
            "failed": dict(orders.failed),
            "stored": len(orders.acked & stored),
            "lost": len(missing_orders),
            "missing": missing_orders[:20],
            "p99_ms": round((percentile(orders.latencies, 0.99) or 0) * 1000, 1),
        },
        "samples": samples,
        "server_cpu_mean": [
            round(sum(s["server_cpus"][i] for s in steps) / max(len(steps), 1), 3)
            for i in range(args.processes)
        ]
        if steps
        else [],
    }
    lat = summary["latency_ms"]
    names = [chr(65 + i) for i in range(args.processes)]
    clients = ", ".join(f"{v} {k}s" for k, v in load["clients"].items())
    print()
    print(
        f"soak: {args.processes} process(es), {summary['connections']:,} connections "
        f"({clients}), connected in {load['connect_seconds']} s; {args.rate} msg/s in for "
        f"{len(steps)} steps of {SAMPLE_SECONDS:g} s; {args.orders_per_second:g} orders/s"
    )
    print()
    print(
        f"{'step':>5}{'msg/s':>7}{'deliv/s':>9}{'p50':>7}{'p90':>7}{'p99':>7}{'max':>7}"
        f"{'lost':>6}" + "".join(f"{'cpu ' + n:>7}" for n in names)
    )
    for n, step in enumerate(steps, 1):
        probe = step["latency_ms"]
        print(
            f"{n:>5}{step['achieved_rate']:>7.0f}{step['deliveries_per_s']:>9,.0f}"
            f"{_ms(probe['p50']):>7}{_ms(probe['p90']):>7}{_ms(probe['p99']):>7}"
            f"{_ms(probe['max']):>7}{step['lost']:>6}"
            + "".join(f"{c:>7.0%}" for c in step["server_cpus"])
        )
    print()
    print(
        f"{'time':>6}"
        + "".join(f"{'RSS ' + n:>8}" for n in names)
        + "".join(f"{'cpu ' + n:>7}" for n in names)
        + f"{'gen':>6}{'redis':>7}{'pg':>6}{'irq':>6}{'other':>7}"
    )
    for entry in samples:
        print(
            f"{entry['seconds']:>5}s"
            + "".join(f"{r:>8.0f}" for r in entry["rss_mib"])
            + "".join(f"{c:>7.0%}" for c in entry["cpu"])
            + f"{entry['loadgen_cpu']:>6.0%}{entry['redis_cpu']:>7.0%}"
            + f"{entry['postgres_cpu']:>6.0%}{entry['interrupts_cpu']:>6.0%}"
            + f"{entry['other_cpu']:>7.0%}  "
            + ", ".join(f"{k} {v:.0%}" for k, v in entry["other_top"].items())
        )
    print("(RSS in MiB; CPU in cores over the step or since the previous sample)")
    print()
    print(
        f"deliveries/s {summary['deliveries_per_s']:,.0f}; latency p50 {_ms(lat['p50'])} "
        f"p90 {_ms(lat['p90'])} p99 {_ms(lat['p99'])} p99.9 {_ms(lat['p999'])} "
        f"max {_ms(lat['max'])} ms ({lat['samples']:,} probe samples)"
    )
    print(
        f"chat: {sent:,} messages sent, {summary['acknowledged']:,} acknowledged, "
        f"{summary['refused']} refused; {expected:,} deliveries expected, {received:,} "
        f"received in time; lost {lost} (probes: {summary['probe_missed']} missed, "
        f"{summary['probe_doubled']} twice); {load['stopped']}"
    )
    if summary["fell_behind"]:
        print(
            f"it fell behind: after the load stopped, {summary['late_frames']:,} late frames "
            f"still arrived (within {LATE_SECONDS:g} s); never delivered "
            f"{summary['never_delivered']:,}, never acknowledged "
            f"{summary['never_acknowledged']:,}; clients closed: {summary['closed_clients'] or 0}"
        )
    if summary["extra_by_kind"]:
        extra = summary["extra_by_kind"]
        print(f"more frames than their languages had, by kind of client: {extra}")
    o = summary["orders"]
    print(
        f"orders: {o['posted']:,} posted, {o['acknowledged']:,} acknowledged, "
        f"{o['stored']:,} of them in the store, lost {o['lost']}"
        f"{', failed: ' + str(o['failed']) if o['failed'] else ''}; webhook p99 {o['p99_ms']} ms"
    )
    for i, name in enumerate(names):
        series = [entry["rss_mib"][i] for entry in samples]
        if series:
            print(
                f"process {name}: RSS {series[0]:.0f} MiB before the clients, peak "
                f"{max(series):.0f}, last {series[-1]:.0f}; mean CPU "
                f"{summary['server_cpu_mean'][i]:.0%} of a core"
            )
    return summary


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Soak a livecommerce cluster.")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--quick", action="store_true", help="one minute")
    parser.add_argument("--processes", type=int, default=2, help="serve processes (default 2)")
    parser.add_argument("--connections", type=int, default=3000, help="default 3000")
    parser.add_argument("--rate", type=int, default=200, help="chat messages/s in (default 200)")
    parser.add_argument(
        "--orders-per-second", type=float, default=5.0, help="orders posted per second (5)"
    )
    parser.add_argument("--no-pin", action="store_true", help="never pin to cores")
    parser.add_argument(
        "--read-period",
        type=float,
        default=READ_PERIOD,
        help=f"seconds between two reads of a counting viewer (default {READ_PERIOD:g})",
    )
    parser.add_argument(
        "--database-server", default=PG_SERVER, help=f"PostgreSQL server (default {PG_SERVER})"
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"Redis (default {REDIS_URL})")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.minutes = 1.0
    if not 1 <= args.processes <= 8:
        parser.error("--processes must be from 1 to 8")
    if not 0.5 <= args.minutes <= 120:
        parser.error("--minutes must be from 0.5 to 120")
    if not 100 <= args.connections <= 20000:
        parser.error("--connections must be from 100 to 20000")
    if not 1 <= args.rate <= 5000:
        parser.error("--rate must be from 1 to 5000")
    if not 0.1 <= args.orders_per_second <= 500:
        parser.error("--orders-per-second must be from 0.1 to 500")
    # A stop signal unwinds like Ctrl-C, so the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, min(hard, args.connections + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    cluster = load_cluster()
    run_id = secrets.token_hex(4)
    name = f"livecommerce_soak_{run_id}"
    prefix = f"soak-{run_id}"
    secret, shop_secret = secrets.token_hex(32), secrets.token_hex(16)
    server_cores, loadgen_core = pinning(args.processes, not args.no_pin)
    from livecommerce.config import Settings

    started = time.monotonic()
    failed = False
    with tempfile.TemporaryDirectory(prefix="livecommerce-soak-") as tmp:
        workdir = Path(tmp)
        settings = Settings(
            host="127.0.0.1",
            database_url=f"{args.database_server}/{name}",
            redis_url=args.redis_url,
            redis_prefix=prefix,
            data_dir=workdir / "var",
            seeds_dir=ROOT / "seeds",
            secret=secret,
        )
        servers: list[Server] = []
        try:
            try:
                asyncio.run(cluster.check_redis(args.redis_url))
                asyncio.run(cluster.ensure_database(settings.database_url))
            except cluster.ClusterError as error:
                raise SystemExit(f"soak: {error}") from None
            log(f"[soak] database {name}, Redis prefix {prefix}: migrating and seeding …")
            asyncio.run(cluster.prepare_store(settings))
            skus = product_skus(settings.database_url)
            env = cluster.serve_env(settings, 0, base=_base_env())
            env.update(SERVER_ENV)
            env.update(
                {
                    "LIVECOMMERCE_LOCALE": "en",
                    "LIVECOMMERCE_CHAT_OPENING_HOURS": "false",
                    "LIVECOMMERCE_LOG_LEVEL": "warning",
                    "LIVECOMMERCE_SHOP_SECRETS": f"{SHOP}={shop_secret}",
                }
            )
            for n in range(args.processes):
                argv = [sys.executable, "-m", "livecommerce", "serve"]
                server = Server(f"process-{chr(65 + n)}", argv, env, workdir)
                servers.append(server)
                server.start(server_cores[n], timeout=CONNECT_SECONDS)
                log(
                    f"[soak] process {chr(65 + n)}: {server.url} (pid {server.pid}, "
                    f"core {server_cores[n]})"
                )
            if loadgen_core is not None:
                os.sched_setaffinity(0, {loadgen_core})
            log(
                "[soak] pinned: "
                + (
                    f"servers on cores {server_cores}, generator on core {loadgen_core}"
                    if loadgen_core is not None
                    else f"nothing ({len(os.sched_getaffinity(0))} cores for {args.processes} "
                    "processes, the generator, Redis and PostgreSQL)"
                )
            )
            wait_for_quiet(3.0 if args.quick else 20.0)
            since = datetime.now(UTC) - timedelta(minutes=5)
            # The generator's own collector off while it measures (as bench/loadgen.py).
            gc.disable()
            try:
                outcome = asyncio.run(run_load(args, servers, secret, shop_secret, skus))
            finally:
                gc.enable()
            for server in servers:
                server.stop(timeout=60)
            stored = stored_orders(settings.database_url, since)
            summary = report(args, outcome, stored)
            lost = summary["lost"] or summary["orders"]["lost"] or summary["closed_clients"]
            verdict = (
                "LOSS" if lost else "FELL BEHIND" if summary["fell_behind"] else "nothing lost"
            )
            failed = verdict != "nothing lost"
            elapsed = time.monotonic() - started
            print(
                f"\n{elapsed:.0f} s in all; pinned: "
                + (
                    f"servers {server_cores}, generator {loadgen_core}"
                    if loadgen_core is not None
                    else "nothing"
                )
                + f"; {os.cpu_count()} cores; verdict: {verdict}"
            )
            if args.json:
                summary["args"] = {
                    k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                }
                summary["server_env"] = SERVER_ENV
                summary["steps_detail"] = outcome["load"]["steps"]
                args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        except KeyboardInterrupt:
            raise SystemExit("interrupted: the servers are stopped") from None
        finally:
            for server in servers:
                server.stop()
            asyncio.run(drop(args.database_server, name, args.redis_url, prefix))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
