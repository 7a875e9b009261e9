"""One simulated person in the chat: a websocket client that outlives the server.

A `Participant` keeps one connection at a time. It reconnects after any drop, with
`?since=` the last message id it saw, and sends again every frame that had no answer
(with the same `ref`), so a restart of the server loses nothing the participant was told
was kept. A viewer's frames leave at most one per `pace` seconds, under the server's rate
limit. What comes in goes to `on_frame`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

Frame = dict[str, Any]

# Refusals a participant waits out and sends again (seconds to wait).
AGAIN = {"rate_limited": 1.5, "slow_mode": 2.0, "timed_out": 2.0, "store_unavailable": 1.0}
# Refusals that end the simulation: the show's chat does not take messages now.
CLOSED_CHAT = ("show_not_open", "show_closed")
RECONNECT = (0.2, 2.0)  # first and longest wait between connection attempts


class Refused(Exception):
    """The server refused the connection for good (HTTP `status`, the relay's `code`)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code


@dataclass
class Participant:
    """A person in one show's chat; `url` is the ws:// address with its query but `since`."""

    name: str
    url: str
    on_frame: Callable[[Participant, Frame], None]
    pace: float = 0.0
    pending: dict[str, Frame] = field(default_factory=dict)  # sent or queued, unanswered
    reconnects: int = 0
    resent: int = 0
    since: int | None = None
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _queue: deque[str] = field(default_factory=deque)
    _ws: ClientConnection | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _refs: int = 0

    def send(self, frame: Frame) -> str:
        """Queue `frame` with a new ref; it is kept, and sent again after a drop, until
        the server answers it."""
        self._refs += 1
        ref = f"{self.name}-{self._refs}"
        self.pending[ref] = {**frame, "ref": ref}
        self._queue.append(ref)
        self._wake.set()
        return ref

    def answered(self, ref: str) -> Frame | None:
        """The frame `ref` has its answer: forget it (the frame, if it was pending)."""
        frame = self.pending.pop(ref, None)
        self._wake.set()
        return frame

    def again(self, ref: str, after: float) -> None:
        """Send the pending frame `ref` again in `after` seconds."""
        if ref in self.pending:
            asyncio.get_running_loop().call_later(after, self._requeue, ref)

    def _requeue(self, ref: str) -> None:
        if ref in self.pending and ref not in self._queue:
            self._queue.append(ref)
            self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Connect, read and send until `stop`; reconnect after every drop."""
        sender = asyncio.create_task(self._sending())
        try:
            await self._connections()
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    async def _connections(self) -> None:
        attempt = 0
        first = True
        while not self._stop.is_set():
            url = self.url if self.since is None else f"{self.url}&since={self.since}"
            try:
                ws = await connect(url, open_timeout=10, close_timeout=2, max_size=2**22)
            except InvalidStatus as error:
                status = error.response.status_code
                if status in (400, 401, 403, 404):
                    raise Refused(status, _code(error.response.body)) from None
            except (OSError, TimeoutError, InvalidHandshake):
                pass
            else:
                if not first:
                    self.reconnects += 1
                first = False
                attempt = 0
                await self._pump(ws)
                continue
            attempt += 1
            wait = min(RECONNECT[1], RECONNECT[0] * 2 ** min(attempt, 6))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._stop.wait()

    async def _pump(self, ws: ClientConnection) -> None:
        self._ws = ws
        try:
            async for message in ws:
                frame = json.loads(message)
                if not isinstance(frame, dict):
                    continue
                if frame.get("type") == "hello":
                    if self.since is None:
                        self.since = int(frame.get("last_id") or 0)
                    self.connected.set()
                    self._wake.set()
                elif frame.get("type") == "chat" and isinstance(frame.get("id"), int):
                    self.since = max(self.since or 0, frame["id"])
                self.on_frame(self, frame)
                if self._stop.is_set() and not self.pending:
                    break
        except (ConnectionClosed, ValueError):
            pass
        finally:
            self._ws = None
            self.connected.clear()
            with contextlib.suppress(Exception):
                await ws.close()
            self._dropped()

    def _dropped(self) -> None:
        """What was sent had no answer: it goes out again, first, on the next connection."""
        waiting = set(self._queue)
        again = [ref for ref in self.pending if ref not in waiting]
        self.resent += len(again)
        self._queue.extendleft(reversed(again))

    async def _sending(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and self._ws is not None and self.connected.is_set():
                ref = self._queue[0]
                frame = self.pending.get(ref)
                if frame is None:
                    self._queue.popleft()
                    continue
                try:
                    await self._ws.send(json.dumps(frame, ensure_ascii=False))
                except (ConnectionClosed, AttributeError):
                    break
                self._queue.popleft()
                if self.pace:
                    await asyncio.sleep(self.pace)
            if self._stop.is_set() and not self.pending and self._ws is not None:
                await self._ws.close()


def _code(body: bytes | bytearray | None) -> str:
    try:
        return str(json.loads(bytes(body or b"").decode())["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
