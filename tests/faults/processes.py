"""What the fault tests start, break and start again: `livecommerce serve` processes, a
private PostgreSQL and a private Redis; and what talks to them (chat participants with
tokens signed by the processes' secret, a shop posting signed orders, readers that keep
every chat frame they get).

Every server is real and listens on a loopback port: `serve` on one the OS picks (it
prints its address; tests.helpers.serve starts it), PostgreSQL and Redis, which cannot be
told port 0, on one tests.helpers.ports finds free, kept across their restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from websockets.exceptions import ConnectionClosed

from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.services.webhooks import signature
from tests.conftest import SEEDS, unavailable
from tests.helpers.chat import Client, Frame
from tests.helpers.ports import ADDRESS_IN_USE, PortTaken, on_a_free_port
from tests.helpers.serve import Servers, Serving

SHOW = "khorgos-it-2026-11-20"  # kk ru uz ky ug zh
SEEDED_LAST_ID = 126  # the seeded chat of that show
SECRET = "fault-tests-token-secret-0123456789abcdef"
SHOP = "khorgos-shop"
SHOP_SECRET = "fault-tests-shop-secret-0123456789"
# Settings every `serve` of these tests shares: a secret the tests sign tokens with, the
# shop, and rate limits out of the way (the tests send faster than a person).
COMMON = {
    "secret": SECRET,
    "shop_secrets": f"{SHOP}={SHOP_SECRET}",
    "chat_rate": 10_000,
    "chat_burst": 10_000,
    "hold_links": False,
    "log_level": "warning",
}


def token(user: str, role: str = "viewer", langs: Iterable[str] = ()) -> str:
    """A token for the show, signed with the processes' secret, valid for an hour."""
    identity = tokens.Identity(
        user=user,
        name=user,
        role=Role(role),
        langs=tuple(langs),
        stream=SHOW,
        expires=int(time.time()) + 3600,
    )
    return tokens.issue(SECRET.encode(), identity)


async def _run(*command: str, what: str) -> None:
    """Run a command to its end; an AssertionError with its output if it fails."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise AssertionError(f"{what} failed ({process.returncode}): {out.decode()[-2000:]}")


# -- serve ---------------------------------------------------------------------------------


@dataclass
class Launcher:
    """Starts `serve` processes for one test, each with these settings (as LIVECOMMERCE_*
    variables) and a data folder of its own, on a port the OS picks; reaps them all."""

    folder: Path
    servers: Servers = field(default_factory=Servers)

    async def serve(self, name: str, **settings: object) -> Serving:
        """Start `serve` as `name`; return once it serves."""
        data = self.folder / name
        data.mkdir(parents=True, exist_ok=True)
        env: dict[str, str] = {}
        for key, value in {**COMMON, **settings}.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            env[f"LIVECOMMERCE_{key.upper()}"] = text
        return await self.servers.serving(
            env,
            "--port",
            "0",
            "--set",
            "data_dir",
            str(data),
            "--set",
            "seeds_dir",
            str(SEEDS),
            name=name,
        )

    async def close(self) -> None:
        await self.servers.close()


# -- what talks to them --------------------------------------------------------------------


async def participant(server: Serving, user: str, *langs: str, **options: Any) -> Client:
    """A viewer of `langs` (moderators and the streamer: pass `role=`)."""
    role = options.pop("role", "viewer")
    return await Client.open(
        server,  # the client needs of a server only its `base` URL
        token=token(user, role, langs),
        lang=list(langs) or None,
        **options,
    )


class Reader:
    """A participant that reads every frame as it comes and keeps the chat ones, until
    its connection ends (then `closed` is set and `close_code` says how)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.frames: list[Frame] = list(client.backlog)
        self.chats: list[Frame] = [f for f in self.frames if f["type"] == "chat"]
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                frame = json.loads(await self.client.ws.recv())
                self.frames.append(frame)
                if frame["type"] == "chat":
                    self.chats.append(frame)
                self._arrived.set()
        except ConnectionClosed:
            self.close_code = self.client.ws.close_code
        finally:
            self.closed.set()
            self._arrived.set()

    @property
    def ids(self) -> list[int]:
        return [c["id"] for c in self.chats]

    @property
    def texts(self) -> list[str]:
        return [c["text"] for c in self.chats]

    async def until(self, wanted: Callable[[Frame], bool], wait: float = 10.0) -> Frame:
        """The first frame (since the connection opened) that is `wanted`, waiting for it."""
        async with asyncio.timeout(wait):
            while True:
                for frame in self.frames:
                    if wanted(frame):
                        return frame
                if self.closed.is_set():
                    raise AssertionError(f"closed ({self.close_code}) before the frame")
                self._arrived.clear()
                await self._arrived.wait()

    async def until_chat(self, ident: int, wait: float = 10.0) -> None:
        """Wait until the chat message `ident` has arrived."""
        await self.until(lambda f: f["type"] == "chat" and f["id"] == ident, wait)

    async def until_notice(self, code: str, wait: float = 10.0) -> Frame:
        return await self.until(lambda f: f["type"] == "notice" and f.get("code") == code, wait)

    async def ended(self, wait: float = 10.0) -> int | None:
        """Wait for the server to end the connection; its close code."""
        async with asyncio.timeout(wait):
            await self.closed.wait()
        return self.close_code

    async def close(self) -> None:
        await self.client.close()
        await self._task


async def post_orders(
    session: aiohttp.ClientSession,
    server: Serving,
    orders: list[dict[str, Any]],
    answer_headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST a batch of orders as the shop, signed; the status and the JSON answer (and
    the answer's headers into `answer_headers`)."""
    body = json.dumps({"orders": orders}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shop": SHOP,
        "X-Signature": signature(SHOP_SECRET, body),
    }
    async with session.post(server.url("/api/orders"), data=body, headers=headers) as response:
        if answer_headers is not None:
            answer_headers.update(response.headers)
        return response.status, await response.json()


def an_order(order_id: str, sku: str = "IT-LAP-14") -> dict[str, Any]:
    return {
        "id": order_id,
        "ts": "2026-11-20T13:40:00Z",
        "sku": sku,
        "qty": 1,
        "unit_price": "199000",
        "currency": "KZT",
        "buyer_country": "KZ",
        "buyer_lang": "kk",
        "show": "KIT1120",
    }


@dataclass(frozen=True)
class Stored:
    """What the database holds of the show beyond the seeded chat, and of the orders."""

    messages: set[int]  # chat message ids
    texts: dict[int, str]  # the text stored under each id
    mentioned: set[int]  # ids of chat messages whose mentions are stored
    orders: set[str]


async def read_store(url: str) -> Stored:
    """Read the database directly (no `serve` between: what is there is there)."""
    db = await asyncpg.connect(url, timeout=5)
    try:
        messages = await db.fetch(
            "SELECT id, text FROM chat_messages WHERE show_id = $1 AND id > $2",
            SHOW,
            SEEDED_LAST_ID,
        )
        mentioned = await db.fetch(
            "SELECT DISTINCT message_id FROM mentions"
            " WHERE show_id = $1 AND source = 'chat' AND message_id > $2",
            SHOW,
            SEEDED_LAST_ID,
        )
        orders = await db.fetch("SELECT id FROM orders")
    finally:
        await db.close()
    return Stored(
        messages={r["id"] for r in messages},
        texts={r["id"]: r["text"] for r in messages},
        mentioned={r["message_id"] for r in mentioned},
        orders={r["id"] for r in orders},
    )


async def stored_eventually(url: str, done: Callable[[Stored], bool], wait: float = 20.0) -> Stored:
    """What the database holds once `done` says it is all there (the writers write in
    batches and retry with a pause that grows to 5 s), or the last read when `wait` is
    over, for the caller's assertions to show what is missing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        stored = await read_store(url)
        if done(stored) or loop.time() > deadline:
            return stored
        await asyncio.sleep(0.2)


# -- a private PostgreSQL --------------------------------------------------------------------


def _postgres_binaries() -> Path | None:
    """The newest PostgreSQL server binaries of the machine (Debian's layout, else PATH)."""
    found = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(found):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _postgres_user() -> list[str]:
    """The command prefix that runs PostgreSQL's tools: none, or under root (which
    PostgreSQL refuses) `runuser -u postgres --`."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        runuser = None
    if runuser is None:
        unavailable("running as root, with no postgres user (and runuser) to run PostgreSQL as")
        return []
    return [runuser, "-u", "postgres", "--"]


class PrivatePostgres:
    """A PostgreSQL cluster of one test's own, in a temporary folder, on a free port (it
    cannot pick one itself: `on_a_free_port`); it can be stopped and started again on
    the same port. PostgreSQL refuses to run as root: under root it runs as the
    `postgres` user (`runuser`), in a folder it owns."""

    def __init__(self, binaries: Path, folder: Path, run_as: list[str]) -> None:
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "data"
        self.port = 0
        self.run_as = run_as

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls) -> AsyncIterator[PrivatePostgres]:
        binaries = _postgres_binaries()
        if binaries is None:
            unavailable("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
            return
        run_as = _postgres_user()
        folder = Path(tempfile.mkdtemp(prefix="livecommerce-faults-pg-"))
        try:
            if run_as:
                owner = pwd.getpwnam("postgres")
                os.chown(folder, owner.pw_uid, owner.pw_gid)
            server = cls(binaries, folder, run_as)
            await server.init()
            await on_a_free_port(server.start_on)
            try:
                yield server
            finally:
                with contextlib.suppress(AssertionError):
                    await server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def _pg(self, tool: str, *args: str, what: str) -> None:
        await _run(*self.run_as, str(self.binaries / tool), *args, what=what)

    async def init(self) -> None:
        await self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            what="initdb",
        )

    async def start_on(self, port: int) -> None:
        """The first start, on `port` (PortTaken if another process has it)."""
        self.port = port
        await self.start()

    async def start(self) -> None:
        """Start on its port (again); PortTaken if another process has it now."""
        log = self.folder / "postgres.log"
        before = log.stat().st_size if log.exists() else 0
        try:
            await self._start()
        except AssertionError:
            with log.open("rb") as read:
                read.seek(before)
                if ADDRESS_IN_USE in read.read().decode(errors="replace"):
                    raise PortTaken(self.port) from None
            raise

    async def _start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=50"
        )
        await self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
            what="pg_ctl start",
        )

    async def stop(self) -> None:
        """pg_ctl stop -m fast: open sessions are ended, the server is down on return."""
        await self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "-t",
            "30",
            "stop",
            what="pg_ctl stop",
        )


# -- a network partition -------------------------------------------------------------------


class Partition:
    """A TCP relay to `host:port` that can be cut (`cut`): connections stay open and new
    ones are accepted, but no byte passes until `heal`, as when the network between a
    server and its database fails without refusing anything."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.target = port
        self.port = 0
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, host: str, port: int) -> AsyncIterator[Partition]:
        relay = cls(host, port)
        relay._server = await asyncio.start_server(relay._accept, "127.0.0.1", 0)
        relay.port = relay._server.sockets[0].getsockname()[1]
        try:
            yield relay
        finally:
            relay.heal()
            relay._server.close()
            for writer in relay._writers:
                writer.close()
            for task in list(relay._pipes):
                task.cancel()
            await asyncio.gather(*relay._pipes, return_exceptions=True)
            await relay._server.wait_closed()

    def cut(self) -> None:
        self._open.clear()

    def heal(self) -> None:
        self._open.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        await self._open.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target)
        except OSError:
            writer.close()
            return
        self._writers.append(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                await self._open.wait()  # held while cut, passed on when healed
                sink.write(data)
                await sink.drain()
        sink.close()


# -- a private Redis ---------------------------------------------------------------------------


class PrivateRedis:
    """A `redis-server` of one test's own on a free port (`--port 0` means no TCP to
    Redis: `on_a_free_port`), without persistence: killed and started again on the same
    port, it comes back empty, as a Redis that lost its memory does. What it logs is in
    `log`."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = 0
        self.process: asyncio.subprocess.Process | None = None
        self.log: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls) -> AsyncIterator[PrivateRedis]:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        server = cls(binary)
        await on_a_free_port(server.start_on)
        try:
            yield server
        finally:
            await server.kill()

    async def start_on(self, port: int) -> None:
        """The first start, on `port` (PortTaken if another process has it)."""
        self.port = port
        await self.start()

    async def start(self) -> None:
        """Start on its port (again); return once it accepts connections (it says so),
        PortTaken if another process has the port."""
        process = await asyncio.create_subprocess_exec(
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        ready = asyncio.get_running_loop().create_future()
        self.process = process
        self._reader = asyncio.create_task(self._keep(process.stdout, ready))
        try:
            async with asyncio.timeout(10):
                if await ready:
                    return
        except TimeoutError:
            pass
        await self.kill()
        said = "".join(self.log)
        if ADDRESS_IN_USE in said:
            raise PortTaken(self.port)
        raise AssertionError(f"redis-server did not start on port {self.port}:\n{said[-2000:]}")

    async def _keep(self, stream: asyncio.StreamReader, ready: asyncio.Future[bool]) -> None:
        """Keep what it logs; `ready` is True once it accepts connections, False if it
        ended before."""
        async for raw in stream:
            line = raw.decode("utf-8", "replace")
            self.log.append(line)
            if "Ready to accept connections" in line and not ready.done():
                ready.set_result(True)
        if not ready.done():
            ready.set_result(False)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
        if self.process is not None:
            await self.process.wait()
        if self._reader is not None:
            await self._reader
        self.process = None
        self._reader = None
