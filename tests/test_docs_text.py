"""The instructions say what ClickHouse states today (issue 15), in the README, the build's README
and the launch page: where the role is shown (per service), where the key goes, TDE for good,
restart after access returns, keep old keys for the backups, v1's end, and the new flag names.
Facts and wording: tests/vendor/terraform-provider-clickhouse/README.md, held in cmek.model."""

from __future__ import annotations

import html
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cmek import model

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "dist/README.md", f"dist/{model.PAGE_FILE}")
# What the docs said before ClickHouse's own wording was followed: each is now wrong.
STALE = (
    "different per region",
    "move the service to v2",
    "until the service has restarted",
    "until the restart is done",
    "service settings, Transparent Data Encryption",
    "--profile v1",
    "--profile v2",
    "--profile P ",
)


def text_of(relpath: str) -> str:
    """The file as a reader sees it: entities decoded, line wraps as spaces."""
    return " ".join(html.unescape((ROOT / relpath).read_text(encoding="utf-8")).split())


@pytest.mark.parametrize("relpath", DOCS)
def test_where_the_role_is_shown_and_nothing_stale(relpath: str) -> None:
    text = text_of(relpath)
    assert model.ENCRYPTION_ROLE_WHERE in text
    for stale in STALE:
        assert stale not in text, stale


@pytest.mark.parametrize("relpath", DOCS[:2])
def test_the_readmes_state_clickhouse_today(relpath: str) -> None:
    text = text_of(relpath)
    for fact in (
        model.KEY_CONSOLE_SECTION,
        "can never be turned off",
        "one per service",
        "restart the service",
        "as long as you keep backups made with it",
        f"ended on {model.CMEK_V1_END_DATE}",
        "ClickHouse-managed key",
        "--cmek-version v1 --key-arn KEY_ARN",
        "cmek audit",
        "delete is a no-op",
        "imports by the service id",
        "not ClickHouse's own check",
    ):
        assert fact in text, fact


def test_the_page_puts_v2_first_and_labels_v1_legacy_with_its_end() -> None:
    text = text_of(f"dist/{model.PAGE_FILE}")
    assert text.index('id="v2"') < text.index('id="v1"')
    assert f"legacy, ended {model.CMEK_V1_END_DATE}" in text
    assert "cmek grant --cmek-version v2 --principal" in text


def test_verify_key_help_says_what_it_checks_and_what_it_is_not() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cmek", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "not ClickHouse's own check" in " ".join(result.stdout.split())


# --- Google Cloud (issue 18) ---------------------------------------------------------------------
CMEK = Path(sys.executable).with_name("cmek")
GCP_FIELD = model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD
GCP_WHERE = f'"{GCP_FIELD}" in {model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE}'
GCP_SNIPPET = "cmek snippet --cloud gcp --principal SERVICE_ACCOUNT --key KEY_PATH"
GCP_VERIFY = "cmek verify-key --cloud gcp KEY_PATH --principal SERVICE_ACCOUNT"


@pytest.mark.parametrize("relpath", DOCS)
def test_gcp_where_the_service_account_is_shown_and_what_is_granted(relpath: str) -> None:
    text = text_of(relpath)
    for fact in (
        GCP_WHERE,
        model.KEY_CONSOLE_SECTION,
        *model.GCP_ROLES,
        *model.GCP_ROLE_TITLES.values(),
        model.GOOGLE_KMS_IAM_MEMBER_RESOURCE,
        "non-authoritative",
        "every other member of the key's IAM policy stays as it is",
        "service's region",
        model.GcpTfModule.GRANT.value,
        model.GcpTfModule.KEY.value,
        GCP_SNIPPET,
        GCP_VERIFY,
        f"{model.GCLOUD_DESCRIBE} KEY_PATH {model.GCLOUD_JSON_FORMAT}",
        f"{model.GCLOUD_GET_POLICY} KEY_PATH {model.GCLOUD_JSON_FORMAT}",
    ):
        assert fact in text, fact


def test_the_top_readme_names_the_roles_as_clickhouses_guide_does() -> None:
    text = text_of("README.md")
    for role, title in model.GCP_ROLE_TITLES.items():
        assert f'"{title}" (`{role}`)' in text
    for module in model.GcpTfModule:
        assert f"`{module.value}`" in text
    assert "no call to Google" in text and "not ClickHouse's own check" in text


@pytest.mark.parametrize(
    ("relpath", "marks"),
    [
        (f"dist/{model.PAGE_FILE}", ('id="v2"', 'id="gcp"', 'id="v1"')),
        (
            "dist/README.md",
            ("CMEK v2 on AWS: what", "CMEK on Google Cloud: what", "(legacy, ended"),
        ),
    ],
)
def test_gcp_comes_after_aws_v2_and_before_legacy_v1(relpath: str, marks: tuple[str, ...]) -> None:
    text = text_of(relpath)
    positions = [text.index(mark) for mark in marks]
    assert positions == sorted(positions)


def _sh_block(text: str, containing: str) -> list[str]:
    blocks = [b.split("```", 1)[0] for b in text.split("```sh\n")[1:]]
    (block,) = [b for b in blocks if containing in b]
    return [line.strip() for line in block.splitlines() if line.strip()]


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A documented `cmek ...` line with the example values in place of the placeholders."""
    words = shlex.split(
        command.replace("KEY_PATH", model.EXAMPLE_GCP_KEY_PATH).replace(
            "SERVICE_ACCOUNT", model.EXAMPLE_GCP_SERVICE_ACCOUNT
        )
    )
    assert words[0] == "cmek"
    return subprocess.run(
        [str(CMEK), *words[1:]], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_the_build_readmes_gcp_commands_run_as_written(tmp_path: Path) -> None:
    """The snippet's bindings as the key's IAM policy, a usable key as gcloud describes it: the
    documented verify-key line says valid; without the viewer role, not valid."""
    text = (ROOT / "dist/README.md").read_text(encoding="utf-8")
    describe_line, policy_line, verify_line = _sh_block(text, "--cloud gcp")
    printed = _run(GCP_SNIPPET, tmp_path)
    assert printed.returncode == 0, printed.stderr
    bindings = json.loads(printed.stdout[printed.stdout.index("\n{") :])
    key = model.EXAMPLE_GCP_KEY_PATH
    version = {
        "name": f"{key}/cryptoKeyVersions/1",
        "state": model.GCP_KEY_VERSION_ENABLED,
        "algorithm": model.GCP_KEY_ALGORITHM,
        "protectionLevel": model.GCP_KEY_PROTECTION_LEVEL,
    }
    describe = {"name": key, "purpose": model.GCP_KEY_PURPOSE, "primary": version}
    for line, doc in ((describe_line, describe), (policy_line, bindings)):
        assert line.startswith("gcloud kms keys ")
        (tmp_path / line.rsplit("> ", 1)[1]).write_text(json.dumps(doc), encoding="utf-8")
    valid = _run(verify_line, tmp_path)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    bindings["bindings"] = [b for b in bindings["bindings"] if b["role"] != model.GCP_VIEWER_ROLE]
    (tmp_path / policy_line.rsplit("> ", 1)[1]).write_text(json.dumps(bindings), encoding="utf-8")
    missing = _run(verify_line, tmp_path)
    assert missing.returncode == 1 and model.GCP_VIEWER_ROLE in missing.stdout
