"""The terminal around a `Session`: lines read from stdin in a thread, frames printed
through rich (or as JSON lines), Ctrl-C and the end of input, and `main`, the entry point
of `livecommerce chat`."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.console import Console
from rich.text import Text

from livecommerce.cli.chat.commands import split_langs
from livecommerce.cli.chat.errors import BadOptionError, ChatError
from livecommerce.cli.chat.rendering import clean, render
from livecommerce.cli.chat.session import Lines, Options, Output, Session
from livecommerce.cli.console import system_zone
from livecommerce.config import Settings
from livecommerce.core.messages import N_
from livecommerce.i18n import Localizer, known_zone, localizer

INTERRUPTED = 130  # the shell's status for a command ended by Ctrl-C (128 + SIGINT)


class ConsoleOutput:
    """Frames rendered for people through rich: one line each, colour on a terminal."""

    raw = False
    _STYLES: ClassVar[dict[str, str]] = {"info": "cyan", "warning": "yellow", "error": "bold red"}

    def __init__(self, l10n: Localizer, console: Console | None = None) -> None:
        self.l10n = l10n
        self.console = console or Console(
            highlight=False, markup=False, emoji=False, soft_wrap=True
        )

    def frame(self, frame: dict[str, Any]) -> None:
        self.console.print(render(frame, self.l10n))

    def status(self, text: str, level: str = "info") -> None:
        self.console.print(Text(text, style=self._STYLES.get(level, "")))


class JsonOutput:
    """Frames as JSON lines on stdout, for scripts; status lines on stderr."""

    raw = True

    def __init__(self, out: Any = None, err: Any = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def frame(self, frame: dict[str, Any]) -> None:
        self.out.write(json.dumps(frame, ensure_ascii=False) + "\n")
        self.out.flush()

    def status(self, text: str, level: str = "info") -> None:
        self.err.write(clean(text) + "\n")
        self.err.flush()


def reader_zone(asked: str | None = None) -> str:
    """The zone to show times in: `--zone`, else TZ, else this computer's, else ""
    (the locale's home zone)."""
    if asked and not known_zone(asked):
        raise BadOptionError(
            option="--zone", value=asked, expected=N_("an IANA time zone such as Asia/Almaty")
        )
    return asked or system_zone()


def _stdin_lines(loop: asyncio.AbstractEventLoop, lines: Lines, fd: int = 0) -> None:
    """Read lines from a file descriptor in a daemon thread: the event loop never blocks
    on the terminal, and the process can leave while a read is pending."""

    def put(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, item)
        except RuntimeError:  # the loop is closed: the session is over
            return False
        return True

    def pump() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                rest = buffer + decoder.decode(b"", final=True)
                if rest.strip() and not put(rest):
                    return
                put(None)
                return
            buffer += decoder.decode(chunk)
            *complete, buffer = buffer.split("\n")
            for line in complete:
                if not put(line.rstrip("\r")):
                    return

    threading.Thread(target=pump, name="chat-stdin", daemon=True).start()


async def run_in_terminal(session: Session, fd: int = 0) -> int:
    """Chat on the lines read from `fd` until the session ends, or until Ctrl-C (SIGINT):
    then leave cleanly (the connection closed with a close frame) and return 130. A
    second Ctrl-C while leaving stops at once.

    The handler is installed here rather than left to `asyncio.run`, which installs its
    own only when SIGINT has Python's default handler: a chat started with SIGINT ignored
    (any `command &` from a shell without job control, so a test suite run in the
    background) could otherwise not be interrupted at all."""
    loop = asyncio.get_running_loop()
    lines: Lines = asyncio.Queue()
    _stdin_lines(loop, lines, fd)
    chat = asyncio.create_task(session.run(lines), name="chat-session")
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt  # out of the event loop, past any goodbye
        interrupted = True
        chat.cancel()

    loop.add_signal_handler(signal.SIGINT, interrupt)
    try:
        status = await chat
    except (asyncio.CancelledError, ChatError):
        if not interrupted:
            raise
        return INTERRUPTED
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    # A Ctrl-C that came as the session was ending on its own still means "interrupted".
    return INTERRUPTED if interrupted else status


def main(
    settings: Settings,
    *,
    url: str,
    langs: Iterable[str] = (),
    token: str | None = None,
    name: str | None = None,
    since: int | None = None,
    zone: str | None = None,
    as_json: bool = False,
) -> int:
    """`livecommerce chat`: the exit status (0 done, 2 bad usage, 6 unreachable, 7 refused
    or closed by the chat, 130 interrupted); every failure is one line on stderr."""
    l10n = localizer(settings.locale)
    try:
        l10n = localizer(settings.locale, reader_zone(zone))
        chosen: tuple[str, ...] = ()
        for value in langs:
            parsed = split_langs(value)
            if parsed is None:
                raise BadOptionError(
                    option="--lang", value=value, expected=N_("language codes such as kk,ru")
                )
            chosen = tuple(dict.fromkeys((*chosen, *parsed)))
        options = Options(url=url, langs=chosen, token=token, name=name, since=since)
        out: Output = JsonOutput() if as_json else ConsoleOutput(l10n)
        session = Session(options, out, l10n)
        return asyncio.run(run_in_terminal(session))
    except ChatError as error:
        sys.stdout.flush()
        print(f"livecommerce: {error.message(l10n.gettext)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # before the loop runs, or a second Ctrl-C
        return INTERRUPTED
    except BrokenPipeError:
        # The reader of our output left (`| head`): nothing more to say, nowhere to say it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
