"""Checks of the dist directory as a whole: every artifact present and matching the manifest."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from cmek import model, reading
from cmek.checks import DistDir, Problems, check, sources
from cmek.errors import quote


@check(
    "CMEK-DIST-001",
    "DIR holds exactly the files a build writes, each a regular file within its size cap: "
    "nothing missing or extra, no symbolic link, FIFO, device or socket.",
    sources.CFN_QUICK_CREATE,
)
def present(dist: DistDir) -> Problems:
    """Compared with what `cmek build` renders for this config, not with manifest.json: whoever can
    add a file can rewrite the manifest too."""
    yield from dist.unsafe()
    present = {e.relpath for e in dist.listing.entries if e.kind != reading.DIRECTORY}
    for relpath in sorted(dist.expected_files - present):
        yield relpath, "missing: a build writes it (run `cmek build`)"
    for relpath in sorted(set(dist.files) - dist.expected_files):
        yield relpath, "not written by a build (an extra file)"
    # A folder no build writes into is reported when empty (else its files are).
    folders = {str(f) for p in dist.expected_files | present for f in PurePosixPath(p).parents}
    for entry in dist.listing.entries:
        if entry.kind == reading.DIRECTORY and entry.relpath not in folders:
            yield entry.relpath, "not written by a build (an extra, empty folder)"


@check(
    "CMEK-DIST-002",
    "Every file matches its manifest.json sha256 and size, and no file is unlisted.",
    sources.S3_INTEGRITY,
)
def manifest(dist: DistDir) -> Problems:
    if not dist.exists(model.MANIFEST_FILE):
        return
    listed = {}
    for index, entry in enumerate(dist.manifest["files"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            yield model.MANIFEST_FILE, f"files[{index}] is not an object with a path"
            continue
        listed[entry["path"]] = entry
    on_disk = set(dist.files) - {model.MANIFEST_FILE}
    for relpath in sorted(on_disk - set(listed)):
        yield relpath, "not listed in manifest.json"
    for relpath, entry in sorted(listed.items()):
        if relpath not in on_disk:
            yield relpath, "listed in manifest.json but missing"
            continue
        data = dist.read_bytes(relpath)
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get(
            "size"
        ):
            yield relpath, "content differs from manifest.json (edited after the build?)"
    if dist.manifest.get("version") != model.VERSION:
        yield (
            model.MANIFEST_FILE,
            f"built by cmek {quote(dist.manifest.get('version'))}, this is cmek {model.VERSION}",
        )


@check(
    "CMEK-DIST-003",
    "Every CloudFormation template parses as YAML with CloudFormation's short-form tags.",
    sources.CFN_TEMPLATE_FORMATS,
)
def parses(dist: DistDir) -> Problems:
    for stack, error in dist.parse_errors.items():
        yield stack.path, error
