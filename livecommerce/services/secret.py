"""The key that signs chat tokens: from settings, else generated once into data_dir."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from livecommerce.config import Settings
from livecommerce.errors import ConfigError

# A key file shorter than this (hex characters) is not a key: it is replaced.
_MIN_LENGTH = 32


def load_secret(settings: Settings) -> bytes:
    """The signing key: the `secret` setting, else data_dir/secret (made on first use)."""
    if settings.secret:
        return settings.secret.encode()
    path = settings.data_dir / "secret"
    try:
        return _read_or_create(path)
    except OSError as error:
        raise ConfigError(
            key="data_dir",
            value=repr(str(settings.data_dir)),
            source="secret",
            expected=f"a writable folder ({error.strerror})",
        ) from None


def _read_or_create(path: Path) -> bytes:
    """Read the key at `path`, or make it so that concurrent first starts agree.

    The new key is written whole to a private temporary file in the same folder, then
    `os.link`ed into place: the link fails with FileExistsError when another process got
    there first, and then the winner's (complete) key is read. A key file is therefore
    never seen half-written, and never replaced once it is there.
    """
    existing = _read(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            winner = _read(path)
            if winner is not None:
                return winner
            # A file too short to be a key (never one of ours: ours appear whole) is
            # replaced; whoever reads after this agrees on what is on disk.
            os.replace(temporary, path)
            return _read(path) or key.encode()
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return key.encode()


def _read(path: Path) -> bytes | None:
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return key.encode() if len(key) >= _MIN_LENGTH else None
