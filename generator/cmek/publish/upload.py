"""Publish a build to S3: versioned and immutable, verified, and only then the stable paths.

Layout under `<prefix>/` (model.PUBLISH_*): `<version>/<path>` for every file of the build's
manifest plus one zip per Terraform module, then `<version>/manifest.json` last (a version without
it is incomplete; a re-run completes it). Only after that: `latest/` (a copy of the version), the
stable template `<prefix>/cmek.yaml`, the verified links, and `latest/manifest.json` last (so a
repeat publish reads two manifests and stops). Versioned objects are written with If-None-Match, so
even a concurrent writer cannot replace one.

Planning is pure (`plan_complete`, `plan_incomplete`, `published_links`); `S3` is the edge, one
method per call, each through `aws.call` so a failure names the bucket, key and cause.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cmek import aws, model, reading
from cmek import manifest as manifests
from cmek.config import TemplateLocation
from cmek.errors import InputError, ToolError, quote
from cmek.publish import module_zip
from cmek.render import dist_json

UPLOAD = "upload"
UPLOADED = "uploaded"
UNCHANGED = "unchanged"
REFUSED = "refused"
UPDATED = "updated"
DELETED = "deleted"
# S3 answers these for an object that is not there (GetObject says NoSuchKey, HEAD only 404).
_MISSING = ("NoSuchKey", "404", "NotFound")


# --- Where things go -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    bucket: str
    prefix: str
    version: str

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def versioned(self, path: str) -> str:
        return self.key(self.version, path)

    def latest(self, path: str) -> str:
        return self.key(model.PUBLISH_LATEST, path)

    def stable(self, stack: model.Stack) -> str:
        return self.key(stack.filename)


def check_bucket(bucket: str) -> str:
    from cmek import validate

    # No name of its own: the command puts the flag in front ("--bucket 'x': ...").
    return validate.s3_bucket(bucket, "")


def check_prefix(prefix: str) -> str:
    """A prefix of zero or more key segments (`a/b`), outer slashes trimmed."""
    prefix = prefix.strip("/")
    if prefix and not all(_segment(part) for part in prefix.split("/")):
        raise InputError(f"{quote(prefix)}: expected key segments like cf-templates or a/b")
    return prefix


def check_version(version: str) -> str:
    if not _segment(version) or version == model.PUBLISH_LATEST:
        raise InputError(
            f"{quote(version)}: expected one key segment like 1.2.0 "
            f"(letters, digits, . _ + -; not {model.PUBLISH_LATEST!r})"
        )
    return version


def target(bucket: str, prefix: str, version: str) -> Target:
    return Target(check_bucket(bucket), check_prefix(prefix), check_version(version))


def _segment(text: str) -> bool:
    return bool(re.fullmatch(model.PUBLISH_SEGMENT_PATTERN, text)) and text not in (".", "..")


# --- What a build holds --------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    """One object to publish: its path in the build, bytes, SHA-256 (hex) and Content-Type."""

    path: str
    data: bytes
    sha256: str
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class BuildFiles:
    """A build checked against its manifest: the manifest's bytes, and every file it lists plus
    the module zips, as publishing uploads them (not the dist directory: see `read_dist`)."""

    manifest: bytes
    items: tuple[Item, ...]

    def item(self, path: str) -> Item:
        return next(i for i in self.items if i.path == path)

    @property
    def manifest_item(self) -> Item:
        return make_item(model.MANIFEST_FILE, self.manifest)


def content_type(path: str) -> str:
    for suffix in sorted(model.CONTENT_TYPES, key=len, reverse=True):
        if path.endswith(suffix):
            return model.CONTENT_TYPES[suffix]
    raise InputError(
        f"{quote(path)}: no Content-Type known for it; expected a name ending in one of "
        f"{', '.join(model.CONTENT_TYPES)}"
    )


def make_item(path: str, data: bytes) -> Item:
    return Item(path, data, _sha256(data), content_type(path))


# Why publishing refuses a DIR that is not exactly what its manifest lists (exit 2).
_MISMATCH = {
    manifests.MISSING: f"listed in {model.MANIFEST_FILE} but missing",
    manifests.UNLISTED: f"not in {model.MANIFEST_FILE}; was it built?",
    manifests.DIFFERS: f"its bytes differ from {model.MANIFEST_FILE}; rebuild first",
}


def check_build(manifest: bytes, files: dict[str, bytes]) -> BuildFiles:
    """The build's files, if `files` are exactly what `manifest` lists (paths, sizes, SHA-256).

    Publishing what was not built is refused: a file edited, missing or added after the build.
    """
    try:
        listed = manifests.read(manifest)
    except manifests.ManifestError as exc:
        raise InputError(f"{model.MANIFEST_FILE}: expected a build manifest ({exc})") from None
    for path, kind in manifests.verify(listed, files, files.__getitem__)[:1]:
        raise InputError(f"{quote(path)}: {_MISMATCH[kind]}")
    items = [make_item(path, data) for path, data in sorted(files.items())]
    zips = module_zip.module_zips(files)
    items += [make_item(path, data) for path, data in sorted(zips.items())]
    return BuildFiles(manifest, tuple(items))


def read_dist(directory: Path) -> BuildFiles:
    """Read a build directory as the checks read it, and check it (see `check_build`).

    Through cmek/reading.py: a walk that follows no symbolic link, then regular files only,
    each within its cap. Anything else in DIR (a link, a FIFO, a device, a file over its cap) is
    refused by name: a build writes none, and publishing must neither hang nor upload what a link
    points at outside DIR.
    """
    try:
        listing = reading.walk(directory, model.DIST_ENTRIES_MAX)
    except OSError as exc:
        raise InputError(f"{quote(directory)}: cannot read the build ({exc.strerror})") from None
    if listing.truncated:
        limit = model.DIST_ENTRIES_MAX
        raise InputError(f"{quote(directory)}: cannot read the build (over {limit} entries)")
    files = {
        entry.relpath: _read_file(directory, entry)
        for entry in listing.entries
        if entry.kind != reading.DIRECTORY
    }
    if model.MANIFEST_FILE not in files:
        raise InputError(f"{quote(directory)}: cannot read the build (no {model.MANIFEST_FILE})")
    return check_build(files.pop(model.MANIFEST_FILE), files)


def _read_file(directory: Path, entry: reading.Entry) -> bytes:
    """A regular file's bytes within its cap; named by its path in DIR, as `check_build` does."""
    name = quote(entry.relpath)
    if entry.kind != reading.FILE:
        raise InputError(f"{name}: is a {entry.kind}; a build writes regular files only")
    cap = reading.dist_cap(entry.relpath)
    try:
        return reading.read_regular(directory / entry.relpath, cap, follow_symlinks=False)
    except reading.Unreadable as exc:
        raise InputError(f"{name}: {exc}") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Plans (pure) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    status: str
    key: str
    item: Item | None = None
    reason: str = ""


def plan_incomplete(build: BuildFiles, target: Target, remote: dict[str, str | None]) -> list[Step]:
    """Steps for a version without a manifest. `remote`: {key: stored SHA-256 hex or None} of every
    object already under the version: equal bytes are unchanged, anything else is refused."""
    steps = []
    expected = {target.versioned(item.path): item for item in build.items}
    for key, item in expected.items():
        if key not in remote:
            steps.append(Step(UPLOAD, key, item))
        elif remote[key] == item.sha256:
            steps.append(Step(UNCHANGED, key, item))
        elif remote[key] is None:
            steps.append(Step(REFUSED, key, item, "published without a SHA-256 checksum"))
        else:
            steps.append(Step(REFUSED, key, item, "published with other bytes"))
    extra = sorted(set(remote) - set(expected) - {target.versioned(model.PUBLISHED_LINKS_FILE)})
    steps += [Step(REFUSED, key, None, "published, but not in this build") for key in extra]
    return steps


def plan_complete(build: BuildFiles, target: Target, remote_manifest: bytes) -> list[Step]:
    """Steps for a version whose manifest is published: unchanged, or refused where it differs."""
    try:
        remote = {p: e.sha256 for p, e in manifests.read(remote_manifest).files.items()}
    except manifests.ManifestError:
        remote = {}
    same = remote_manifest == build.manifest
    steps = []
    for item in build.items:
        key = target.versioned(item.path)
        if same or remote.get(item.path) == item.sha256 or _zip_unchanged(item, build, remote):
            steps.append(Step(UNCHANGED, key, item))
        else:
            steps.append(Step(REFUSED, key, item, "published with other bytes"))
    local = {item.path for item in build.items}
    extra = [] if same else sorted(set(remote) - local)
    steps += [
        Step(REFUSED, target.versioned(p), None, "published, not in this build") for p in extra
    ]
    if not same:
        key = target.versioned(model.MANIFEST_FILE)
        steps.append(Step(REFUSED, key, build.manifest_item, "published with other bytes"))
    return steps


def _zip_unchanged(item: Item, build: BuildFiles, remote: dict[str, str]) -> bool:
    """A module zip is derived from its files: unchanged exactly when all of them are."""
    if not item.path.endswith(model.MODULE_ZIP_SUFFIX):
        return False
    inside = item.path.removesuffix(model.MODULE_ZIP_SUFFIX) + "/"
    members = [i for i in build.items if i.path.startswith(inside)]
    return bool(members) and all(remote.get(i.path) == i.sha256 for i in members)


def template_keys(target: Target) -> dict[str, tuple[str, model.Stack]]:
    """{template file name: (key, stack)}: only objects publishing creates."""
    return {
        s.filename: (target.key(model.template_path(s, target.version)), s) for s in model.STACKS
    }


def object_url(target: Target, region: str, key: str) -> str:
    """The HTTPS URL of an object (path style for a dotted bucket name, see TemplateLocation)."""
    return TemplateLocation(target.bucket, region, "").url(key)


def published_links(build: BuildFiles, target: Target, region: str) -> dict[str, Any]:
    """The build's links.json with every `templateURL` pointing at a published object.

    Everything else in a link (region, stack name, parameters, their encoding) stays byte for byte
    as the build rendered it; only the template URL is replaced.
    """
    built = json.loads(build.item(model.LINKS_FILE).data)
    urls = {
        name: object_url(target, region, key) for name, (key, _) in template_keys(target).items()
    }
    links = []
    for link in built["links"]:
        base, _, query = link["url"].partition("?templateURL=")
        rest = query.partition("&")[2]
        url = f"{base}?templateURL={_quote_url(urls[link['template']])}&{rest}"
        links.append({**link, "url": url})
    return {
        "bucket": target.bucket,
        "region": region,
        "version": target.version,
        "templates": urls,
        "module_sources": module_sources(target, region),
        "links": links,
    }


def _quote_url(url: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(url, safe=":/")


def module_sources(target: Target, region: str) -> dict[str, dict[str, str]]:
    """Terraform `source` values of each module of the published archive: `s3::` (any AWS
    credentials, go-getter's S3 form `s3-<region>.amazonaws.com/<bucket>/<key>`, which also works
    for dotted bucket names) and plain HTTPS (a public object, no credentials)."""
    key = target.versioned(model.MODULES_ZIP)
    archive = {
        "s3": f"s3::https://s3-{region}.amazonaws.com/{target.bucket}/{key}",
        "https": object_url(target, region, key),
    }
    return {
        module: {kind: model.module_source(url, module) for kind, url in archive.items()}
        for module in sorted(model.TERRAFORM_MODULES)
    }


# --- The S3 edge ---------------------------------------------------------------------------------
class S3:
    """One bucket through one boto3 client; `requests` counts HTTP requests sent (retries too)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.requests = 0
        client.meta.events.register("before-send.s3", self._count)

    def _count(self, **_: Any) -> None:
        self.requests += 1

    def _what(self, operation: str, key: str = "") -> str:
        return f"{operation} s3://{self.bucket}/{key}"

    def read(self, key: str) -> bytes | None:
        try:
            reply = aws.call(
                self._what("GetObject", key), self.client.get_object, Bucket=self.bucket, Key=key
            )
        except aws.AwsError as exc:
            if exc.code in _MISSING:
                return None
            raise
        return reply["Body"].read()

    def keys(self, prefix: str) -> list[str]:
        what = self._what("ListObjectsV2", prefix)
        found = aws.pages(what, self.client, "list_objects_v2", Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for page in found for o in page.get("Contents", [])]

    def checksum(self, key: str) -> tuple[str | None, int]:
        """The stored SHA-256 (hex; None if S3 holds none) and size of an object."""
        head = aws.call(
            self._what("HeadObject", key),
            self.client.head_object,
            Bucket=self.bucket,
            Key=key,
            ChecksumMode="ENABLED",
        )
        stored = head.get("ChecksumSHA256")
        digest = base64.b64decode(stored).hex() if stored and "-" not in stored else None
        return digest, head["ContentLength"]

    def put(self, key: str, item: Item, cache_control: str, create_only: bool) -> bool:
        """Upload `item`; with `create_only`, False if the key already exists (nothing written)."""
        extra = {"IfNoneMatch": "*"} if create_only else {}
        try:
            aws.call(
                self._what("PutObject", key),
                self.client.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=item.data,
                ContentType=item.content_type,
                CacheControl=cache_control,
                ChecksumAlgorithm="SHA256",
                **extra,
            )
        except aws.AwsError as exc:
            if create_only and exc.code == "PreconditionFailed":
                return False
            raise
        return True

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            reply = aws.call(
                self._what("DeleteObjects", batch[0]["Key"]),
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
            for error in reply.get("Errors", []):
                raise ToolError(
                    f"DeleteObjects s3://{self.bucket}/{error.get('Key')}: "
                    f"{error.get('Code')}: {error.get('Message')}"
                )

    def region(self) -> str:
        reply = aws.call(
            self._what("GetBucketLocation"), self.client.get_bucket_location, Bucket=self.bucket
        )
        # us-east-1 answers no constraint; "EU" is the legacy name of eu-west-1.
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
            reply.get("LocationConstraint"), reply.get("LocationConstraint")
        )


# --- Running it ----------------------------------------------------------------------------------
class Reporter(Protocol):
    def file(self, status: str, key: str, reason: str = "") -> None: ...

    def progress(self, done: int, total: int, key: str) -> None: ...


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    refused: bool = False
    stable_updated: bool = False
    links: dict[str, Any] | None = None
    links_key: str = ""

    def add(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1


def publish(
    build: BuildFiles,
    target: Target,
    s3: S3,
    report: Reporter,
    region: str | None = None,
    dry_run: bool = False,
) -> Summary:
    """Publish `build`; see the module docstring for the order. Refusals change nothing."""
    summary = Summary()
    remote_manifest = s3.read(target.versioned(model.MANIFEST_FILE))
    if remote_manifest is None:
        steps = plan_incomplete(build, target, _remote_checksums(s3, target))
    else:
        steps = plan_complete(build, target, remote_manifest)
    summary.refused = any(step.status == REFUSED for step in steps)
    if summary.refused or dry_run:
        for step in steps:
            status = "would upload" if step.status == UPLOAD else step.status
            report.file(status, step.key, step.reason)
            summary.add(status)
        if dry_run and not summary.refused:
            _plan_stable(build, target, s3, report, summary)
        return summary
    run = _Run(s3, target, build, report, summary)
    run.version(steps, remote_manifest is None)
    if s3.read(target.latest(model.MANIFEST_FILE)) != build.manifest:
        run.stable(region or s3.region())
    return summary


def _remote_checksums(s3: S3, target: Target) -> dict[str, str | None]:
    """{key: stored SHA-256} of what an incomplete version already holds (HEAD on each)."""
    return {key: s3.checksum(key)[0] for key in s3.keys(target.versioned("") + "/")}


def stable_items(build: BuildFiles, target: Target) -> dict[str, Item]:
    """{stable key: item}: the templates the console links open, and the launch page (if the
    build has one) at `<prefix>/index.html`, both replaced on each publish (short cache)."""
    items = {target.stable(stack): build.item(stack.path) for stack in model.PUBLISH_STABLE_STACKS}
    if any(item.path == model.PAGE_FILE for item in build.items):
        items[target.key(model.PAGE_FILE)] = build.item(model.PAGE_FILE)
    return items


def _plan_stable(
    build: BuildFiles, target: Target, s3: S3, report: Reporter, summary: Summary
) -> None:
    if s3.read(target.latest(model.MANIFEST_FILE)) == build.manifest:
        return
    keys = list(stable_items(build, target))
    keys += [target.latest(item.path) for item in build.items]
    for key in keys:
        report.file("would update", key)
        summary.add("would update")


class _Run:
    """The writes of one publish, in order; `verified` holds every key HEAD-checked in this run."""

    def __init__(
        self, s3: S3, target: Target, build: BuildFiles, report: Reporter, summary: Summary
    ):
        self.s3 = s3
        self.target = target
        self.build = build
        self.report = report
        self.summary = summary
        self.verified: set[str] = set()

    def version(self, steps: list[Step], incomplete: bool) -> None:
        uploads = [step for step in steps if step.status == UPLOAD]
        for step in steps:
            if step.status == UNCHANGED:
                if incomplete:
                    self.verified.add(step.key)
                self._line(UNCHANGED, step.key)
        for done, step in enumerate(uploads, 1):
            self.report.progress(done, len(uploads), step.key)
            self._immutable(step.key, step.item)
        for step in uploads:
            if step.key not in self.verified:
                self.verify(step.key, step.item)
        if incomplete:
            key = self.target.versioned(model.MANIFEST_FILE)
            self._immutable(key, self.build.manifest_item)
            self.verify(key, self.build.manifest_item)

    def _immutable(self, key: str, item: Item) -> None:
        """Create a versioned object; one that appeared meanwhile must hold the same bytes."""
        if self.s3.put(key, item, model.CACHE_CONTROL_VERSIONED, create_only=True):
            self._line(UPLOADED, key)
            return
        self.verify(key, item)
        self._line(UNCHANGED, key)

    def verify(self, key: str, item: Item) -> None:
        digest, size = self.s3.checksum(key)
        if digest != item.sha256 or size != item.size:
            raise ToolError(
                f"HeadObject s3://{self.s3.bucket}/{key}: stored object (sha256 {digest}, "
                f"{size} bytes) differs from the build (sha256 {item.sha256}, {item.size} bytes)"
            )
        self.verified.add(key)

    def _line(self, status: str, key: str) -> None:
        self.report.file(status, key)
        self.summary.add(status)

    def _replace(self, key: str, item: Item) -> None:
        self.s3.put(key, item, model.CACHE_CONTROL_STABLE, create_only=False)
        self.verify(key, item)
        self._line(UPDATED, key)

    def stable(self, region: str) -> None:
        """latest/, the stable templates, the verified links, and latest/manifest.json last."""
        target, build = self.target, self.build
        for done, item in enumerate(build.items, 1):
            self.report.progress(done, len(build.items), target.latest(item.path))
            self._replace(target.latest(item.path), item)
        for key, item in stable_items(build, target).items():
            self._replace(key, item)
        links = self._links(region)
        wanted = {target.latest(p) for p in (*(i.path for i in build.items), model.MANIFEST_FILE)}
        wanted.add(target.latest(model.PUBLISHED_LINKS_FILE))
        stale = sorted(set(self.s3.keys(target.latest("") + "/")) - wanted)
        if stale:
            self.s3.delete(stale)
            for key in stale:
                self._line(DELETED, key)
        self._replace(target.latest(model.MANIFEST_FILE), build.manifest_item)
        self.summary.stable_updated = True
        self.summary.links = links

    def _links(self, region: str) -> dict[str, Any]:
        """Write the links next to the version's manifest (and in latest/) once every object
        they point at has been verified in this run."""
        target = self.target
        for key, stack in template_keys(target).values():
            if key not in self.verified:
                self.verify(key, self.build.item(stack.path))
        links = published_links(self.build, target, region)
        item = make_item(model.PUBLISHED_LINKS_FILE, dist_json.to_json(links).encode())
        key = target.versioned(model.PUBLISHED_LINKS_FILE)
        self._immutable(key, item)
        self.verify(key, item)
        self._replace(target.latest(model.PUBLISHED_LINKS_FILE), item)
        self.summary.links_key = key
        return links


def verified_urls(links: dict[str, Any]) -> list[str]:
    """Every template URL the published links use (each points at an object verified in the run)."""
    return sorted(set(links["templates"].values()))
