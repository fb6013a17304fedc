"""Checks of the dist directory as a whole: every artifact present and matching the manifest."""

from __future__ import annotations

from pathlib import PurePosixPath

from cmek import manifest as manifests
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
        yield model.MANIFEST_FILE, "missing: nothing says which bytes this build holds"
        return
    try:
        listed = manifests.read(dist.read_bytes(model.MANIFEST_FILE))
    except manifests.ManifestError as exc:
        yield model.MANIFEST_FILE, f"cannot be read as a build manifest: {exc}"
        return
    on_disk = set(dist.files) - {model.MANIFEST_FILE}
    for mismatch in manifests.verify(listed, on_disk, dist.read_bytes):
        yield mismatch.path, _MESSAGES[mismatch.kind]
    if listed.version != model.VERSION:
        yield (
            model.MANIFEST_FILE,
            f"built by cmek {quote(listed.version)}, this is cmek {model.VERSION}",
        )


_MESSAGES = {
    manifests.UNLISTED: "not listed in manifest.json",
    manifests.MISSING: "listed in manifest.json but missing",
    manifests.DIFFERS: "content differs from manifest.json (edited after the build?)",
}


@check(
    "CMEK-DIST-003",
    "Every CloudFormation template parses as YAML with CloudFormation's short-form tags.",
    sources.CFN_TEMPLATE_FORMATS,
)
def parses(dist: DistDir) -> Problems:
    for stack, error in dist.parse_errors.items():
        yield stack.path, error
