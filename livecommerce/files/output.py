"""Files a command writes where the user asks (`plan --ics`, `report --html`): whole or
not at all, and a path that cannot take them is one translated line, never a traceback."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from livecommerce.core.messages import N_
from livecommerce.errors import OutputFileError

REASONS = {
    errno.ENOENT: N_("its folder does not exist"),
    errno.ENOTDIR: N_("its folder does not exist"),
    errno.EISDIR: N_("it is a folder"),
    errno.EACCES: N_("it may not be written"),
    errno.EPERM: N_("it may not be written"),
    errno.EROFS: N_("it may not be written"),
    errno.ENOSPC: N_("the disk is full"),
    errno.ENAMETOOLONG: N_("the name is too long"),
}
OTHER = N_("the system refused to write it")


def write_atomically(path: Path, content: bytes | str, mode: int | None = None) -> None:
    """Write `content` to `path` through a temporary file in the same folder, renamed
    over it: a reader sees the old file or the new one, never half of one (OSError as
    it comes; `mode` for the file, else the temporary file's own, 0600)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_output(path: Path, content: bytes | str) -> None:
    """Write a file the user asked for, whole or not at all (`write_atomically`); a file
    marked read-only is refused even for root. `OutputFileError` names the path and the
    reason; nothing is left behind."""
    try:
        _refuse_read_only(path)
        write_atomically(path, content, mode=0o644)
    except OSError as error:
        reason = REASONS.get(error.errno or 0, OTHER)
        raise OutputFileError(path=str(path), reason=reason) from None


def _refuse_read_only(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "read-only", str(path))
