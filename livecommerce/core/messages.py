"""Marking of the sentences the core hands out; they are translated where they are shown.

The core has no catalogs: it names a sentence by its English template and its
parameters, and the adapter that delivers it translates it for each reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(message: str) -> str:
    """Mark a message for extraction into the catalogs."""
    return message


@dataclass(frozen=True)
class Text:
    """A sentence for people: an English template and its parameters."""

    template: str
    params: dict[str, object] = field(default_factory=dict)
