"""`scripts/cluster`, what `make cluster` runs: two `serve` processes on the machine's
PostgreSQL and Redis share one chat and one token key, and stop cleanly on SIGTERM; a
taken port, an unreachable service or a bad argument is one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from livecommerce.core import tokens
from livecommerce.core.models import Role
from tests.conftest import PG_ADMIN_URL, REDIS_TEST_URL, ROOT, _drop_postgres_database, unavailable
from tests.helpers.chat import SHOW, Client
from tests.helpers.ports import refused_port

SCRIPT = ROOT / "scripts" / "cluster"
START = 180.0  # seconds the cluster may take to start: two processes load a language model
STOP = 60.0
ADDRESS = re.compile(r"process \d+ \(pid (\d+)\): (http://\S+)")


def script_env() -> dict[str, str]:
    """This machine's environment without livecommerce settings, in English, quiet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}
    env.update(
        LIVECOMMERCE_LOCALE="en",
        LIVECOMMERCE_LOG_LEVEL="warning",
        LIVECOMMERCE_SHUTDOWN_TIMEOUT="5",
        # The demo world chats in its finished show.
        LIVECOMMERCE_CHAT_OPENING_HOURS="false",
    )
    return env


async def run_script(*args: str) -> tuple[int, str, str]:
    """Run the script to its end: exit status, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *args,
        env=script_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """The URL of a PostgreSQL database that does not exist yet (the cluster makes it);
    dropped afterwards."""
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError):
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        return
    await admin.close()
    name = f"livecommerce_test_{uuid.uuid4().hex[:12]}"
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await _drop_postgres_database(name)


@dataclass
class Cluster:
    """The script running in the background: its process, what it printed, the servers."""

    process: asyncio.subprocess.Process
    data_dir: Path
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    servers: list[tuple[int, str]] = field(default_factory=list)  # (pid, base URL)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        while line := await stream.readline():
            into.append(line.decode(errors="replace").rstrip())

    async def ready(self) -> None:
        """Wait until it has printed every address and how to stop it."""
        async with asyncio.timeout(START):
            while not any("SIGTERM stops them all" in line for line in self.out):
                if self.process.returncode is not None:
                    pytest.fail("the cluster stopped:\n" + "\n".join(self.out + self.err))
                await asyncio.sleep(0.2)
        for line in self.out:
            found = ADDRESS.search(line)
            if found:
                self.servers.append((int(found.group(1)), found.group(2)))


@pytest.fixture
async def cluster(database: str, redis_prefix: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    data_dir = tmp_path / "var"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        "--ports",
        "0 0",  # each process on a port the OS picks; the script prints where
        "--database-url",
        database,
        "--redis-url",
        REDIS_TEST_URL,
        "--redis-prefix",
        redis_prefix,
        "--data-dir",
        str(data_dir),
        env=script_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    running = Cluster(process, data_dir)
    running.readers = [
        asyncio.create_task(running.read(process.stdout, running.out)),
        asyncio.create_task(running.read(process.stderr, running.err)),
    ]
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()  # its servers get SIGTERM as it dies
            await process.wait()
        for reader in running.readers:
            reader.cancel()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def get_json(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with session.get(url) as response:
        return response.status, json.loads(await response.read())


@dataclass
class Address:
    """Where a chat client connects (what `tests.helpers.chat.Client.open` reads of a server)."""

    base: str


def token_for(data_dir: Path, user: str, role: Role, langs: tuple[str, ...]) -> str:
    """A token signed with the key the cluster made in its data folder."""
    key = (data_dir / "secret").read_text(encoding="ascii").strip().encode()
    expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    return tokens.issue(key, tokens.Identity(user, user, role, langs, SHOW, expires))


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_processes_share_a_chat_and_stop_on_sigterm(cluster: Cluster) -> None:
    await cluster.ready()
    assert len(cluster.servers) == 2
    (pid_a, url_a), (pid_b, url_b) = cluster.servers
    assert pid_a != pid_b
    assert url_a != url_b
    assert any("created the database" in line for line in cluster.out)
    assert any("loaded the demo world" in line for line in cluster.out)
    assert any(f"{url_a}/streams/" in line and "/chat" in line for line in cluster.out)

    # Both answer /healthz, and exactly one of them runs the scheduler.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        roles: list[object] = []
        for _ in range(50):
            answers = [await get_json(session, f"{url}/healthz") for url in (url_a, url_b)]
            assert [status for status, _ in answers] == [200, 200]
            assert [body["status"] for _, body in answers] == ["ok", "ok"]
            roles = sorted(body["scheduler"]["role"] for _, body in answers)  # type: ignore[index]
            if roles == ["leader", "standby"]:
                break
            await asyncio.sleep(0.2)
        assert roles == ["leader", "standby"]

    # A guest on A writes; a viewer on B and a moderator on A (tokens signed with the
    # cluster's one key) read it, under the id A acknowledged.
    writer = await Client.open(Address(url_a), lang="kk", name="Aigerim")  # type: ignore[arg-type]
    reader_token = token_for(cluster.data_dir, "u-dana", Role.VIEWER, ("kk",))
    reader = await Client.open(Address(url_b), token=reader_token, lang="kk")  # type: ignore[arg-type]
    mod_token = token_for(cluster.data_dir, "mod-kk", Role.MODERATOR, ("kk",))
    mod = await Client.open(Address(url_a), token=mod_token)  # type: ignore[arg-type]
    other = await Client.open(Address(url_b), lang="ru", name="Ivan")  # type: ignore[arg-type]
    text = "Раковина қанша тұрады?"
    ack = await writer.say(text, lang="kk")
    assert ack["status"] == "sent"
    for client in (reader, mod):
        chat = await client.recv_until("chat")
        assert (chat["id"], chat["text"], chat["lang"]) == (ack["id"], text, "kk")
    await other.assert_silent(ignore=("presence", "notice"))
    for client in (writer, reader, mod, other):
        await client.close()

    cluster.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(cluster.process.wait(), STOP) == 0
    await asyncio.gather(*cluster.readers)
    assert cluster.out[-1] == "cluster: stopped."
    assert not any("Traceback" in line for line in cluster.out + cluster.err)
    for pid in (pid_a, pid_b):
        for _ in range(50):  # reaped by the script, or by init right after it
            if not alive(pid):
                break
            await asyncio.sleep(0.1)
        assert not alive(pid)
    for url in (url_a, url_b):
        port = int(url.rsplit(":", 1)[1])
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", port), timeout=2),
        ):
            pass


async def test_a_port_in_use_is_one_line_before_anything_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = await run_script("--ports", f"0,{port}")
    assert status == 1
    assert out == ""
    assert one_line(err) == f"cluster: cannot serve on 127.0.0.1:{port}: the port is already in use"


async def test_an_unreachable_redis_is_one_line() -> None:
    port = refused_port()
    status, out, err = await run_script(
        "--ports", "0 0", "--redis-url", f"redis://127.0.0.1:{port}/0"
    )
    assert status == 1
    assert out == ""
    assert one_line(err).startswith(f"cluster: cannot reach Redis at redis://127.0.0.1:{port}/0: ")


@pytest.mark.redis
async def test_an_unreachable_postgresql_is_one_line_without_its_password(
    redis_prefix: str,
) -> None:
    port = refused_port()
    status, out, err = await run_script(
        "--ports",
        "0 0",
        "--redis-url",
        REDIS_TEST_URL,
        "--redis-prefix",
        redis_prefix,
        "--database-url",
        f"postgresql://postgres:hunter2secret@127.0.0.1:{port}/livecommerce_cluster",
    )
    assert status == 1
    assert out == ""
    assert one_line(err).startswith(
        f"cluster: cannot reach PostgreSQL at postgresql://postgres:***@127.0.0.1:{port}/"
    )
    assert "hunter2secret" not in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--ports", "abc"], "'abc' is not a port number"),
        (["--ports", "8081 70000"], "'70000' is not a port number"),
        (["--ports", "８０８１"], "is not a port number"),
        (["--ports", "8081,8081"], "a port is given twice"),
        (["--ports", ""], "1 to 16 ports"),
        (["--ports", " ".join(["0"] * 17)], "1 to 16 ports"),
        (["--database-url", "sqlite:///var/x.db"], "a cluster needs postgresql://"),
        (["--database-url", 'postgresql://postgres@127.0.0.1/a";DROP'], "database name"),
        (["--database-url", "postgresql://postgres@127.0.0.1"], "database name"),
        (["--redis-url", "http://127.0.0.1:6379"], "setting redis_url"),
        (["--redis-url", ""], "a cluster needs redis://"),
        (["--redis-prefix", "a b"], "setting redis_prefix"),
        (["--host", "example.com"], "setting host"),
        (["--no-such-option"], "No such option"),
    ],
)
async def test_a_bad_argument_is_one_line_and_status_2(args: list[str], says: str) -> None:
    status, out, err = await run_script(*args)
    assert status == 2
    assert out == ""
    line = one_line(err)
    assert line.startswith("cluster: ")
    assert says in line


@pytest.mark.postgres
@pytest.mark.redis
async def test_when_one_process_dies_the_other_is_stopped_too(cluster: Cluster) -> None:
    await cluster.ready()
    (pid_a, _), (pid_b, url_b) = cluster.servers
    os.kill(pid_b, signal.SIGKILL)
    assert await asyncio.wait_for(cluster.process.wait(), STOP) == 1
    await asyncio.gather(*cluster.readers)
    assert f"cluster: the process on {url_b} stopped by itself; stopping the others" in cluster.err
    assert any("ended with exit status -9" in line for line in cluster.err)
    for _ in range(50):
        if not alive(pid_a):
            break
        await asyncio.sleep(0.1)
    assert not alive(pid_a)
