"""The terminal chat client behind `livecommerce chat URL`.

- `commands`: typed lines -> client frames (pure)
- `rendering`: server frames -> one localized terminal line each (pure)
- `session`: the connection: connect, resume with `since`, reconnect, the pump
- `terminal`: stdin, stdout, Ctrl-C and the end of input; `main`, the entry point
- `errors`: what ends a chat, as one line and an exit status
"""

from livecommerce.cli.chat.terminal import main

__all__ = ["main"]
