"""Assemble every artifact in memory, then write the dist directory atomically.

Rendering is pure (config -> {relative path: text}); only `write` touches the filesystem, so a
failing render never leaves a half-written dist behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from generator import model
from generator.config import Config
from generator.errors import InputError, ToolError, quote
from generator.render.dist_json import to_json

if TYPE_CHECKING:
    from generator.render.links import StackInputs


def artifacts(config: Config, inputs: StackInputs | None = None) -> dict[str, str]:
    """Every file of a dist directory, keyed by its path relative to it, manifest included.

    `inputs` pre-fill the console links (stack name, key ARNs, external ID) for one customer.
    """
    from generator.render import cloudformation, docs, links, snippet, tf_modules

    files: dict[str, str] = {}
    files.update(cloudformation.artifacts(config))
    files.update(tf_modules.artifacts(config))
    files.update(snippet.artifacts(config))
    files.update(links.artifacts(config, inputs))
    files.update(docs.artifacts(config, files))
    files[model.MANIFEST_FILE] = manifest(files)
    return dict(sorted(files.items()))


def manifest(files: dict[str, str]) -> str:
    entries = []
    for path, text in sorted(files.items()):
        data = text.encode("utf-8")
        entries.append(
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )
    return to_json({"files": entries, "generator": "cmek", "version": model.VERSION})


def check_target(out: Path) -> None:
    """Refuse an output path that cannot be a dist directory (the caller's mistake, exit 2)."""
    if out.name in ("", ".", ".."):
        raise InputError(f"{quote(out)}: expected a directory path ending in a name, like dist")
    if out.is_symlink():
        raise InputError(f"{quote(out)}: is a symbolic link; expected a real directory or none")
    if out.exists() and not out.is_dir():
        raise InputError(f"{quote(out)}: expected a directory, found a file")
    parent = out.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{quote(out)}: {quote(parent)} is not a directory")


def write(files: dict[str, str], out: Path) -> None:
    """Replace `out` with exactly `files`; on any failure the old `out` stays as it was.

    A path that cannot be a dist directory is bad input; an OS refusal while writing (permissions,
    a full or read-only disk) means the tool could not do its job.
    """
    check_target(out)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    except OSError as exc:
        raise ToolError(f"cannot write {quote(out)}: {exc.strerror}") from None
    try:
        _fill(staging, files)
        _swap_in(staging, out)
    except OSError as exc:
        raise ToolError(f"cannot write {quote(out)}: {exc.strerror}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _fill(staging: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        target = staging / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    os.chmod(staging, 0o755)


def _swap_in(staging: Path, out: Path) -> None:
    """Rename `staging` to `out` (same filesystem, so atomic); an old `out` is renamed aside
    first, restored if the swap fails, and removed once the new one is in place."""
    if not out.exists():
        os.replace(staging, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.absolute().parent))
    try:
        os.replace(out, aside / out.name)
        try:
            os.replace(staging, out)
        except OSError:
            os.replace(aside / out.name, out)
            raise
    finally:
        shutil.rmtree(aside)
