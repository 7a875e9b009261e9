"""The key that signs chat tokens: from settings, else generated once into data_dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from livecommerce.config import Settings
from livecommerce.errors import ConfigError


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
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key.encode()
