"""The CLI as users run it: subprocesses, exit codes, one-line errors, no partial output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cmek import model
from cmek.errors import quote

VALID_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def cmek(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmek", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cmek.toml"
    path.write_text(text)
    return str(path)


BAD_CONFIGS = {
    "malformed principal": ('principal = "arn:aws:iam::5765:role/x"', "IAM role ARN"),
    "wrong partition": (
        'principal = "arn:aws-cn:iam::576599896960:role/x"',
        "expected partition 'aws'",
    ),
    "unknown key": ('princpal = "x"', "unknown key 'princpal'"),
    "not TOML": ("principal = ", "expected a TOML file"),
    "unknown region": ('regions = ["us-east-9"]', "'us-east-9'"),
    "empty regions": ("regions = []", "non-empty list"),
    "bad url": ('template_url_base = "http://example.com/"', "expected an S3 URL"),
    "unknown profile": ('profile = "v9"', "profile 'v9'"),
    "oversized principal": (
        f'principal = "arn:aws:iam::576599896960:role/{"x" * 600}"',
        "IAM role ARN",
    ),
}


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_exits_2_with_one_line_and_no_output(
    tmp_path: Path, text: str, expected: str
) -> None:
    out = tmp_path / "out"
    result = cmek("build", "--out", str(out), "--config", write_config(tmp_path, text))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


BAD_LINK_ARGS = {
    "malformed key": (["--key-arn", "arn:aws:kms:us-east-1:1:key/x"], "KMS key ARN"),
    "alias not key": (["--key-arn", "arn:aws:kms:us-east-1:111122223333:alias/a"], "not an alias"),
    "wrong partition key": (
        ["--key-arn", VALID_KEY.replace("arn:aws:", "arn:aws-us-gov:")],
        "expected partition 'aws'",
    ),
    "empty key list": (["--key-arn", ""], "KMS key ARN"),
    "oversized key list": (
        ["--key-arn", ",".join([VALID_KEY] * 60)],
        "parameter limit of 4096 bytes",
    ),
    "short external id": (["--external-id", "x"], "2-1224"),
    "oversized external id": (["--external-id", "x" * 1225], "2-1224"),
    "bad stack name": (["--stack-name", "1-bad"], "starting with a letter"),
    "long stack name": (["--stack-name", "a" * 129], "1-128"),
    "unknown region": (["--region", "moon-1"], "'moon-1'"),
    "bad format": (["--format", "xml"], "invalid choice"),
}


@pytest.mark.parametrize(("args", "expected"), BAD_LINK_ARGS.values(), ids=BAD_LINK_ARGS.keys())
def test_bad_link_input_exits_2(args: list[str], expected: str) -> None:
    # Key ARNs and the external ID pre-fill the legacy v1 templates only.
    result = cmek("links", "--cmek-version", "v1", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr


def test_check_of_missing_dir_exits_2(tmp_path: Path) -> None:
    result = cmek("check", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "expected a directory" in result.stderr


def test_build_then_check_passes_and_a_defect_fails(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert cmek("build", "--out", str(out)).returncode == 0
    ok = cmek("check", str(out), "--format", "json")
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert report["findings"] == []
    assert {"CMEK-LINT-001", "CMEK-CFN-002"} <= {c["id"] for c in report["checks"]}
    template = out / model.STACK_NEW_KEY.path
    template.write_text(
        template.read_text().replace("EnableKeyRotation: true", "EnableKeyRotation: false")
    )
    bad = cmek("check", str(out))
    assert bad.returncode == 1
    assert "CMEK-CFN-005" in bad.stdout and "CMEK-DIST-002" in bad.stdout


def test_check_of_a_damaged_dist_fails_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert cmek("build", "--out", str(out)).returncode == 0
    (out / model.LINKS_FILE).write_text("{")
    (out / model.STACK_COMBINED.path).write_text("[1]\n")
    result = cmek("check", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "CMEK-DIST-003" in result.stdout and "CMEK-LINK-001" in result.stdout


def test_check_of_a_directory_that_is_no_build_is_judged(tmp_path: Path) -> None:
    # A directory is judged as a build (issue 17: a deleted manifest.json is a finding, not bad
    # input): every file a build writes is reported missing, the manifest first among them.
    result = cmek("check", str(tmp_path))
    assert result.returncode == 1 and result.stderr == ""
    assert f"{model.MANIFEST_FILE}: CMEK-DIST-001 missing" in result.stdout


def test_check_of_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    result = cmek("check", str(tmp_path / "f"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_build_refuses_an_out_without_a_name(tmp_path: Path, out: str) -> None:
    result = cmek("build", "--out", out, cwd=tmp_path)
    assert result.returncode == 2
    assert "ending in a name" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_links_prefill_customer_values() -> None:
    result = cmek(
        "links",
        "--cmek-version",
        "v1",
        "--region",
        "eu-west-1",
        "--key-arn",
        VALID_KEY,
        "--external-id",
        "ext-42",
        "--stack-name",
        "Acme-CMEK",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    links = json.loads(result.stdout)["links"]
    assert {x["region"] for x in links} == {"eu-west-1"}
    existing = [x["url"] for x in links if x["mode"] == "existing-key"]
    assert existing and all(f"param_KMSKeyArns={VALID_KEY}" in u for u in existing)
    assert all("param_ExternalId=ext-42" in u and "stackName=Acme-CMEK" in u for u in existing)
    new = [x["url"] for x in links if x["mode"] == "new-key"]
    assert new and not any("KMSKeyArns" in u for u in new)


def test_snippet_v1_is_the_legacy_console_statement() -> None:
    result = cmek("snippet", "--cmek-version", "v1")
    assert result.returncode == 0
    statement = json.loads(result.stdout)
    assert statement["Sid"] == model.KEY_POLICY_CLICKHOUSE_SID
    assert statement["Principal"] == {"AWS": model.CLICKHOUSE_PRINCIPAL}
    assert sorted(statement["Action"]) == sorted(model.V1.actions)
    assert statement["Resource"] == "*"


def test_snippet_follows_config_principal(tmp_path: Path) -> None:
    principal = "arn:aws:iam::123456789012:role/staging-kms-request-role"
    result = cmek("snippet", "--config", write_config(tmp_path, f'principal = "{principal}"'))
    assert json.loads(result.stdout)["Principal"] == {"AWS": principal}


def test_help_and_version() -> None:
    assert "build" in cmek("--help").stdout
    assert cmek("--version").stdout.strip() == f"cmek {model.VERSION}"
    assert cmek().returncode == 2


def _with_a_bug(*args: str) -> subprocess.CompletedProcess[str]:
    # A stand-in for a bug: a renderer raising an exception no layer expects. The CLI runs in its
    # own interpreter, as users run it; only the renderer is replaced, in that process.
    code = (
        "import sys\n"
        "from cmek import build, cli\n"
        "def broken(*a, **k):\n"
        "    raise KeyError('boom')\n"
        "build.artifacts = broken\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_internal_error_exits_3_in_one_line_without_traceback(tmp_path: Path) -> None:
    result = _with_a_bug("build", "--out", str(tmp_path / "out"))
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error: KeyError" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = _with_a_bug("--debug", "build", "--out", str(tmp_path / "out"))
    assert result.returncode == 3
    assert "Traceback" in result.stderr and ", in broken\n" in result.stderr


def test_a_write_the_os_refuses_exits_3(tmp_path: Path) -> None:
    # /proc takes no new directories, even for root: the tool cannot write there.
    result = cmek("build", "--out", "/proc/cmek-test/dist")
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write '/proc/cmek-test/dist'" in lines[0]


def test_bad_out_names_the_flag(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = cmek("build", "--out", str(tmp_path / "file"))
    assert result.returncode == 2
    assert result.stderr.startswith("cmek: error: --out ") and "found a file" in result.stderr


def test_config_errors_name_the_flag_and_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'profile = "v9"')
    result = cmek("snippet", "--config", path)
    assert result.returncode == 2
    # The path as error lines quote values (cut to a prefix when long, as under xdist's tmp).
    assert result.stderr.startswith(f"cmek: error: --config {quote(path)}: profile 'v9'")
    missing = cmek("snippet", "--config", str(tmp_path / "none.toml"))
    assert missing.returncode == 2 and "--config '" in missing.stderr
    assert "cannot read it" in missing.stderr


def test_check_exit_codes_0_and_1(tmp_path: Path, built: Path) -> None:
    assert cmek("check", str(built)).returncode == 0
    copy = tmp_path / "dist"
    shutil.copytree(built, copy)
    (copy / "extra.txt").write_text("stray")
    result = cmek("check", str(copy))
    assert result.returncode == 1 and "CMEK-DIST-002" in result.stdout


# --- v2 by default (issue 15) --------------------------------------------------------------------
ROLE = "arn:aws:iam::111122223333:role/CH-TDE-example"


def test_snippet_with_a_role_alone_is_the_v2_statement() -> None:
    result = cmek("snippet", "--principal", ROLE)
    assert result.returncode == 0, result.stderr
    statement = json.loads(result.stdout)
    assert statement["Sid"] == model.V2.key_policy_sid
    assert statement["Principal"] == {"AWS": ROLE}
    assert statement["Action"] == list(model.V2.actions)


@pytest.mark.parametrize(
    "args",
    [
        ("snippet",),
        ("grant", "--policy-file", "-"),
        ("revoke", "--policy-file", "-"),
        ("verify-key", VALID_KEY),
    ],
)
def test_v2_without_its_role_says_where_the_console_shows_it(args: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cmek", *args],
        capture_output=True,
        text=True,
        input='{"Version": "2012-10-17", "Statement": []}',
        timeout=120,
    )
    assert result.returncode == 2 and not result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert model.ENCRYPTION_ROLE_CONSOLE_FIELD in lines[0]
    assert model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE in lines[0]


def test_dist_has_the_v2_statement_with_a_placeholder_and_keeps_v1s() -> None:
    dist = Path(__file__).resolve().parent.parent / "dist"
    v2 = json.loads((dist / model.SNIPPET_V2_FILE).read_text())
    assert v2["Principal"] == {"AWS": model.ROLE_PLACEHOLDER}
    assert v2["Action"] == list(model.V2.actions) and v2["Sid"] == model.V2.key_policy_sid
    v1 = json.loads((dist / model.SNIPPET_FILE).read_text())
    assert v1["Principal"] == {"AWS": model.CLICKHOUSE_PRINCIPAL}


def _link_regions(*args: str) -> set[str]:
    result = cmek("links", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return {link["region"] for link in json.loads(result.stdout)["links"]}


def test_v2_links_only_where_clickhouse_cloud_runs_v1_unchanged() -> None:
    from cmek import regions

    everywhere = set(regions.cloudformation_regions(model.COMMERCIAL_PARTITION))
    v2 = _link_regions()
    assert v2 == everywhere & set(model.CLICKHOUSE_AWS_REGIONS)
    assert v2 < everywhere and "ca-west-1" not in v2
    assert _link_regions("--cmek-version", "v1") == everywhere
    built = json.loads((Path(__file__).resolve().parent.parent / "dist/links.json").read_text())
    by_version: dict[str, set[str]] = {}
    for link in built["links"]:
        by_version.setdefault(link["profile"], set()).add(link["region"])
    assert by_version == {"v1": everywhere, "v2": v2}


def test_v2_links_refuse_v1_only_values() -> None:
    result = cmek("links", "--key-arn", VALID_KEY)
    assert result.returncode == 2 and "--cmek-version v1" in result.stderr


def test_v2_links_refuse_a_region_clickhouse_does_not_run_in() -> None:
    result = cmek("links", "--region", "ca-west-1")
    assert result.returncode == 2
    assert "ClickHouse Cloud runs" in result.stderr and result.stderr.count("\n") == 1
    assert cmek("links", "--cmek-version", "v1", "--region", "ca-west-1").returncode == 0


# --- start-up (issue 16) -------------------------------------------------------------------------
HEAVY = ("awacs", "boto3", "botocore", "jinja2", "yaml", "troposphere", "cfnlint")


def _modules_after(code: str) -> dict:
    """What a fresh interpreter imported (and botocore's endpoint data read) after `code`."""
    script = (
        "import contextlib, io, json, sys\n"
        f"{code}\n"
        "from cmek import regions\n"
        "print(json.dumps({'modules': sorted(sys.modules),"
        " 'endpoints_read': regions._endpoints.cache_info().currsize}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_every_command_module_is_listed() -> None:
    import importlib
    import pkgutil

    from cmek import commands

    files = {i.name for i in pkgutil.iter_modules(commands.__path__) if not i.name.startswith("_")}
    assert files == {module for module, _ in commands.COMMANDS.values()}
    for name in commands.COMMANDS:
        module = commands.load(name)
        assert module is importlib.import_module(f"cmek.commands.{commands.COMMANDS[name][0]}")
        assert callable(module.add_arguments) and callable(module.run)


def test_help_imports_no_command_module_and_lists_every_command() -> None:
    from cmek import commands

    after = _modules_after(
        "from cmek import cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--help'])"
    )
    assert [m for m in after["modules"] if m.startswith(("cmek.commands.", "cmek.model"))] == []
    assert _heavy(after["modules"]) == []
    listed = cmek("--help").stdout
    assert all(f"    {name} " in listed for name in commands.COMMANDS)


def test_snippet_reads_no_endpoint_data_and_imports_nothing_heavy() -> None:
    after = _modules_after(
        "from cmek import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert cli.main(['snippet', '--principal', {ROLE!r}]) == 0"
    )
    assert after["endpoints_read"] == 0
    assert _heavy(after["modules"]) == []
    assert [m for m in after["modules"] if m.startswith("cmek.commands.")] == [
        "cmek.commands.snippet"
    ]


def test_model_is_plain_data() -> None:
    import pkgutil

    from cmek import model

    names = [f"cmek.model.{i.name}" for i in pkgutil.iter_modules(model.__path__)]
    after = _modules_after("\n".join(f"import {name}" for name in names))
    assert len(names) >= 10 and _heavy(after["modules"]) == []
    assert after["endpoints_read"] == 0


@pytest.mark.parametrize("profile", [model.V1, model.V2], ids=lambda p: p.name)
def test_snippet_statement_is_the_templates_awacs_statement(profile: model.Profile) -> None:
    # The console statement is written from the model's data without awacs; it must stay the very
    # statement the templates carry (policies.clickhouse_key_statement), Resource as the scalar.
    from cmek.render import policies, snippet

    text = snippet.statement(profile, ROLE)
    awacs_statement = json.loads(policies.clickhouse_key_statement(profile, ROLE).to_json())
    assert awacs_statement["Resource"] == ["*"]
    awacs_statement["Resource"] = "*"
    order = ("Sid", "Effect", "Principal", "Action", "Resource")
    assert text == json.dumps({k: awacs_statement[k] for k in order}, indent=2) + "\n"
    assert set(awacs_statement) == set(order)


def test_a_second_render_reuses_compiled_templates_and_equals_the_first() -> None:
    from cmek import build
    from cmek.config import Config
    from cmek.render import templating

    first = build.artifacts(Config())
    compiled = dict(templating._compiled()._codes)
    assert compiled  # every template compiled once, kept
    assert build.artifacts(Config()) == first
    assert templating._compiled()._codes == compiled  # nothing compiled again


def test_a_filter_its_code_alone_does_not_define_never_shares_compiled_code() -> None:
    # The code generator calls filters on constants, so two filters with the same code but other
    # default arguments (or closures) must not share compiled templates, nor be kept on disk.
    from cmek.render import templating

    def suffixed(suffix: str) -> Any:
        return lambda value, end=suffix: f"{value}{end}"

    keys = []
    for suffix in ("!", "?"):
        env = templating.environment("docs")
        env.filters["suffixed"] = suffixed(suffix)
        keys.append(templating._compile_settings(env))
    assert keys[0] != keys[1]
    assert any(templating._stable(part) is None for part in keys[0])  # memory only


_RENDER_DIGEST = (
    "import hashlib, json\n"
    "from cmek import build\n"
    "from cmek.config import Config\n"
    "text = json.dumps(build.artifacts(Config()), sort_keys=True)\n"
    "print(hashlib.sha256(text.encode()).hexdigest())"
)


def _render_in_a_new_process(cache: Path, write: bool) -> str:
    """The digest of a whole render in a new interpreter whose compiled files (cmek's modules and
    its templates) live under `cache`, written there or not (PYTHONDONTWRITEBYTECODE)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [sys.executable, "-c", _RENDER_DIGEST]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_compiled_templates_kept_on_disk_change_no_byte_and_a_bad_one_is_never_used(
    tmp_path: Path,
) -> None:
    import hashlib

    from cmek import build
    from cmek.config import Config
    from cmek.render import templating

    text = json.dumps(build.artifacts(Config()), sort_keys=True)
    expected = hashlib.sha256(text.encode()).hexdigest()
    cache = tmp_path / "pycache"
    assert _render_in_a_new_process(cache, write=False) == expected
    assert list(cache.rglob("jinja-*")) == []  # PYTHONDONTWRITEBYTECODE: nothing written
    # Where the prefix mirrors cmek/render/__pycache__: another version's folder is removed.
    stale = cache / Path(templating.__file__).parent.relative_to("/") / "jinja-0123456789abcdef"
    stale.mkdir(parents=True)
    assert _render_in_a_new_process(cache, write=True) == expected
    assert [p.parent for p in cache.rglob("jinja-*")] == [stale.parent] and not stale.exists()
    stored = sorted(cache.rglob("jinja-*/*.bin"))
    assert len(stored) >= len(list((Path(__file__).parents[1] / "templates").rglob("*.j2")))
    assert _render_in_a_new_process(cache, write=False) == expected  # read back
    # Each file now holds another template's code (Jinja's checksum of the source tells) or bytes
    # that are no compiled template at all: neither is used, the render is the same.
    contents = [path.read_bytes() for path in stored]
    for index, path in enumerate(stored):
        path.write_bytes(contents[index - 1] if index % 2 else b"not a compiled template")
    assert _render_in_a_new_process(cache, write=False) == expected
