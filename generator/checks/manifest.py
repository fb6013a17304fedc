"""Checks of the dist directory as a whole: every artifact present and matching the manifest."""

from __future__ import annotations

import hashlib

from generator import model
from generator.checks import DistDir, Problems, check, sources


@check(
    "CMEK-DIST-001",
    "Every template, links.json, the snippet and manifest.json are present.",
    sources.CFN_QUICK_CREATE,
)
def present(dist: DistDir) -> Problems:
    required = [s.path for s in model.STACKS]
    required += [model.LINKS_FILE, model.SNIPPET_FILE, model.MANIFEST_FILE]
    for relpath in required:
        if not dist.exists(relpath):
            yield relpath, "missing: run `cmek build`"


@check(
    "CMEK-DIST-002",
    "Every file matches its manifest.json sha256 and size, and no file is unlisted.",
    sources.S3_INTEGRITY,
)
def manifest(dist: DistDir) -> Problems:
    if not dist.exists(model.MANIFEST_FILE):
        return
    listed = {entry["path"]: entry for entry in dist.manifest["files"]}
    on_disk = {
        p.relative_to(dist.root).as_posix()
        for p in dist.root.rglob("*")
        if p.is_file() and p.relative_to(dist.root).as_posix() != model.MANIFEST_FILE
    }
    for relpath in sorted(on_disk - set(listed)):
        yield relpath, "not listed in manifest.json"
    for relpath, entry in sorted(listed.items()):
        if relpath not in on_disk:
            yield relpath, "listed in manifest.json but missing"
            continue
        data = (dist.root / relpath).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
            yield relpath, "content differs from manifest.json (edited after the build?)"
    if dist.manifest.get("version") != model.VERSION:
        yield (
            model.MANIFEST_FILE,
            (f"built by cmek {dist.manifest.get('version')}, this is cmek {model.VERSION}"),
        )


@check(
    "CMEK-DIST-003",
    "Every CloudFormation template parses as YAML with CloudFormation's short-form tags.",
    sources.CFN_TEMPLATE_FORMATS,
)
def parses(dist: DistDir) -> Problems:
    for stack, error in dist.parse_errors.items():
        yield stack.path, error
