"""manifest.json, the sha256 and size of every file of a build: one type, one reader, one verifier.

`cmek build` writes it (and reads a previous build's before replacing that folder), `cmek check`
holds DIR to it (CMEK-DIST-002), and `cmek publish` uploads only what it lists. Reading is strict:
a manifest that is not exactly this shape is not a build's manifest, whoever reads it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from cmek import model
from cmek.render.dist_json import to_json

# What `verify` reports about a path.
MISSING = "listed but missing"
UNLISTED = "not listed"
DIFFERS = "differs"


class ManifestError(ValueError):
    """The bytes are not a build manifest; the message says what is expected."""


@dataclass(frozen=True)
class Entry:
    path: str
    sha256: str
    size: int

    def matches(self, data: bytes) -> bool:
        return len(data) == self.size and hashlib.sha256(data).hexdigest() == self.sha256


@dataclass(frozen=True)
class Manifest:
    """Every file of a build but the manifest itself, by path, and who built it."""

    files: dict[str, Entry]
    generator: str = model.MANIFEST_GENERATOR
    version: str = model.VERSION


class Mismatch(NamedTuple):
    path: str
    kind: str  # MISSING, UNLISTED or DIFFERS


def of(files: Mapping[str, str]) -> Manifest:
    """The manifest of a rendered build (`files` without manifest.json), by this cmek."""
    entries = {}
    for path, text in files.items():
        data = text.encode("utf-8")
        entries[path] = Entry(path, hashlib.sha256(data).hexdigest(), len(data))
    return Manifest(entries)


def write(manifest: Manifest) -> str:
    """The text of manifest.json: entries sorted by path, in dist/'s one JSON style."""
    entries = [
        {"path": e.path, "sha256": e.sha256, "size": e.size}
        for _, e in sorted(manifest.files.items())
    ]
    return to_json({"files": entries, "generator": manifest.generator, "version": manifest.version})


def read(data: bytes | str) -> Manifest:
    """Parse manifest.json; `ManifestError` names the first part that is not as `write` makes it."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise ManifestError(f"is not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise ManifestError("expected a JSON object with a 'files' list")
    for key in ("generator", "version"):
        if not isinstance(document.get(key), str):
            raise ManifestError(f"expected a {key!r} string")
    entries: dict[str, Entry] = {}
    for index, item in enumerate(document["files"]):
        entry = _entry(item)
        if entry is None:
            raise ManifestError(f"files[{index}] is not an object with a path, sha256 and size")
        if entry.path in entries:
            raise ManifestError(f"files[{index}] lists {entry.path!r} a second time")
        entries[entry.path] = entry
    return Manifest(entries, document["generator"], document["version"])


def _entry(item: Any) -> Entry | None:
    if not isinstance(item, dict):
        return None
    path, sha256, size = item.get("path"), item.get("sha256"), item.get("size")
    if not (isinstance(path, str) and isinstance(sha256, str)):
        return None
    if not isinstance(size, int) or isinstance(size, bool):
        return None
    return Entry(path, sha256, size)


def verify(
    manifest: Manifest, present: Iterable[str], read: Callable[[str], bytes]
) -> list[Mismatch]:
    """Every path where a build's files (`present`, manifest.json left out; `read` gives a file's
    bytes) and `manifest` disagree, sorted. Only listed files that are present are read."""
    found = []
    paths = set(present)
    for path in sorted(paths | set(manifest.files)):
        if path not in paths:
            found.append(Mismatch(path, MISSING))
        elif path not in manifest.files:
            found.append(Mismatch(path, UNLISTED))
        elif not manifest.files[path].matches(read(path)):
            found.append(Mismatch(path, DIFFERS))
    return found
