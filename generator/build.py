"""Assemble every artifact in memory, then write the dist directory atomically.

Rendering is pure (config -> {relative path: text}); only `write` touches the filesystem, so a
failing render never leaves a half-written dist behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from generator import model
from generator.config import Config
from generator.errors import InputError

if TYPE_CHECKING:
    from generator.render.links import StackInputs


def artifacts(config: Config, inputs: StackInputs | None = None) -> dict[str, str]:
    """Every file of a dist directory, keyed by its path relative to it, manifest included.

    `inputs` pre-fill the console links (stack name, key ARNs, external ID) for one customer.
    """
    from generator.render import cloudformation, docs, links, snippet, terraform

    files: dict[str, str] = {}
    files.update(cloudformation.artifacts(config))
    files.update(terraform.artifacts(config))
    files.update(snippet.artifacts(config))
    files.update(links.artifacts(config, inputs))
    files.update(docs.artifacts(config, files))
    files[model.MANIFEST_FILE] = manifest(files)
    return dict(sorted(files.items()))


def to_json(data: object) -> str:
    """The one JSON style of dist/: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def manifest(files: dict[str, str]) -> str:
    entries = []
    for path, text in sorted(files.items()):
        data = text.encode("utf-8")
        entries.append(
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )
    return to_json({"files": entries, "generator": "cmek", "version": model.VERSION})


def write(files: dict[str, str], out: Path) -> None:
    """Replace `out` with exactly `files`; on any failure the old `out` stays as it was.

    Files go to a staging directory beside `out` (same filesystem, so renames are atomic), the old
    directory is renamed aside, the new one renamed in, and the old one removed; if the second
    rename fails, the first is undone.
    """
    what = f"--out {str(out)[:80]!r}"
    if out.name in ("", ".", ".."):
        raise InputError(f"{what}: expected a directory path ending in a name, like dist")
    try:
        if out.is_symlink():
            raise InputError(f"{what}: is a symbolic link; expected a real directory or none")
        if out.exists() and not out.is_dir():
            raise InputError(f"{what}: expected a directory, found a file")
        parent = out.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    except OSError as exc:
        raise InputError(f"{what}: cannot write there ({exc.strerror})") from None
    aside: Path | None = None
    try:
        for relpath, text in files.items():
            target = staging / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        os.chmod(staging, 0o755)
        if out.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, aside / out.name)
            try:
                os.replace(staging, out)
            except OSError:
                os.replace(aside / out.name, out)
                raise
        else:
            os.replace(staging, out)
    except OSError as exc:
        raise InputError(f"{what}: cannot write there ({exc.strerror})") from None
    finally:
        for leftover in (staging, aside):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover)
