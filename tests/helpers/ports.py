"""Ports for the servers a test starts itself.

Whatever can listen on port 0 does, and says where it listens: `serve --port 0` prints
its address (tests.helpers.serve), in-process servers read theirs from the socket. Two
cannot: PostgreSQL reports no port it picked, and Redis takes `--port 0` to mean "no TCP
at all". Both must also come back on the same port after the test restarts them. For
them, and only them, `on_a_free_port` is the one port picker: it asks the OS for a free
port, lets the server try it, and tries another port when the server says the address
is in use (someone took it between the pick and the bind).

A test that needs an address where nobody listens uses `refused_port`: a port held
bound, never listening, for the whole session, so connections to it are refused and no
one else can take it.
"""

from __future__ import annotations

import atexit
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
ATTEMPTS = 5
ADDRESS_IN_USE = "Address already in use"  # what PostgreSQL and Redis log (strerror)


class PortTaken(Exception):
    """The server could not bind `port`: another process had it first."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is taken")
        self.port = port


def _offered() -> int:
    """A loopback port nobody listened on a moment ago (the OS's pick, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def on_a_free_port(start: Callable[[int], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """`start(port)` on a free loopback port; another port while it raises PortTaken."""
    taken: list[int] = []
    for _ in range(attempts):
        port = _offered()
        try:
            return await start(port)
        except PortTaken:
            taken.append(port)
    raise AssertionError(f"every port offered was taken before the server bound it: {taken}")


_held: list[socket.socket] = []


def refused_port() -> int:
    """A loopback port bound by this process and never listening: a connection to it is
    refused at once, and no other process can listen there while the tests run."""
    if not _held:
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        held.bind(("127.0.0.1", 0))
        atexit.register(held.close)
        _held.append(held)
    return int(_held[0].getsockname()[1])
