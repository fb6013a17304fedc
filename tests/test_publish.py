"""`cmek publish` against a real moto server (HTTP through boto3): layout, immutability, checksums,
request counts, dry run, failures mid-way, permissions, links, and the module zips as Terraform
module sources."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.client
import io
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import moto_server
import pytest
from cmek import aws, build, cli, model, terraform_runner
from cmek.config import Config
from cmek.model import TfModule, TfOutput, TfVar
from cmek.publish import module_zip
from cmek.publish import upload as publish

# Checks run here fork cmek check's second process from this one: warm it once (conftest.py).
pytestmark = pytest.mark.usefixtures("warm_check_caches")

# Dots in the name: the S3 client and every URL must use path-style addressing.
BUCKET = "cmek.templates.example"
REGION = "us-east-2"
PREFIX = model.PUBLISH_PREFIX
VERSION = model.VERSION
OTHER_PRINCIPAL = "arn:aws:iam::123456789012:role/other-kms-request-role"


class Lines:
    """A `publish.Reporter` that keeps what it was told."""

    def __init__(self) -> None:
        self.files: list[tuple[str, str, str]] = []
        self.progress_calls = 0

    def file(self, status: str, key: str, reason: str = "") -> None:
        self.files.append((status, key, reason))

    def progress(self, done: int, total: int, key: str) -> None:
        self.progress_calls += 1

    def statuses(self) -> set[str]:
        return {status for status, _, _ in self.files}


@pytest.fixture
def s3(aws: Callable) -> object:
    client = aws("s3", REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def run_publish(
    dist: Path, endpoint: str, version: str = VERSION, dry_run: bool = False
) -> tuple[publish.Summary, Lines, int]:
    """Publish in-process; (summary, reported lines, HTTP requests sent)."""
    target = publish.target(BUCKET, PREFIX, version)
    store = publish.S3(aws.client("s3", REGION, endpoint), BUCKET)
    lines = Lines()
    summary = publish.publish(publish.read_dist(dist), target, store, lines, None, dry_run)
    return summary, lines, store.requests


def cmek(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """The CLI in-process (same parser, same error handling as `cmek`)."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(client: object) -> dict[str, tuple[str, bytes]]:
    """{key: (ETag, bytes)} of every object in the bucket."""
    result = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", []):
            body = client.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
            result[entry["Key"]] = (entry["ETag"], body)
    return result


def manifest_entries(dist: Path) -> dict[str, dict]:
    data = json.loads((dist / model.MANIFEST_FILE).read_text())
    return {entry["path"]: entry for entry in data["files"]}


def build_into(directory: Path, config: Config | None = None) -> Path:
    build.write(build.artifacts(config or Config()), directory)
    return directory


# --- First publish, layout, checksums ------------------------------------------------------------
def test_first_publish_uploads_every_file_verified_then_the_stable_paths(
    built: Path, s3: object, moto_reset: str
) -> None:
    summary, lines, _ = run_publish(built, moto_reset)
    assert not summary.refused and summary.stable_updated
    entries = manifest_entries(built)
    dist = publish.read_dist(built)
    expected = {item.path: item.data for item in (*dist.items, dist.manifest_item)}
    assert set(expected) == {*entries, model.MANIFEST_FILE, model.MODULES_ZIP}
    for path, data in expected.items():
        key = f"{PREFIX}/{VERSION}/{path}"
        head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
        stored = base64.b64decode(head["ChecksumSHA256"]).hex()
        assert (stored, head["ContentLength"]) == (hashlib.sha256(data).hexdigest(), len(data))
        if path in entries:
            assert (stored, head["ContentLength"]) == (
                entries[path]["sha256"],
                entries[path]["size"],
            )
        assert head["CacheControl"] == model.CACHE_CONTROL_VERSIONED
        assert head["ContentType"] == publish.content_type(path)
        assert ("uploaded", key, "") in lines.files
    stable = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{model.STACK_COMBINED.filename}")
    assert stable["Body"].read() == (built / model.STACK_COMBINED.path).read_bytes()
    assert stable["CacheControl"] == model.CACHE_CONTROL_STABLE
    latest = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/latest/{model.MANIFEST_FILE}")
    assert latest["Body"].read() == (built / model.MANIFEST_FILE).read_bytes()
    assert latest["CacheControl"] == model.CACHE_CONTROL_STABLE


def test_the_launch_page_is_also_published_at_the_stable_path_as_html_with_a_short_cache(
    built: Path, s3: object, moto_reset: str
) -> None:
    run_publish(built, moto_reset)
    data = (built / model.PAGE_FILE).read_bytes()
    for key, cache in (
        (f"{PREFIX}/{model.PAGE_FILE}", model.CACHE_CONTROL_STABLE),
        (f"{PREFIX}/{VERSION}/{model.PAGE_FILE}", model.CACHE_CONTROL_VERSIONED),
    ):
        stored = s3.get_object(Bucket=BUCKET, Key=key)
        assert stored["Body"].read() == data
        assert stored["ContentType"] == "text/html; charset=utf-8"
        assert stored["CacheControl"] == cache


def test_content_types_by_kind() -> None:
    assert publish.content_type("cloudformation/cmek.yaml") == "application/yaml"
    assert publish.content_type("links.json") == "application/json"
    assert publish.content_type("README.md").startswith("text/markdown")
    assert publish.content_type("terraform/modules/cmek-policy.zip") == "application/zip"
    for path in ("main.tf", "tests/x.tftest.hcl", "terraform.tfvars.example", "docs/index.html"):
        assert publish.content_type(path).startswith("text/")
    with pytest.raises(publish.InputError, match="no Content-Type"):
        publish.content_type("notes.bin")


# --- Repeat, refusal, dry run --------------------------------------------------------------------
def test_repeat_publish_reads_two_manifests_and_writes_nothing(
    built: Path, s3: object, moto_reset: str
) -> None:
    run_publish(built, moto_reset)
    before = snapshot(s3)
    summary, lines, requests = run_publish(built, moto_reset)
    # One GET of the version's manifest, one of latest/manifest.json: not one per file.
    assert requests == 2
    assert lines.statuses() == {publish.UNCHANGED}
    assert len(lines.files) == len(publish.read_dist(built).items)
    assert not summary.refused and not summary.stable_updated
    assert snapshot(s3) == before


def test_changed_bytes_under_the_same_version_are_refused_and_change_nothing(
    built: Path, s3: object, moto_reset: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    run_publish(built, moto_reset)
    before = snapshot(s3)
    other = build_into(tmp_path / "dist", dataclasses.replace(Config(), principal=OTHER_PRINCIPAL))
    config = tmp_path / "cmek.toml"
    config.write_text(f'principal = "{OTHER_PRINCIPAL}"\n')  # what `cmek check` judges it by
    code, out, _ = cmek(
        capsys,
        "publish",
        "--bucket",
        BUCKET,
        "--endpoint-url",
        moto_reset,
        "--config",
        str(config),
        str(other),
    )
    assert code == 1
    refused = [line for line in out.splitlines() if line.startswith("refused ")]
    assert f"{PREFIX}/{VERSION}/cloudformation/cmek.yaml" in "\n".join(refused)
    assert f"{PREFIX}/{VERSION}/{model.MANIFEST_FILE}" in "\n".join(refused)
    assert not any(line.startswith("uploaded") for line in out.splitlines())
    assert "nothing was changed" in out.splitlines()[-1]
    assert snapshot(s3) == before


def test_other_bytes_in_an_incomplete_version_are_refused_before_any_write(
    built: Path, s3: object, moto_reset: str
) -> None:
    key = f"{PREFIX}/{VERSION}/{model.STACK_COMBINED.path}"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"not the build\n", ChecksumAlgorithm="SHA256")
    before = snapshot(s3)
    summary, lines, _ = run_publish(built, moto_reset)
    assert summary.refused
    assert (publish.REFUSED, key, "published with other bytes") in lines.files
    assert snapshot(s3) == before


def test_dry_run_prints_the_plan_and_writes_nothing(
    built: Path, s3: object, moto_reset: str, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = cmek(
        capsys, "publish", "--bucket", BUCKET, "--endpoint-url", moto_reset, "--dry-run", str(built)
    )
    assert code == 0, err
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    items = publish.read_dist(built).items
    planned = [line for line in out.splitlines() if line.startswith("would upload")]
    assert len(planned) == len(items)
    assert f"would update {PREFIX}/{model.STACK_COMBINED.filename}" in out
    assert "nothing was written" in out.splitlines()[-1]


# --- The build must be what was built ------------------------------------------------------------
def refused_dir(capsys: pytest.CaptureFixture, endpoint: str, directory: Path) -> str:
    """`cmek publish DIR`, which must refuse DIR as bad input (exit 2, no stdout): its stderr."""
    code, out, err = cmek(
        capsys, "publish", "--bucket", BUCKET, "--endpoint-url", endpoint, str(directory)
    )
    assert (code, out) == (2, "")
    return err


def test_a_dir_that_differs_from_its_manifest_is_refused_with_exit_2(
    built: Path, s3: object, moto_reset: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    edited = tmp_path / "edited"
    shutil.copytree(built, edited)
    (edited / model.STACK_COMBINED.path).write_text("Resources: {}\n")
    extra = tmp_path / "extra"
    shutil.copytree(built, extra)
    (extra / "cloudformation" / "unbuilt.yaml").write_text("x: 1\n")
    for directory, expected in ((edited, "differ from manifest.json"), (extra, "not in manifest")):
        err = refused_dir(capsys, moto_reset, directory)
        assert expected in err and len(err.splitlines()) == 1
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_fifo_or_a_symbolic_link_in_dir_is_refused_by_name_with_exit_2(
    built: Path, s3: object, moto_reset: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    fifo = tmp_path / "fifo"
    shutil.copytree(built, fifo)
    os.mkfifo(fifo / "cloudformation" / "pipe.yaml")
    # The link points at a copy with the very bytes the manifest lists: only a reader that
    # follows links would accept it (and upload whatever it points at).
    linked = tmp_path / "linked"
    shutil.copytree(built, linked)
    outside = tmp_path / "outside.yaml"
    shutil.copyfile(built / model.STACK_COMBINED.path, outside)
    (linked / model.STACK_COMBINED.path).unlink()
    (linked / model.STACK_COMBINED.path).symlink_to(outside)
    cases = (
        (fifo, "cloudformation/pipe.yaml", "is a FIFO"),
        (linked, model.STACK_COMBINED.path, "is a symbolic link"),
    )
    for directory, relpath, expected in cases:
        err = refused_dir(capsys, moto_reset, directory)
        assert err == f"cmek: error: {relpath!r}: {expected}; a build writes regular files only\n"
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--bucket", "Bad_Bucket"),
        ("--version", "latest"),
        ("--version", "a/b"),
        ("--prefix", ".."),
        ("--endpoint-url", "file:///etc"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(
    built: Path, flag: str, value: str, capsys: pytest.CaptureFixture
) -> None:
    args = {"--bucket": BUCKET, "--version": VERSION, "--prefix": PREFIX, flag: value}
    argv = [part for pair in args.items() for part in pair]
    code, out, err = cmek(capsys, "publish", *argv, str(built))
    assert (code, out) == (2, "")
    assert err.startswith(f"cmek: error: {flag} {value!r}")


# --- Failures ------------------------------------------------------------------------------------
class FaultyProxy(ThreadingHTTPServer):
    """Forwards to moto; answers `faults[key]` (a list of HTTP statuses, used up in order) to PUTs
    of that key instead. A real HTTP failure for boto3, retries and all."""

    daemon_threads = True

    def __init__(self, upstream: str, faults: dict[str, list[int]]) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlsplit(upstream)
        self.faults = faults
        self.puts: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fault(self, method: str, path: str) -> int | None:
        key = unquote(urlsplit(path).path).removeprefix(f"/{BUCKET}/")
        with self.lock:
            if method == "PUT":
                self.puts.append(key)
            if method == "PUT" and self.faults.get(key):
                return self.faults[key].pop(0)
        return None


class _ProxyHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 answers botocore's `Expect: 100-continue` at once (HTTP/1.0 makes it wait 1 s).
    protocol_version = "HTTP/1.1"
    server: FaultyProxy

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server.fault(self.command, self.path)
        if status is not None:
            code = {403: "AccessDenied", 500: "InternalError"}[status]
            payload = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
            return self._reply(status, [("Content-Type", "application/xml")], payload)
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname, self.server.upstream.port
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        reply = upstream.getresponse()
        data = reply.read()
        upstream.close()
        skip = {"content-length", "transfer-encoding", "connection"}
        headers = [(k, v) for k, v in reply.getheaders() if k.lower() not in skip]
        self._reply(reply.status, headers, data)

    def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[Callable[[dict[str, list[int]]], FaultyProxy]]:
    servers: list[FaultyProxy] = []

    def start(faults: dict[str, list[int]]) -> FaultyProxy:
        server = FaultyProxy(moto_reset, faults)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_failure_mid_upload_leaves_stable_paths_alone_and_a_rerun_completes(
    built: Path, s3: object, moto_reset: str, proxy: Callable, capsys: pytest.CaptureFixture
) -> None:
    transient = f"{PREFIX}/{VERSION}/{model.STACK_EXISTING_KEY.path}"
    denied = f"{PREFIX}/{VERSION}/{TfModule.POLICY.path}/main.tf"
    # A 500 is retried (standard mode); a 403 is not. The denied key comes after the transient one.
    server = proxy({transient: [500], denied: [403]})
    code, out, err = cmek(
        capsys, "publish", "--bucket", BUCKET, "--endpoint-url", server.url, str(built)
    )
    assert code == 3
    assert err.strip() == f"cmek: error: PutObject s3://{BUCKET}/{denied}: AccessDenied: injected"
    assert server.puts.count(transient) == 2 and server.puts.count(denied) == 1
    keys = set(snapshot(s3))
    assert transient in keys and denied not in keys
    assert f"{PREFIX}/{VERSION}/{model.MANIFEST_FILE}" not in keys
    assert not any(k == f"{PREFIX}/cmek.yaml" or k.startswith(f"{PREFIX}/latest/") for k in keys)
    uploaded_before = {line.split()[-1] for line in out.splitlines() if line.startswith("uploaded")}
    summary, lines, _ = run_publish(built, moto_reset)
    assert summary.stable_updated and not summary.refused
    unchanged = {key for status, key, _ in lines.files if status == publish.UNCHANGED}
    assert unchanged == uploaded_before
    assert (publish.UPLOADED, denied, "") in lines.files
    assert f"{PREFIX}/{VERSION}/{model.MANIFEST_FILE}" in snapshot(s3)


def test_a_missing_bucket_is_one_line_naming_it_exit_3(
    built: Path, aws: Callable, moto_reset: str, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = cmek(
        capsys, "publish", "--bucket", "no-such-bucket", "--endpoint-url", moto_reset, str(built)
    )
    assert (code, out) == (3, "")
    assert err.startswith("cmek: error: GetObject s3://no-such-bucket/")
    assert "NoSuchBucket" in err and len(err.splitlines()) == 1


# --- Links ---------------------------------------------------------------------------------------
def _template_url(link: str) -> str:
    return link.split("templateURL=", 1)[1].split("&", 1)[0]


def test_published_links_point_only_at_verified_objects(
    built: Path, s3: object, moto_reset: str
) -> None:
    summary, _, _ = run_publish(built, moto_reset)
    key = f"{PREFIX}/{VERSION}/{model.PUBLISHED_LINKS_FILE}"
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert document == summary.links
    assert (document["bucket"], document["region"]) == (BUCKET, REGION)
    built_links = json.loads((built / model.LINKS_FILE).read_text())["links"]
    assert len(document["links"]) == len(built_links)
    stacks = {stack.filename: stack for stack in model.STACKS}
    for ours, original in zip(document["links"], built_links, strict=True):
        url = _template_url(ours["url"])
        assert ours["url"] == original["url"].replace(_template_url(original["url"]), url)
        base = f"https://s3.{REGION}.amazonaws.com/{BUCKET}/"
        assert url.startswith(base) and url == document["templates"][ours["template"]]
        body = s3.get_object(Bucket=BUCKET, Key=url.removeprefix(base))["Body"].read()
        assert body == (built / stacks[ours["template"]].path).read_bytes()
    assert document["templates"][model.STACK_COMBINED.filename].endswith(
        f"/{PREFIX}/{model.STACK_COMBINED.filename}"
    )


# --- Module zips ---------------------------------------------------------------------------------
def test_the_module_archive_is_identical_across_builds_and_holds_every_module(
    tmp_path: Path,
) -> None:
    first = publish.read_dist(build_into(tmp_path / "a"))
    time.sleep(1.1)  # a later build: file times differ, the archive must not
    second = publish.read_dist(build_into(tmp_path / "b"))
    (item,) = [item for item in first.items if item.path.endswith(".zip")]
    assert item.path == model.MODULES_ZIP
    assert second.item(item.path).data == item.data
    archive = zipfile.ZipFile(io.BytesIO(item.data))
    names = archive.namelist()
    assert names == sorted(names)
    modules = tmp_path / "a" / model.TERRAFORM_MODULES_DIR
    for info in archive.infolist():
        assert info.date_time == module_zip.ZIP_DATE_TIME
        assert (info.external_attr >> 16) & 0o777 == 0o644
        assert info.extra == b""
        assert archive.read(info) == (modules / info.filename).read_bytes()
    on_disk = sorted(p.relative_to(modules).as_posix() for p in modules.rglob("*") if p.is_file())
    assert names == on_disk
    assert {name.split("/", 1)[0] for name in names} == set(model.TERRAFORM_MODULES)


# A v2 service's encryption role (cmek-policy's default profile) in a ClickHouse account.
V2_SERVICE_ROLE = "arn:aws:iam::999988887777:role/CH-TDE-example"
MODULE_INPUTS = {TfVar.ACCOUNT_ID: "111122223333", TfVar.CLICKHOUSE_ROLE_ARN: V2_SERVICE_ROLE}


def _s3_source(endpoint: str, key: str, module: str) -> str:
    """go-getter's S3 form of one module of the archive; an endpoint other than amazonaws.com
    works path style only with credentials in the URL, after the `//module` sub-directory."""
    credentials = "aws_access_key_id=testing&aws_access_key_secret=testing"
    return f"s3::{endpoint}/{BUCKET}/{key}//{module}?{credentials}"


def test_published_policy_zip_is_a_terraform_module_source(
    built: Path, s3: object, moto_reset: str, tmp_path: Path
) -> None:
    run_publish(built, moto_reset)
    key = f"{PREFIX}/{VERSION}/{model.MODULES_ZIP}"
    expected = terraform_runner.apply_outputs(built / TfModule.POLICY.path, MODULE_INPUTS)
    # Unzipped, the module applies like the directory it came from.
    unzipped = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())).extractall(
        unzipped
    )
    assert terraform_runner.apply_outputs(unzipped / TfModule.POLICY, MODULE_INPUTS) == expected
    # As an `s3::` source, fetched by `terraform init` from the (moto) bucket.
    root = tmp_path / "root"
    root.mkdir()
    source = _s3_source(moto_reset, key, TfModule.POLICY)
    output = TfOutput.KEY_POLICY_JSON.value
    arguments = "".join(f'  {name} = "{value}"\n' for name, value in MODULE_INPUTS.items())
    (root / "main.tf").write_text(
        f'module "cmek" {{\n  source = "{source}"\n{arguments}}}\n\n'
        f'output "{output}" {{\n  value = module.cmek.{output}\n}}\n'
    )
    init = terraform_runner.run(root, "init", "-input=false", "-no-color")
    assert init.returncode == 0, init.stderr
    applied = terraform_runner.run(
        root, "apply", "-auto-approve", "-input=false", "-lock=false", "-json"
    )
    outputs = [m["outputs"] for m in applied.messages() if m.get("type") == "outputs"][-1]
    assert outputs[output]["value"] == expected[output]


def test_a_published_module_that_calls_its_sibling_is_fetched(
    built: Path, s3: object, moto_reset: str, tmp_path: Path
) -> None:
    """cmek-new-key calls `../cmek-policy`: Terraform resolves that only inside one package, so
    one zip per module failed with "Local module path escapes module package" (`terraform get`
    fetches modules without providers, so it runs offline)."""
    run_publish(built, moto_reset)
    source = _s3_source(moto_reset, f"{PREFIX}/{VERSION}/{model.MODULES_ZIP}", TfModule.NEW_KEY)
    (tmp_path / "main.tf").write_text(f'module "cmek" {{\n  source = "{source}"\n}}\n')
    fetched = terraform_runner.run(tmp_path, "get", "-no-color")
    assert fetched.returncode == 0, fetched.stderr
    modules = json.loads((tmp_path / ".terraform" / "modules" / "modules.json").read_text())
    keys = {m["Key"] for m in modules["Modules"]}
    assert {"cmek", "cmek.policy"} <= keys, keys


# --- Permissions, enforced by moto's IAM -------------------------------------------------------
READ_ONLY_POLICY = {
    "Version": model.POLICY_VERSION,
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    ],
}


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[tuple[str, dict[str, str]]]:
    """A moto server that enforces IAM after its first four requests (engines.md §8), with the
    bucket and a read-only user made in those four; yields (endpoint, the user's environment)."""
    import boto3

    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "4"}
    with moto_server.running(env) as url:
        session = boto3.session.Session(
            aws_access_key_id="setup", aws_secret_access_key="setup", region_name=REGION
        )
        config = {"LocationConstraint": REGION}
        session.client("s3", endpoint_url=url).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration=config
        )
        iam = session.client("iam", endpoint_url=url)
        iam.create_user(UserName="reader")
        iam.put_user_policy(
            UserName="reader", PolicyName="read", PolicyDocument=json.dumps(READ_ONLY_POLICY)
        )
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        yield (
            url,
            {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            },
        )


def test_a_bucket_without_write_permission_fails_at_the_first_write_exit_3(
    built: Path,
    iam_moto: tuple[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    url, credentials = iam_moto
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = cmek(capsys, "publish", "--bucket", BUCKET, "--endpoint-url", url, str(built))
    assert code == 3
    first = f"{PREFIX}/{VERSION}/{publish.read_dist(built).items[0].path}"
    assert err.startswith(f"cmek: error: PutObject s3://{BUCKET}/{first}: AccessDenied")
    assert len(err.splitlines()) == 1
    assert not any(line.startswith("uploaded") for line in out.splitlines())
    reader = aws.client("s3", REGION, url)
    assert reader.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_build_check_refuses_is_not_published(
    built: Path,
    s3: object,
    moto_reset: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    dry_run: bool,
) -> None:
    """A template edited after the build, manifest rewritten to match (so only the checks see it):
    `cmek check`'s findings, exit 1, and not one object in the bucket."""
    dist = tmp_path / "dist"
    shutil.copytree(built, dist)
    stack = dist / model.STACK_COMBINED.path
    stack.write_text(stack.read_text().replace("kms:Decrypt", "kms:Decryp"))
    files = {
        p.relative_to(dist).as_posix(): p.read_text()
        for p in sorted(dist.rglob("*"))
        if p.is_file() and p.name != model.MANIFEST_FILE
    }
    (dist / model.MANIFEST_FILE).write_text(build.manifest(files))
    argv = ["publish", "--bucket", BUCKET, "--endpoint-url", moto_reset, "--region", REGION]
    code, out, err = cmek(capsys, *argv, *(["--dry-run"] if dry_run else []), str(dist))
    assert code == 1, err
    assert err == ""
    assert f"{model.STACK_COMBINED.path}:" in out
    assert "CMEK-PROFILE-002 'kms:Decryp' matches no KMS action" in out
    assert out.splitlines()[-1].startswith("refused: ")
    assert out.splitlines()[-1].endswith("nothing was uploaded")
    assert snapshot(s3) == {}


def test_an_unknown_region_is_refused_before_s3(
    built: Path, s3: object, moto_reset: str, capsys: pytest.CaptureFixture
) -> None:
    """A region is written into every published link for good: a typo stops here (exit 2)."""
    argv = ["publish", "--bucket", BUCKET, "--endpoint-url", moto_reset, "--region", "us-east-7"]
    code, out, err = cmek(capsys, *argv, str(built))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "cmek: error: --region 'us-east-7': expected a region where S3 runs in partition 'aws', "
        f"like {model.EXAMPLE_REGION}"
    ]
    assert snapshot(s3) == {}
