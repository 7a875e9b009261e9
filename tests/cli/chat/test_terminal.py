"""The client as a user runs it: `python -m livecommerce chat` against the real relay,
fed from a pipe, interrupted with Ctrl-C, failing in one line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

import pytest

from livecommerce.cli.chat.errors import BadOptionError
from livecommerce.cli.chat.terminal import reader_zone
from livecommerce.cli.console import system_zone
from tests.cli.chat.conftest import STREAM, WAIT, ws_url
from tests.conftest import ROOT, Server
from tests.helpers.ports import refused_port


def test_reader_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reader_zone("Asia/Tashkent") == "Asia/Tashkent"
    monkeypatch.setenv("TZ", ":Asia/Bishkek")
    assert reader_zone() == "Asia/Bishkek"
    with pytest.raises(BadOptionError):
        reader_zone("Mars/Olympus")
    # Junk in TZ is skipped, not used: this computer's zone file is next.
    monkeypatch.setenv("TZ", "../../etc/passwd")
    assert reader_zone() == system_zone()
    assert reader_zone() != "../../etc/passwd"


# Starts the rest of its arguments with SIGINT as given ("default" or "ignored"), whatever
# this process has: exec keeps an ignored signal ignored, as a shell's `command &` does.
WITH_SIGINT = """
import os, signal, sys
wanted = {"default": signal.SIG_DFL, "ignored": signal.SIG_IGN}[sys.argv[1]]
signal.signal(signal.SIGINT, wanted)
os.execv(sys.argv[2], sys.argv[2:])
"""


async def livecommerce(
    *args: str,
    stdin: int | None = asyncio.subprocess.PIPE,
    sigint: str = "default",
    **env: str,
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", WITH_SIGINT, sigint),
        *(sys.executable, "-m", "livecommerce", *args),
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "LANG": "C.UTF-8", **env},
    )


async def json_line(process: asyncio.subprocess.Process, **fields: Any) -> dict[str, Any]:
    assert process.stdout is not None
    async with asyncio.timeout(WAIT * 2):
        while line := await process.stdout.readline():
            frame: dict[str, Any] = json.loads(line)
            if all(frame.get(k) == v for k, v in fields.items()):
                return frame
    raise AssertionError(f"no frame with {fields}")


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT * 2)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_command_chats_through_a_pipe_in_json(server: Server) -> None:
    process = await livecommerce("chat", ws_url(server), "--json", "--name", "Pipe", "--lang", "ru")
    assert process.stdin is not None
    hello = await json_line(process, type="hello")
    assert hello["you"]["name"] == "Pipe"
    process.stdin.write("Добрый вечер всем\n".encode())
    await process.stdin.drain()
    chat = await json_line(process, type="chat", text="Добрый вечер всем")
    assert chat["user"]["name"] == "Pipe"
    assert chat["lang"] == "ru"
    process.stdin.close()
    status, stdout, stderr = await finish(process)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert all(json.loads(line) for line in stdout.splitlines())


async def test_the_command_delivers_piped_lines_before_leaving_at_eof(server: Server) -> None:
    process = await livecommerce(
        *("chat", ws_url(server), "--name", "Эхо", "--lang", "ru", "--zone", "Asia/Almaty"),
        LIVECOMMERCE_LOCALE="kk",
    )
    assert process.stdin is not None
    process.stdin.write("Сколько стоит ноутбук?\n/nonsense\n".encode())
    process.stdin.close()
    status, stdout, stderr = await finish(process)
    assert status == 0, stderr
    # The server's clock says 12:00 UTC: 17:00 in Almaty. (Sentences are in Kazakh once
    # the catalog has them: only what every translation keeps is asserted.)
    line = next(line for line in stdout.splitlines() if "Сколько стоит ноутбук?" in line)
    assert line.startswith("#")
    assert " 17:00 [ru] Эхо (" in line
    assert line.endswith("): Сколько стоит ноутбук? [IT-LAP-14]")  # the product it names
    assert STREAM in stdout
    assert "/nonsense" in stdout
    assert "Traceback" not in stderr


@pytest.mark.parametrize("sigint", ["default", "ignored"])
async def test_ctrl_c_leaves_cleanly(server: Server, sigint: str) -> None:
    """Also when the chat was started with SIGINT ignored, as `command &` starts it from a
    shell without job control (a test run in the background): `asyncio.run` installs
    no handler of its own then, so the client installs one."""
    process = await livecommerce("chat", ws_url(server), "--json", "--lang", "kk", sigint=sigint)
    await json_line(process, type="hello")
    process.send_signal(signal.SIGINT)
    status, _, stderr = await finish(process)
    assert status == 130
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("url", "args", "status", "expected"),
    [
        ("ws://127.0.0.1:{free}/ws/streams/x", (), 6, "cannot reach ws://127.0.0.1:"),
        ("{server}/ws/streams/no-such-show", (), 7, "There is no such stream. (HTTP 404)"),
        ("{server}/ws/streams/" + STREAM, ("--token", "bad"), 7, "(HTTP 401)"),
        ("gopher://example/ws", (), 2, "is not a chat address"),
        ("{server}/ws/streams/" + STREAM, ("--lang", "k!"), 2, "--lang k!: expected"),
        ("{server}/ws/streams/" + STREAM, ("--zone", "Mars/Base"), 2, "--zone Mars/Base"),
    ],
)
async def test_the_command_fails_in_one_line(
    server: Server, url: str, args: tuple[str, ...], status: int, expected: str
) -> None:
    address = url.format(free=refused_port(), server=server.base.replace("http://", "ws://"))
    process = await livecommerce("chat", address, *args, stdin=asyncio.subprocess.DEVNULL)
    code, _, stderr = await finish(process)
    lines = stderr.strip().splitlines()
    assert code == status
    assert len(lines) == 1, stderr
    assert lines[0].startswith("livecommerce: ")
    assert expected in lines[0]
