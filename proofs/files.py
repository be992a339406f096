"""Output files of the commands: one atomic write, one check of an output directory.

`atomic_write` writes to a temporary name in the target's directory and renames it into place,
so a reader sees the old file or the new one, never a part; the file gets the usual permissions
0o666 & ~umask (a temporary file from `mkstemp` is private, 0o600, which a report is not).
`check_out` refuses an output directory that cannot be used, before any work is done.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "check_out", "file_mode", "umask"]


def umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a file created with open() would get: 0o666 & ~umask."""
    return 0o666 & ~umask()


def atomic_write(path, data: str | bytes) -> Path:
    """Write `data` to `path` atomically (temporary file beside it, then os.replace), mode 0o666 & ~umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_out(out, option: str = "--out") -> None:
    """UsageError unless `out` is (or can be created as) a writable directory.

    Beyond the permission bits (os.access, which says yes to root everywhere) a directory is
    really created and removed in the nearest existing ancestor, so /proc/x-like paths are
    refused here rather than after the work.
    """
    from proofs.cli import UsageError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {out} exists and is not a directory")
    existing = out.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option} {out}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out} is not writable")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".simplest-node-probe-", dir=existing))
    except OSError as error:
        raise UsageError(f"{option} {out} is not writable ({error.strerror or error})") from None
