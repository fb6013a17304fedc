"""Bounded reading of files and folders a user, or an attacker, controls.

Only regular files are read, and never more than `cap + 1` bytes of one: a FIFO would block the
`open`, a device such as /dev/zero never ends, a symbolic link may point anywhere. Files are opened
with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and, where asked, O_NOFOLLOW
(a symbolic link fails to open); `fstat` on the open descriptor then says what was really opened,
so nothing can be swapped in between a check and the read. Folders are walked without following
symbolic links, up to a number of entries.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cmek import model

FILE = "file"
DIRECTORY = "directory"
SYMLINK = "symbolic link"

_KINDS = (
    (stat.S_ISDIR, DIRECTORY),
    (stat.S_ISREG, FILE),
    (stat.S_ISLNK, SYMLINK),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


class Unreadable(Exception):
    """The file cannot be read safely; the message says why (no path: the caller names it)."""


def kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "special file")


def read_regular(path: Path, cap: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file `path`, at most `cap` of them, or `Unreadable`."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise Unreadable(f"is a {SYMLINK}") from None
        raise Unreadable(f"cannot read it ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Unreadable(f"is a {kind(mode)}, not a regular file")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, cap + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Unreadable(f"cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > cap:
        raise Unreadable(f"is larger than {cap} bytes")
    return b"".join(chunks)


@dataclass(frozen=True)
class Entry:
    """One entry under a walked folder: its path relative to the folder, kind and size."""

    relpath: str
    kind: str
    size: int


@dataclass(frozen=True)
class Listing:
    entries: tuple[Entry, ...]
    # True when the folder holds more than the walk's limit (the rest was not looked at).
    truncated: bool


def walk(root: Path, limit: int) -> Listing:
    """Every entry under `root`, sorted, never following a symbolic link, at most `limit`.

    `OSError` when `root` itself cannot be listed (the caller decides what that means).
    """
    found: list[Entry] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(root / prefix if prefix else root) as listing:
            children = sorted(listing, key=lambda e: e.name)
        for child in children:
            if len(found) >= limit:
                return Listing(tuple(sorted(found, key=lambda e: e.relpath)), True)
            info = child.stat(follow_symlinks=False)
            relpath = f"{prefix}{child.name}"
            found.append(Entry(relpath, kind(info.st_mode), info.st_size))
            if stat.S_ISDIR(info.st_mode):
                pending.append(f"{relpath}/")
    return Listing(tuple(sorted(found, key=lambda e: e.relpath)), False)


def inside(root: Path, relpath: str) -> bool:
    """Whether the symbolic link `root/relpath` resolves to somewhere inside `root`."""
    target = (root / relpath).resolve()
    return target.is_relative_to(root.resolve())


def dist_cap(relpath: str) -> int:
    """How many bytes a file of a dist directory may hold, by its kind (its name's suffix)."""
    for suffix in sorted(model.DIST_FILE_MAX_BYTES, key=len, reverse=True):
        if relpath.endswith(suffix):
            return model.DIST_FILE_MAX_BYTES[suffix]
    return model.DIST_FILE_DEFAULT_MAX_BYTES
