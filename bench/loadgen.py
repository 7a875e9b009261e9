"""The benchmark's load generator: many chat clients in one process on its own core.

Run by `bench/relay.py` as `python bench/loadgen.py CONFIG_JSON`; it prints progress on
stderr and one JSON result on stdout. Every client speaks the websocket protocol on a
raw `asyncio.Protocol`, so that the generator is cheap per frame:

- counting receivers do the upgrade and only walk the frame headers in the byte stream,
  counting chat frames (a prefix check) and answering pings;
- probes do the same but decode each chat frame and take its latency from the send time
  written into the message text (`t=<monotonic seconds>`, same process, same clock);
- senders write pre-built masked frames (a zero mask: legal, and no XOR per byte), count
  the `ack` and `error` frames they get back, and take each ack's latency from the send
  time of the message its `ref` names (what an ack costs: livecommerce acks after the
  database commit, the reference relays at once).

A step sends `rate` messages/s for `step_seconds`, spread over the languages as the
audience is, then waits (bounded) until every receiver has every frame it should get.
A step passes when nothing is lost (every expected frame arrived, every message was
acknowledged, no client was closed) and p99 latency is under the limit. The stepping
stops at the first failing step or when the time budget is spent.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import heapq
import json
import math
import os
import random
import resource
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

CHAT_PREFIX = b'{"type":"chat"'
ACK_PREFIX = b'{"type":"ack"'
ERROR_PREFIX = b'{"type":"error"'

# One line per language that the relay's language identification keeps in that
# language (checked against livecommerce.core.langid): a buyer asking price and delivery.
SAMPLES = {
    "kk": "Бұл ноутбуктың бағасы қанша? Алматыға жеткізу бар ма?",
    "ru": "Сколько стоит этот ноутбук? Есть доставка в Москву?",
    "uz": "Bu noutbuk qancha turadi? Toshkentga yetkazib berasizmi?",
    "ky": "Бул ноутбуктун баасы канча? Бишкекке жеткирүү барбы?",
    "zh": "这台笔记本电脑多少钱？可以寄到乌鲁木齐吗？",
    "ug": "بۇ خاتىرە كومپيۇتېر قانچە پۇل؟ ئۈرۈمچىگە يەتكۈزۈپ بېرەمسىز؟",
    "en": "How much is this laptop? Do you ship to Almaty?",
}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A masked client frame with an all-zero mask key (the payload stays as it is)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    return header + b"\x00\x00\x00\x00" + payload


CLOSE_FRAME = client_frame(struct.pack("!H", 1000), opcode=0x8)


class Client(asyncio.Protocol):
    """One websocket client on a raw protocol: upgrade, then walk the frames."""

    def __init__(self, gen: LoadGen, kind: str, langs: frozenset[str], target: str) -> None:
        self.gen = gen
        self.kind = kind  # viewer | probe | sender | moderator
        self.langs = langs
        self.target = target  # request target: path and query
        self.headers: list[str] = []
        self.transport: asyncio.Transport | None = None
        self.upgraded = asyncio.get_running_loop().create_future()
        self.helloed = False
        self.greeted = asyncio.get_running_loop().create_future()  # True at `hello`
        self.handshake = b""
        self.buffer = b""
        self.chat = 0
        self.other = 0
        self.acks = 0
        self.errors: dict[str, int] = {}
        self.closed_with: int | None = None
        self.lost = False
        # When its connection was opened and when its `hello` came (the joiners' figure).
        self.opened_at = 0.0
        self.hello_at = 0.0
        # Counting receivers read at most once per `LoadGen.read_period`: frames gather in
        # the socket buffer and one recv takes them all (the syscall, not the parsing, is
        # what costs the generator). Probes and senders read at once, for exact latency.
        self.throttled = kind in ("viewer", "moderator", "joiner")

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.target} HTTP/1.1",
            f"Host: {self.gen.host}:{self.gen.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *self.headers,
            "",
            "",
        ]
        transport.write("\r\n".join(lines).encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.greeted.done():
            self.greeted.set_result(False)
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("closed before the upgrade"))
        self.gen.on_lost(self)

    def data_received(self, data: bytes) -> None:
        if not self.upgraded.done():
            self.handshake += data
            head, sep, rest = self.handshake.partition(b"\r\n\r\n")
            if not sep:
                return
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                if self.transport is not None:
                    self.transport.close()
                return
            self.upgraded.set_result(None)
            self.handshake = b""
            data = rest
            if not data:
                return
        buf = self.buffer + data if self.buffer else data
        size = len(buf)
        i = 0
        while size - i >= 2:
            length = buf[i + 1] & 0x7F
            if length < 126:
                start = i + 2
            elif length == 126:
                if size - i < 4:
                    break
                length = (buf[i + 2] << 8) | buf[i + 3]
                start = i + 4
            else:
                if size - i < 10:
                    break
                length = int.from_bytes(buf[i + 2 : i + 10], "big")
                start = i + 10
            end = start + length
            if end > size:
                break
            opcode = buf[i] & 0x0F
            if opcode == 0x1:
                if buf.startswith(CHAT_PREFIX, start):
                    self.chat += 1
                    if self.kind == "probe":
                        self.gen.on_probe_chat(buf[start:end])
                elif not self.helloed:
                    self.helloed = True
                    self.hello_at = time.monotonic()
                    if not self.greeted.done():
                        self.greeted.set_result(True)
                    self.gen.on_hello(self)
                elif buf.startswith(ACK_PREFIX, start):
                    self.acks += 1
                    self.gen.on_ack(buf[start:end])
                elif buf.startswith(ERROR_PREFIX, start):
                    code = str(json.loads(buf[start:end]).get("code"))
                    self.errors[code] = self.errors.get(code, 0) + 1
                else:
                    self.other += 1
            elif opcode == 0x9 and self.transport is not None:  # ping: pong, same payload
                self.transport.write(client_frame(buf[start:end], opcode=0xA))
            elif opcode == 0x8:
                self.closed_with = (buf[start] << 8) | buf[start + 1] if length >= 2 else 1005
            i = end
        self.buffer = buf[i:] if i < size else b""
        if (
            self.throttled
            and self.helloed  # the first reads at once: the `hello` is timed
            and self.transport is not None
            and not self.transport.is_closing()
        ):
            self.transport.pause_reading()
            self.gen.pause(self)

    # -- sending -----------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(payload))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(CLOSE_FRAME)
            self.transport.close()


@dataclass
class Config:
    url: str
    stream: str
    label: str
    server_pid: int
    viewers: int
    languages: dict[str, float]
    # More servers of one cluster (bench/soak.py): the clients, in the order `plan` lists
    # them, go round robin to `url` and these, so each language's senders and probes are
    # spread over the processes.
    urls: list[str] = field(default_factory=list)
    bilingual: float = 0.05  # share of kk viewers who read kk and ru
    senders_per_lang: int = 2
    probes_per_lang: int = 2
    moderators: list[dict[str, Any]] = field(default_factory=list)
    rates: list[int] = field(default_factory=lambda: [25, 50, 100, 200, 400])
    step_seconds: float = 8.0
    drain_seconds: float = 3.0
    budget_seconds: float = 120.0
    connect_seconds: float = 90.0
    p99_limit_ms: float = 250.0
    cpu: int | None = 1
    read_period: float = 0.1  # seconds between reads of a counting receiver
    retries: int = 3  # steps measured again when other processes took the CPU
    # After the steps: `join` more viewers connect while a step of `join_rate` msg/s runs
    # (each one's time from opening its connection to its `hello` is measured).
    join: int = 0
    join_rate: int = 100
    join_seconds: float = 30.0
    quiet_seconds: float = 20.0  # how long to wait for a quiet machine before a retry
    seed: int = 20261120


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and all its threads, from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_wait_seconds(pid: int) -> float:
    """Seconds the process's threads spent runnable but waiting for a CPU (schedstat)."""
    total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as handle:
                total += int(handle.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every process of the machine has used (all cores), from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait; steal (field 8) is not ours to count
    return (sum(fields[:7]) - idle) / os.sysconf("SC_CLK_TCK")


def proc_cpus(pid: int) -> str:
    """The cores a process may run on (Cpus_allowed_list), to check the pinning."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("Cpus_allowed_list:"):
                return line.split(":", 1)[1].strip()
    return "?"


def proc_memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak resident) of a process, in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


LAG_METRIC = "livecommerce_event_loop_lag_seconds"
STALL_BOUND = "0.05"  # a loop stall: a timer more than 50 ms late (a histogram bucket)


async def loop_stalls(host: str, port: int) -> tuple[float, float] | None:
    """From the server's /metrics: how many loop-lag samples it took, and how many were
    later than 50 ms; None for a server without the metric (the reference relays)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, TimeoutError):
        return None
    try:
        writer.write(f"GET /metrics HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        body = (await asyncio.wait_for(reader.read(), 5)).decode(errors="replace")
    except (OSError, TimeoutError):
        return None
    finally:
        writer.close()
    count = within = None
    for line in body.splitlines():
        if line.startswith(f"{LAG_METRIC}_count "):
            count = float(line.split()[-1])
        elif line.startswith(f'{LAG_METRIC}_bucket{{le="{STALL_BOUND}"}} '):
            within = float(line.split()[-1])
    if count is None or within is None:
        return None
    return count, count - within


class LoadGen:
    def __init__(self, config: Config) -> None:
        self.config = config
        parts = urlsplit(config.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.clients: list[Client] = []
        self.senders: dict[str, list[Client]] = {}
        self.latencies: list[float] = []
        # Send times by `ref` (unique over the run), and the acks' latencies of this step.
        self.sent_at: dict[str, float] = {}
        self.refs = 0
        self.ack_latencies: list[float] = []
        self.hellos = 0
        self.hello_event = asyncio.Event()
        self.lost_clients: list[Client] = []
        self.rng = random.Random(config.seed)
        # Paused receivers by when they may read again; a random phase keeps them from
        # all reading in the same loop iteration.
        self.paused: list[tuple[float, int, Client]] = []
        self.pauses = 0
        self.read_period = config.read_period
        self.joiners: list[Client] = []

    # -- callbacks from clients --------------------------------------------------------

    def on_hello(self, client: Client) -> None:
        self.hellos += 1
        if self.hellos >= len(self.clients):
            self.hello_event.set()

    def on_lost(self, client: Client) -> None:
        self.lost_clients.append(client)

    def on_ack(self, payload: bytes) -> None:
        received = time.monotonic()
        sent = self.sent_at.pop(str(json.loads(payload).get("ref")), None)
        if sent is not None:
            self.ack_latencies.append(received - sent)

    def on_probe_chat(self, payload: bytes) -> None:
        received = time.monotonic()
        text = json.loads(payload)["text"]
        _, sep, stamp = text.rpartition(" t=")
        if sep:
            self.latencies.append(received - float(stamp))

    # -- building the audience ---------------------------------------------------------

    def _target(self, langs: list[str], name: str | None = None, token: str | None = None) -> str:
        query = [f"lang={quote(','.join(langs))}"] if langs else []
        if name:
            query.append(f"name={quote(name)}")
        if token:
            query.append(f"token={quote(token)}")
        return f"/ws/streams/{quote(self.config.stream)}?{'&'.join(query)}"

    def viewers(self, count: int, kind: str = "viewer", first: int = 0) -> list[Client]:
        """`count` counting receivers spread over the languages by the audience's weights
        (a share of the Kazakh ones reading Russian too)."""
        config = self.config
        langs = list(config.languages)
        total = sum(config.languages.values())
        counts = {lang: int(count * weight / total) for lang, weight in config.languages.items()}
        for lang in sorted(langs, key=lambda lang: -config.languages[lang]):
            if sum(counts.values()) >= count:
                break
            counts[lang] += 1
        made: list[Client] = []
        n = first
        for lang, many in counts.items():
            bilingual = int(many * config.bilingual) if lang == "kk" and "ru" in langs else 0
            for i in range(many):
                read = [lang, "ru"] if i < bilingual else [lang]
                made.append(Client(self, kind, frozenset(read), self._target(read, f"v-{n}")))
                n += 1
        return made

    def plan(self) -> None:
        """Who connects: senders and probes per language, moderators, then the viewers,
        spread over the languages by the audience's weights."""
        config = self.config
        langs = list(config.languages)
        for lang in langs:
            for n in range(config.senders_per_lang):
                client = Client(
                    self, "sender", frozenset({lang}), self._target([lang], f"s-{lang}-{n}")
                )
                self.senders.setdefault(lang, []).append(client)
                self.clients.append(client)
            for n in range(config.probes_per_lang):
                self.clients.append(
                    Client(self, "probe", frozenset({lang}), self._target([lang], f"p-{lang}-{n}"))
                )
        for n, moderator in enumerate(config.moderators):
            mod_langs = list(moderator["langs"])
            token = moderator.get("token")
            # The real relay knows a moderator's languages from the token; the reference
            # relay only from `lang`.
            target = self._target([], None, token) if token else self._target(mod_langs, f"m-{n}")
            self.clients.append(Client(self, "moderator", frozenset(mod_langs), target))
        rest = max(0, config.viewers - len(self.clients) + len(config.moderators))
        self.clients += self.viewers(rest)

    async def connect(self) -> float:
        """Open every client (64 at a time) and wait for every `hello`; seconds taken."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        gate = asyncio.Semaphore(64)
        servers = [(self.host, self.port)]
        for other in map(urlsplit, self.config.urls):
            servers.append((other.hostname or self.host, other.port or 80))

        async def open_one(n: int, client: Client) -> None:
            host, port = servers[n % len(servers)]
            async with gate:
                await loop.create_connection(lambda: client, host, port)
                await asyncio.wait_for(asyncio.shield(client.upgraded), 15)

        async with asyncio.timeout(self.config.connect_seconds):
            await asyncio.gather(*(open_one(n, c) for n, c in enumerate(self.clients)))
            await self.hello_event.wait()
        return time.monotonic() - started

    async def join(self) -> dict[str, Any]:
        """`join` more viewers arrive, evenly over the first five sixths of `join_seconds`,
        while a step of `join_rate` msg/s runs for the audience already there: how long
        until all are in, each one's time from opening its connection to its `hello`, and
        the server's memory per connection."""
        config = self.config
        loop = asyncio.get_running_loop()
        joiners = self.viewers(config.join, kind="joiner", first=len(self.clients))
        memory_before = proc_memory_kib(config.server_pid)
        arrivals = config.join / (config.join_seconds * 5 / 6)  # a second
        failures: dict[str, int] = {}

        async def open_one(n: int, client: Client) -> None:
            await asyncio.sleep(max(0.0, started + n / arrivals - time.monotonic()))
            client.opened_at = time.monotonic()
            try:
                await loop.create_connection(lambda: client, self.host, self.port)
                await asyncio.wait_for(asyncio.shield(client.upgraded), 15)
                await asyncio.wait_for(asyncio.shield(client.greeted), 15)
            except (OSError, TimeoutError, ConnectionError) as error:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1

        step_seconds = config.step_seconds
        config.step_seconds = config.join_seconds
        log(
            f"[{config.label}] {config.join} viewers join, {arrivals:.0f} a second, during "
            f"{config.join_rate} msg/s …"
        )
        started = time.monotonic()
        try:
            busy = asyncio.create_task(self.step(config.join_rate))
            await asyncio.gather(*(open_one(n, c) for n, c in enumerate(joiners)))
            joined_seconds = time.monotonic() - started
            memory_joined = proc_memory_kib(config.server_pid)
            step = await busy
        finally:
            config.step_seconds = step_seconds
        hellos = [c.hello_at - c.opened_at for c in joiners if c.helloed]
        # The hellos' p99 by fifths of the join (does a bigger audience wait longer?).
        fifths: list[list[float]] = [[] for _ in range(5)]
        for n, client in enumerate(joiners):
            if client.helloed:
                fifths[n * 5 // len(joiners)].append(client.hello_at - client.opened_at)
        self.joiners = joiners
        added = len(hellos)
        rss_before = memory_before.get("VmRSS") or 0
        rss_joined = memory_joined.get("VmRSS") or 0
        return {
            "joiners": config.join,
            "joined": added,
            "failures": failures,
            "closed": sum(1 for c in joiners if c.lost),
            "join_seconds": round(joined_seconds, 2),
            "hello_ms": {
                "p50": _ms(percentile(hellos, 0.50)),
                "p90": _ms(percentile(hellos, 0.90)),
                "p99": _ms(percentile(hellos, 0.99)),
                "max": _ms(max(hellos) if hellos else None),
            },
            "hello_p99_ms_by_fifth": [_ms(percentile(f, 0.99)) for f in fifths],
            "rss_before_kib": rss_before,
            "rss_joined_kib": rss_joined,
            "kib_per_connection": round((rss_joined - rss_before) / added, 1) if added else None,
            "step": step,
        }

    # -- one step ----------------------------------------------------------------------

    def _language_sequence(self, count: int) -> list[str]:
        weights = self.config.languages
        return self.rng.choices(list(weights), weights=list(weights.values()), k=count)

    async def step(self, rate: int) -> dict[str, Any]:
        config = self.config
        loop = asyncio.get_running_loop()
        total = max(1, int(rate * config.step_seconds))
        langs = self._language_sequence(total)
        turn = dict.fromkeys(self.senders, 0)
        before = {id(c): (c.chat, c.acks, sum(c.errors.values())) for c in self.clients}
        errors_before = {id(c): dict(c.errors) for c in self.clients}
        sent_by_lang = dict.fromkeys(config.languages, 0)
        self.latencies = []
        self.ack_latencies = []
        self.sent_at.clear()
        cpu0, gen0, wall0 = proc_cpu_seconds(config.server_pid), time.process_time(), loop.time()
        busy0, wait0 = machine_busy_seconds(), proc_wait_seconds(config.server_pid)
        gen_wait0 = proc_wait_seconds(os.getpid())
        stalls0 = await loop_stalls(self.host, self.port)
        sent = 0
        lags: list[float] = []
        monitor = asyncio.create_task(self._watch_loop(lags))
        while sent < total:
            now = loop.time()
            due = min(total, int((now - wall0) * rate) + 1)
            while sent < due:
                lang = langs[sent]
                senders = self.senders[lang]
                sender = senders[turn[lang] % len(senders)]
                turn[lang] += 1
                stamp = time.monotonic()
                text = f"{SAMPLES.get(lang, SAMPLES['en'])} #{sent} t={stamp:.6f}"
                self.refs += 1
                ref = str(self.refs)
                self.sent_at[ref] = stamp
                payload = json.dumps(
                    {"type": "chat", "text": text, "lang": lang, "ref": ref},
                    ensure_ascii=False,
                    separators=(",", ":"),
                ).encode()
                sender.send(payload)
                sent_by_lang[lang] += 1
                sent += 1
            if sent < total:
                await asyncio.sleep(max(0.0, wall0 + sent / rate - loop.time()))
        send_end = loop.time()

        def expected(client: Client) -> int:
            return sum(sent_by_lang.get(lang, 0) for lang in client.langs)

        def missing() -> tuple[int, int]:
            frames = acks = 0
            for client in self.clients:
                if client.lost:
                    continue
                got = client.chat - before[id(client)][0]
                frames += max(0, expected(client) - got)
            for client in (c for group in self.senders.values() for c in group):
                answered = client.acks + sum(client.errors.values())
                acks += answered - before[id(client)][1] - before[id(client)][2]
            return frames, sent - acks

        deadline = send_end + config.drain_seconds
        frames_missing, acks_missing = missing()
        while (frames_missing or acks_missing) and loop.time() < deadline:
            await asyncio.sleep(0.02)
            frames_missing, acks_missing = missing()
        done = loop.time()
        monitor.cancel()
        cpu1, gen1 = proc_cpu_seconds(config.server_pid), time.process_time()
        busy1, wait1 = machine_busy_seconds(), proc_wait_seconds(config.server_pid)
        gen_wait1 = proc_wait_seconds(os.getpid())
        stalls1 = await loop_stalls(self.host, self.port)
        server_loop = None
        if stalls0 is not None and stalls1 is not None:
            server_loop = {
                "samples": int(stalls1[0] - stalls0[0]),
                "stalls_over_50ms": int(stalls1[1] - stalls0[1]),
            }

        lost_clients = [c for c in self.clients if c.lost]
        expected_total = sum(expected(c) for c in self.clients)
        received = sum(c.chat - before[id(c)][0] for c in self.clients if not c.lost)
        frames_missing += sum(expected(c) for c in lost_clients)
        errors: dict[str, int] = {}
        for client in self.clients:
            for code, count in client.errors.items():
                extra = count - errors_before[id(client)].get(code, 0)
                if extra:
                    errors[code] = errors.get(code, 0) + extra
        latencies = self.latencies
        p99 = percentile(latencies, 0.99)
        lost = frames_missing + acks_missing + sum(errors.values())
        passed = lost == 0 and p99 is not None and p99 * 1000 < config.p99_limit_ms
        reason = ""
        if lost_clients:
            codes = sorted({str(c.closed_with) for c in lost_clients})
            reason = f"{len(lost_clients)} clients closed (codes {', '.join(codes)})"
        elif frames_missing:
            reason = f"{frames_missing} frames not delivered within {config.drain_seconds:g} s"
        elif acks_missing:
            reason = f"{acks_missing} messages not acknowledged"
        elif errors:
            reason = f"error frames: {errors}"
        elif not passed:
            reason = f"p99 {p99 * 1000 if p99 is not None else float('nan'):.0f} ms"
        elapsed = done - wall0
        return {
            "rate": rate,
            "sent": sent,
            "send_seconds": round(send_end - wall0, 3),
            "achieved_rate": round(sent / max(send_end - wall0, 1e-9), 1),
            "expected_deliveries": expected_total,
            "received": received,
            "deliveries_per_s": round(received / max(elapsed, 1e-9), 1),
            "lost": lost,
            "errors": errors,
            "latency_ms": {
                "samples": len(latencies),
                "p50": _ms(percentile(latencies, 0.50)),
                "p90": _ms(percentile(latencies, 0.90)),
                "p99": _ms(p99),
                "max": _ms(max(latencies) if latencies else None),
            },
            "ack_latency_ms": {
                "samples": len(self.ack_latencies),
                "p50": _ms(percentile(self.ack_latencies, 0.50)),
                "p99": _ms(percentile(self.ack_latencies, 0.99)),
                "max": _ms(max(self.ack_latencies) if self.ack_latencies else None),
            },
            # The server's own event-loop lag (/metrics), where it has the metric.
            "server_loop": server_loop,
            "loadgen_lag_ms": {
                "p50": _ms(percentile(lags, 0.50)),
                "p99": _ms(percentile(lags, 0.99)),
                "max": _ms(max(lags) if lags else None),
            },
            "server_cpu": round((cpu1 - cpu0) / max(elapsed, 1e-9), 3),
            "loadgen_cpu": round((gen1 - gen0) / max(elapsed, 1e-9), 3),
            # Time the server was ready to run but another process had its core.
            "server_cpu_wait": round((wait1 - wait0) / max(elapsed, 1e-9), 3),
            "loadgen_cpu_wait": round((gen_wait1 - gen_wait0) / max(elapsed, 1e-9), 3),
            # Everything else on the machine (other people's tests, say), in cores.
            "other_cpu": round(
                max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - (gen1 - gen0)) / max(elapsed, 1e-9), 3
            ),
            "passed": passed,
            "reason": reason,
        }

    def pause(self, client: Client) -> None:
        self.pauses += 1
        due = time.monotonic() + self.read_period * (0.5 + self.rng.random())
        heapq.heappush(self.paused, (due, self.pauses, client))

    async def _resume_reading(self, tick: float = 0.005) -> None:
        """Let the counting receivers read again once their pause is over."""
        paused = self.paused
        for _ in range(100_000_000):
            await asyncio.sleep(tick)
            now = time.monotonic()
            while paused and paused[0][0] <= now:
                client = heapq.heappop(paused)[2]
                if client.transport is not None and not client.transport.is_closing():
                    client.transport.resume_reading()

    @staticmethod
    def _crowded(result: dict[str, Any]) -> bool:
        """Whether other processes kept the server or the generator from a core."""
        return (
            result["server_cpu_wait"] > 0.1
            or result["loadgen_cpu_wait"] > 0.1
            or result["other_cpu"] > 0.5
        )

    async def _wait_for_quiet(self, limit: float, most: float = 0.25) -> None:
        """Wait, at most `limit` seconds, until the rest of the machine uses under `most`
        of a core (what this process and the server use is not counted)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            busy0, gen0 = machine_busy_seconds(), time.process_time()
            cpu0 = proc_cpu_seconds(self.config.server_pid)
            await asyncio.sleep(1.0)
            busy = machine_busy_seconds() - busy0
            own = time.process_time() - gen0 + proc_cpu_seconds(self.config.server_pid) - cpu0
            if busy - own < most:
                return

    async def _watch_loop(self, lags: list[float], period: float = 0.005) -> None:
        """How late the generator's own event loop wakes up: its lag is in every latency."""
        loop = asyncio.get_running_loop()
        for _ in range(100_000):
            planned = loop.time() + period
            await asyncio.sleep(period)
            lags.append(max(0.0, loop.time() - planned))

    async def run(self) -> dict[str, Any]:
        config = self.config
        started = time.monotonic()
        self.plan()
        resumer = asyncio.create_task(self._resume_reading())
        memory_start = proc_memory_kib(config.server_pid)
        log(f"[{config.label}] connecting {len(self.clients)} clients …")
        connect_seconds = await self.connect()
        gc.collect()
        memory_connected = proc_memory_kib(config.server_pid)
        cpus = {"server": proc_cpus(config.server_pid), "loadgen": proc_cpus(os.getpid())}
        log(
            f"[{config.label}] connected in {connect_seconds:.1f} s; cores: server "
            f"{cpus['server']}, load generator {cpus['loadgen']}"
        )
        steps: list[dict[str, Any]] = []
        stopped = "every rate passed"
        retries = config.retries
        pending = list(config.rates)
        while pending:
            rate = pending[0]
            spent = time.monotonic() - started
            if spent + config.step_seconds + config.drain_seconds > config.budget_seconds:
                stopped = f"time budget ({config.budget_seconds:g} s) spent"
                break
            result = await self.step(rate)
            steps.append(result)
            lat = result["latency_ms"]
            verdict = "ok" if result["passed"] else "FAIL: " + result["reason"]
            log(
                f"[{config.label}] {rate:>5} msg/s: {result['deliveries_per_s']:>9.0f} "
                f"deliveries/s  p50 {lat['p50']} p99 {lat['p99']} ms  lost {result['lost']}  "
                f"cpu: server {result['server_cpu']:.0%} loadgen {result['loadgen_cpu']:.0%} "
                f"other {result['other_cpu']:.0%}; waited for a core: server "
                f"{result['server_cpu_wait']:.0%} loadgen {result['loadgen_cpu_wait']:.0%}  "
                f"loadgen lag p99 {result['loadgen_lag_ms']['p99']} ms  {verdict}"
            )
            if not result["passed"]:
                # Someone else's work took the CPU: wait for calm and measure again, a
                # bounded number of times, as long as no client was lost.
                if retries and self._crowded(result) and not self.lost_clients:
                    retries -= 1
                    result["retried"] = True
                    log(f"[{config.label}] the machine was busy: {rate} msg/s again")
                    await self._wait_for_quiet(config.quiet_seconds)
                    continue
                stopped = f"failed at {rate} msg/s: {result['reason']}"
                break
            pending.pop(0)
            gc.collect()  # the generator's garbage, between measurements (see `main`)
            await asyncio.sleep(0.5)  # let the writer and the GC settle between steps
        joined = None
        if config.join and not self.lost_clients:
            joined = await self.join()
            j = joined
            log(
                f"[{config.label}] {j['joined']} of {j['joiners']} joined in "
                f"{j['join_seconds']} s; hello p50 {j['hello_ms']['p50']} p99 "
                f"{j['hello_ms']['p99']} max {j['hello_ms']['max']} ms; "
                f"{j['kib_per_connection']} KiB a connection"
            )
        memory_end = proc_memory_kib(config.server_pid)
        resumer.cancel()
        for client in [*self.clients, *self.joiners]:
            client.close()
        counts: dict[str, int] = {}
        for client in self.clients:
            counts[client.kind] = counts.get(client.kind, 0) + 1
        return {
            "label": config.label,
            "clients": counts,
            "connect_seconds": round(connect_seconds, 2),
            "cpus": cpus,
            "rss_start_kib": memory_start.get("VmRSS"),
            "rss_connected_kib": memory_connected.get("VmRSS"),
            "rss_peak_kib": memory_end.get("VmHWM"),
            "steps": steps,
            "stopped": stopped,
            "join": joined,
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def main() -> None:
    config = Config(**json.loads(sys.argv[1]))
    if config.cpu is not None:
        os.sched_setaffinity(0, {config.cpu})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = config.viewers + config.join + len(config.moderators) + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    # The generator's own garbage collection would stall it, and its stalls would count
    # as the server's latency (with 10,000 clients a full pass took 30–90 ms, every half
    # second while they connected): off for the run, collected between steps instead.
    gc.disable()
    result = asyncio.run(LoadGen(config).run())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
