"""GCP (issue 18): cmek-gcp-policy under real `terraform test`, the example against ClickHouse's
own GCP examples, `cmek snippet --cloud gcp` and `cmek verify-key --cloud gcp` through the CLI on
documents in the form gcloud prints them."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
from cmek import model, terraform_runner

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path(__file__).resolve().parent / "vendor" / "terraform-provider-clickhouse"
KEY = model.EXAMPLE_GCP_KEY_PATH
EMAIL = model.EXAMPLE_GCP_SERVICE_ACCOUNT
MEMBER = f"serviceAccount:{EMAIL}"


def cmek(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmek", *args], capture_output=True, text=True, input=stdin
    )


def test_policy_module_native_tests_pass_with_the_exact_run_count() -> None:
    report = terraform_runner.run_tests(ROOT / "dist" / model.GcpTfModule.POLICY.path)
    assert report.total_runs == model.GCP_TERRAFORM_TEST_RUNS == 5
    assert (report.passed, report.failed, report.errored) == (5, 0, 0), report.problems


def _service_arguments(path: Path) -> set[str]:
    doc = hcl2.loads(path.read_text(encoding="utf-8"))
    bodies = [
        body
        for entry in doc.get("resource", [])
        for kind, named in entry.items()
        if kind.strip('"') == model.CLICKHOUSE_SERVICE_RESOURCE
        for body in named.values()
    ]
    assert len(bodies) == 1
    return {name for name in bodies[0] if not name.startswith("__")}


@pytest.mark.parametrize(
    "vendored", ["examples/full/tde/gcp/main.tf", "pr-298-tde-gcp/main.tf"], ids=["tde", "pr298"]
)
def test_example_sets_every_argument_clickhouse_sets_on_its_gcp_service(vendored: str) -> None:
    ours = _service_arguments(ROOT / "dist" / model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP / "main.tf")
    theirs = _service_arguments(VENDOR / vendored)
    assert theirs - ours == set()


def test_snippet_prints_the_two_add_binding_commands_and_the_bindings() -> None:
    result = cmek("snippet", "--cloud", "gcp", "--principal", EMAIL, "--key", KEY)
    assert result.returncode == 0, result.stderr
    commands = [
        shlex.split(line) for line in result.stdout.splitlines() if line.startswith("gcloud")
    ]
    assert commands == [
        [
            "gcloud",
            "kms",
            "keys",
            "add-iam-policy-binding",
            KEY,
            f"--member={MEMBER}",
            f"--role={r}",
        ]
        for r in ("roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.viewer")
    ]
    bindings = json.loads(result.stdout[result.stdout.index("{") :])
    assert bindings == {
        "bindings": [
            {"role": "roles/cloudkms.cryptoKeyEncrypterDecrypter", "members": [MEMBER]},
            {"role": "roles/cloudkms.viewer", "members": [MEMBER]},
        ]
    }


# --- verify-key --cloud gcp on documents as gcloud prints them -----------------------------------
def describe(**change: Any) -> dict[str, Any]:
    """`gcloud kms keys describe KEY --format=json` of a usable key (Cloud KMS's fields)."""
    primary = {
        "name": f"{KEY}/cryptoKeyVersions/1",
        "state": "ENABLED",
        "createTime": "2026-01-05T10:00:00.000000Z",
        "protectionLevel": "SOFTWARE",
        "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
        "generateTime": "2026-01-05T10:00:00.000000Z",
    }
    primary.update(change.pop("primary", {}))
    doc = {
        "name": KEY,
        "primary": primary,
        "purpose": "ENCRYPT_DECRYPT",
        "createTime": "2026-01-05T10:00:00.000000Z",
        "versionTemplate": {
            "protectionLevel": primary["protectionLevel"],
            "algorithm": primary["algorithm"],
        },
        "destroyScheduledDuration": "86400s",
    }
    doc.update(change)
    return doc


def policy(*bindings: dict[str, Any]) -> dict[str, Any]:
    """`gcloud kms keys get-iam-policy KEY --format=json`."""
    return {"bindings": list(bindings), "etag": "BwYxyz123AE=", "version": 1}


def binding(role: str, *members: str, condition: dict | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"members": list(members) or [MEMBER], "role": role}
    if condition:
        entry["condition"] = condition
    return entry


ED, VIEWER = "roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.viewer"
BOTH = (binding(ED), binding(VIEWER))
OWNER = "user:owner@example.com"
CASES = {
    "valid": (describe(), policy(binding(ED, MEMBER, OWNER), binding(VIEWER)), 0, []),
    "viewer_missing": (describe(), policy(binding(ED)), 1, [f"role {VIEWER}"]),
    "encrypter_only": (
        describe(),
        policy(binding("roles/cloudkms.cryptoKeyEncrypter"), binding(VIEWER)),
        1,
        [f"role {ED}"],
    ),
    "encrypter_and_decrypter": (
        describe(),
        policy(
            binding("roles/cloudkms.cryptoKeyEncrypter"),
            binding("roles/cloudkms.cryptoKeyDecrypter"),
            binding(VIEWER),
        ),
        0,
        [],
    ),
    "conditional_binding": (
        describe(),
        policy(
            binding(ED, condition={"title": "until-2026", "expression": "request.time < ..."}),
            binding(VIEWER),
        ),
        1,
        [f"role {ED}"],
    ),
    "disabled_primary": (
        describe(primary={"state": "DISABLED"}),
        policy(*BOTH),
        1,
        ["primary version"],
    ),
    "hsm_key": (describe(primary={"protectionLevel": "HSM"}), policy(*BOTH), 0, []),
    "wrong_purpose": (
        describe(
            purpose="ASYMMETRIC_DECRYPT", primary={"algorithm": "RSA_DECRYPT_OAEP_2048_SHA256"}
        ),
        policy(*BOTH),
        1,
        ["purpose", "algorithm"],
    ),
    "different_member": (
        describe(),
        policy(
            *(
                binding(r, "serviceAccount:other@clickhouse-example.iam.gserviceaccount.com")
                for r in (ED, VIEWER)
            )
        ),
        1,
        [f"role {ED}", f"role {VIEWER}"],
    ),
    "describe_of_another_key": (describe(name=f"{KEY}-old"), policy(*BOTH), 1, ["key"]),
    "no_bindings": (
        describe(),
        {"etag": "ACAB", "version": 1},
        1,
        [f"role {ED}", f"role {VIEWER}"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_verify_key_gcp_verdicts(case: str, tmp_path: Path) -> None:
    described, iam, code, failing = CASES[case]
    (tmp_path / "d.json").write_text(json.dumps(described))
    args = ["verify-key", "--cloud", "gcp", KEY, "--principal", EMAIL, "--format", "json"]
    result = cmek(
        *args,
        "--describe-file",
        str(tmp_path / "d.json"),
        "--iam-policy-file",
        "-",
        stdin=json.dumps(iam),
    )
    assert result.returncode == code, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is (code == 0)
    assert [c["name"] for c in report["checks"] if c["ok"] is False] == failing
    fixes = [fix for c in report["checks"] for fix in c["fixes"]]
    for name in failing:
        if name.startswith("role "):
            role = name.removeprefix("role ")
            assert (
                shlex.join(
                    [
                        "gcloud",
                        "kms",
                        "keys",
                        "add-iam-policy-binding",
                        KEY,
                        f"--member={MEMBER}",
                        f"--role={role}",
                    ]
                )
                in fixes
            )


def test_verify_key_gcp_reports_the_conditional_binding_and_the_protection_level(
    tmp_path: Path,
) -> None:
    _, iam, _, _ = CASES["conditional_binding"]
    (tmp_path / "d.json").write_text(json.dumps(describe(primary={"protectionLevel": "HSM"})))
    (tmp_path / "p.json").write_text(json.dumps(iam))
    result = cmek(
        "verify-key",
        "--cloud",
        "gcp",
        KEY,
        "--principal",
        EMAIL,
        "--describe-file",
        str(tmp_path / "d.json"),
        "--iam-policy-file",
        str(tmp_path / "p.json"),
    )
    assert result.returncode == 1
    assert (
        f"info conditional bindings: not counted as granted: {ED} (condition 'until-2026')"
        in result.stdout
    )
    assert "info protection level: HSM: key material in Cloud HSM" in result.stdout


@pytest.mark.parametrize(
    "principal, key, names",
    [
        ("someone@example.com", KEY, "--principal 'someone@example.com'"),
        (MEMBER, KEY, f"--principal '{MEMBER}'"),
        (EMAIL, KEY.rsplit("/cryptoKeys/", 1)[0], "KEY_PATH"),
        (EMAIL, f"{KEY}/cryptoKeyVersions/1", "KEY_PATH"),
    ],
    ids=["user_email", "member_form", "key_ring_path", "version_path"],
)
def test_verify_key_gcp_bad_input_is_one_line_exit_2(
    principal: str, key: str, names: str, tmp_path: Path
) -> None:
    (tmp_path / "d.json").write_text(json.dumps(describe()))
    result = cmek(
        "verify-key",
        "--cloud",
        "gcp",
        key,
        "--principal",
        principal,
        "--describe-file",
        str(tmp_path / "d.json"),
        "--iam-policy-file",
        str(tmp_path / "d.json"),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr.count("\n") == 1
        and names in result.stderr
        and "Traceback" not in result.stderr
    )


def test_verify_key_gcp_refuses_a_document_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "d.json").write_text("Listed 0 items.\n")
    result = cmek(
        "verify-key",
        "--cloud",
        "gcp",
        KEY,
        "--principal",
        EMAIL,
        "--describe-file",
        str(tmp_path / "d.json"),
        "--iam-policy-file",
        str(tmp_path / "d.json"),
    )
    assert result.returncode == 2
    assert "--describe-file" in result.stderr and "not JSON" in result.stderr
