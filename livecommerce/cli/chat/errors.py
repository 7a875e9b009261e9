"""The chat client's errors: each one line for the user and an exit status for the shell.

```
ChatError               chat: … (1)
├── BadUrlError         not a ws:// chat address (2)
├── BadOptionError      a command-line option out of range (2)
├── UnreachableError    no connection at all (6)
├── RefusedError        the relay refused the upgrade (7)
└── ClosedError         the relay closed the chat for good (7)
```
"""

from __future__ import annotations

from livecommerce.core.messages import N_
from livecommerce.errors import LivecommerceError


class ChatError(LivecommerceError):
    """The chat cannot go on: one line for the user, an exit status for the shell."""

    template = N_("chat: {detail}")
    exit_code = 1


class BadUrlError(ChatError):
    template = N_("{url} is not a chat address: expected ws://HOST:PORT/ws/streams/STREAM")
    exit_code = 2


class BadOptionError(ChatError):
    template = N_("{option} {value}: expected {expected}")
    exit_code = 2
    translated = ("expected",)


class UnreachableError(ChatError):
    template = N_("cannot reach {url}: {reason}")
    exit_code = 6
    translated = ("reason",)


class RefusedError(ChatError):
    template = N_("the chat refused the connection: {reason} (HTTP {status})")
    exit_code = 7
    translated = ("reason",)


class ClosedError(ChatError):
    template = N_("the chat closed the connection: {reason}")
    exit_code = 7
    translated = ("reason",)
