"""Assemble every artifact in memory, then write the dist directory atomically.

Rendering is pure (config -> {relative path: text}); only `write` touches the filesystem, so a
failing render never leaves a half-written dist behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from cmek import manifest as manifests
from cmek import model, reading
from cmek.config import Config
from cmek.errors import InputError, ToolError, quote

if TYPE_CHECKING:
    from cmek.render.links import StackInputs

# Hidden folders beside DIR while a build is written (`new`) and, without renameat2, the previous
# build on its way out (`old`).
STAGING_PREFIX = ".cmek-build-"
# How many random characters tempfile.mkdtemp puts after a prefix (tempfile._RandomNameSequence).
_MKDTEMP_RANDOM_CHARS = 8


def artifacts(config: Config, inputs: StackInputs | None = None) -> dict[str, str]:
    """Every file of a dist directory, keyed by its path relative to it, manifest included.

    `inputs` pre-fill the console links (stack name, key ARNs, external ID) for one customer.
    """
    from cmek.render import cloudformation, docs, links, page, snippet, tf_gcp, tf_modules

    files: dict[str, str] = {}
    files.update(cloudformation.artifacts(config))
    files.update(tf_modules.artifacts(config))
    files.update(tf_gcp.artifacts(config))
    files.update(snippet.artifacts(config))
    files.update(links.artifacts(config, inputs))
    files.update(docs.artifacts(config, files))
    files.update(page.artifacts(config, files))  # after every file it lists the hash of
    files[model.MANIFEST_FILE] = manifest(files)
    return dict(sorted(files.items()))


def manifest(files: dict[str, str]) -> str:
    """The text of manifest.json for `files` (see cmek/manifest.py)."""
    return manifests.write(manifests.of(files))


def check_target(out: Path) -> None:
    """Refuse an output path whose contents a build could lose (the caller's mistake, exit 2).

    Accepted: a missing folder, an empty one, or a previous cmek build (its manifest.json names
    cmek, and every file in the folder is listed there with the same SHA-256). However the path is
    spelled, the folder it resolves to is judged; the current directory, the home directory, their
    ancestors and the root are never a dist directory.
    """
    if out.name in ("", ".", ".."):
        raise InputError(f"{quote(out)}: expected a directory path ending in a name, like dist")
    if out.is_symlink():
        raise InputError(f"{quote(out)}: is a symbolic link; expected a real directory or none")
    resolved = out.resolve()
    for place, name in ((Path.cwd(), "the current directory"), (Path.home(), "your home")):
        if resolved == place.resolve() or resolved in place.resolve().parents:
            raise InputError(f"{quote(out)}: is {name} or holds it; expected a folder like dist")
    parent = out.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{quote(out)}: {quote(parent)} is not a directory")
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        kind = reading.kind(out.lstat().st_mode)
        raise InputError(f"{quote(out)}: expected a directory, found a {kind}")
    _previous_build_or_empty(out)


def _previous_build_or_empty(out: Path) -> None:
    expected = "expected a missing or empty folder, or a previous cmek build; move its files away"
    try:
        listing = reading.walk(out, model.DIST_ENTRIES_MAX)
    except OSError as exc:
        raise InputError(f"{quote(out)}: cannot list it ({exc.strerror}); {expected}") from None
    files = [e for e in listing.entries if e.kind != reading.DIRECTORY]
    if not files and not listing.truncated:
        return
    built = _manifest_of(out)
    if built is None or listing.truncated:
        raise InputError(
            f"{quote(out)}: holds files but no manifest.json of a cmek build; {expected}"
        )
    for entry in files:
        if entry.relpath == model.MANIFEST_FILE:
            continue
        if entry.kind != reading.FILE or entry.relpath not in built.files:
            what = f"{quote(entry.relpath)} ({entry.kind})"
            raise InputError(f"{quote(out)}: holds {what}, not part of its cmek build; {expected}")
        try:
            data = reading.read_regular(out / entry.relpath, reading.dist_cap(entry.relpath), False)
        except reading.Unreadable as exc:
            raise InputError(f"{quote(out)}: {quote(entry.relpath)} {exc}; {expected}") from None
        if not built.files[entry.relpath].matches(data):
            raise InputError(
                f"{quote(out)}: {quote(entry.relpath)} was edited after the build (its SHA-256 "
                f"differs from manifest.json); {expected}"
            )


def _manifest_of(out: Path) -> manifests.Manifest | None:
    """`out`'s manifest.json if cmek wrote it, else None."""
    try:
        data = reading.read_regular(out / model.MANIFEST_FILE, reading.dist_cap(""), False)
        built = manifests.read(data)
    except (reading.Unreadable, manifests.ManifestError):
        return None
    return built if built.generator == model.MANIFEST_GENERATOR else None


def write(files: dict[str, str], out: Path) -> tuple[str, ...]:
    """Replace `out` with exactly `files`; on any failure the old `out` stays as it was.

    Returns warnings: a previous build that could not be removed once the new one was in place
    (the new build is installed; the warning names what to delete). A path that cannot be a dist
    directory is bad input; an OS refusal while writing (permissions, a full or read-only disk)
    means the tool could not do its job.
    """
    check_target(out)
    parent = out.absolute().parent
    staging: Path | None = None
    swapped, old = False, None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with _signals_held():
            # Made and named under held signals: a signal can no longer land between the folder's
            # creation and the name the clean-up below needs.
            staging = _staging(parent)
        _fill(staging, files)
        with _signals_held():
            old = _swap_in(staging, out)
            swapped = True
    except OSError as exc:
        raise ToolError(f"cannot write {quote(out)}: {exc.strerror}") from None
    except BaseException:
        # A held Ctrl-C or SIGTERM arrives once the swap is done: the new build stays in place.
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    finally:
        if not swapped and staging is not None:
            # A failure or an interruption before the swap: the staging copy is half a build.
            shutil.rmtree(staging, ignore_errors=True)
    if old is None:
        return ()
    try:
        return _remove_old(old)
    except BaseException:
        # A signal while the previous build is deleted: it is still deleted before the exit.
        shutil.rmtree(old, ignore_errors=True)
        raise


def room(files: dict[str, str], out: Path) -> int:
    """The bytes a build adds to the path `out` at its deepest: the longest file path under it,
    and the staging folder's name where that is longer than `out`'s own (see `_staging`)."""
    staging = len(STAGING_PREFIX) + len("new-") + _MKDTEMP_RANDOM_CHARS
    longer = max(0, staging - len(os.fsencode(out.name)))
    return longer + 1 + max((len(relpath.encode()) for relpath in files), default=0)


def _staging(parent: Path, kind: str = "new") -> Path:
    """A fresh hidden folder beside DIR. Its name is derived, not DIR's name with a suffix: a
    DIR name of up to NAME_MAX bytes must still leave room for the staging copy's name."""
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{kind}-", dir=parent))


def _fill(staging: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        target = staging / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    os.chmod(staging, 0o755)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (they wait, pending) while the new build is swapped in.

    With the atomic exchange this is defence in depth; with the two-rename fallback it is what
    keeps a Ctrl-C or a SIGTERM from leaving DIR missing. SIGKILL cannot be held: only the atomic
    exchange makes a SIGKILL harmless.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    # The mask to restore is read before anything is blocked: a signal that arrived just before
    # the block raises (KeyboardInterrupt) as the blocking call returns, and the `finally` must
    # restore the mask then too; read by that same call, it would be lost and stay blocked.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap_in(staging: Path, out: Path) -> Path | None:
    """Put `staging` at `out`; return where the previous build now is (to delete), if any.

    On Linux the two directories are exchanged in one renameat2(RENAME_EXCHANGE): at every instant
    `out` is the complete old or the complete new build, whatever signal arrives. A missing `out`
    is created by one rename that refuses to replace anything (RENAME_NOREPLACE).
    """
    if _renameat2() is not None:
        exists = os.path.lexists(out)
        try:
            _renameat2_call(staging, out, RENAME_EXCHANGE if exists else RENAME_NOREPLACE)
            return staging if exists else None
        except OSError as exc:
            if exc.errno not in _NOT_SUPPORTED:
                raise
    return _two_renames(staging, out)


def _two_renames(staging: Path, out: Path) -> Path | None:
    """The fallback where renameat2 is unavailable (not Linux, an old C library, a filesystem
    without RENAME_EXCHANGE): the old `out` is renamed aside, then `staging` to `out`; between the
    two renames `out` is missing, which held signals cover except for SIGKILL."""
    if not os.path.lexists(out):
        os.replace(staging, out)
        return None
    aside = _staging(out.absolute().parent, "old")
    os.replace(out, aside / out.name)
    try:
        os.replace(staging, out)
    except OSError:
        os.replace(aside / out.name, out)
        shutil.rmtree(aside)
        raise
    return aside


def _remove_old(old: Path) -> tuple[str, ...]:
    try:
        shutil.rmtree(old)
    except OSError as exc:
        return (
            f"the new build is in place, but the previous one could not be removed "
            f"({exc.strerror}): delete {old}",
        )
    return ()


# --- renameat2(2): the atomic exchange of two directories (Linux 3.15+, glibc 2.28+) ------------
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# What renameat2 answers where the kernel or the filesystem lacks the flag: fall back.
_NOT_SUPPORTED = (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's `renameat2`, called through ctypes: Python's os module has no binding for it
    (os.rename and os.replace are rename(2), which cannot exchange two directories). None where
    the C library lacks it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _renameat2_call(source: Path, target: Path, flags: int) -> None:
    function = _renameat2()
    assert function is not None
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(source), None, str(target))
