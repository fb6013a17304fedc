"""Issue 17: `cmek grant` (a warning), `cmek verify-key` and `cmek audit` give one verdict on a v2
grant that a NotPrincipal Deny overrides, for every row of one table.

The rows are AWS's documented NotPrincipal examples (IAM User Guide, "AWS JSON policy elements:
NotPrincipal": a role with its account, a role with its account and one of its assumed-role
sessions, the account alone, and `*`), put in a key policy whose Deny names ClickHouse's v2
encryption role (`CH-TDE-...`, in ClickHouse's account). A role is used through its sessions
(ClickHouse calls KMS from a session of the role), so listing the role and its account spares no
session, listing one session spares only that session name (the Deny *may* apply), the account
alone spares nobody of it, and `*` spares everyone.

moto does not model this: it evaluates no Principal or NotPrincipal of a key policy (it enforces
no key policy on callers, except that any Deny covering DescribeKey refuses DescribeKey to every
caller, so the rows' Deny leaves DescribeKey out). verify-key and the audit therefore judge the
policy itself, read from moto over HTTP; the three commands run as subprocesses, as a user runs
them. The key policy each row creates is `cmek grant`'s own output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from cmek import model
from cmek.audit import evaluate as audit

ACCOUNT = "123456789012"  # moto's default account: the customer's, holding the key
CLICKHOUSE_ACCOUNT = "999988887777"
ROLE_NAME = f"{model.V2_ROLE_NAME_PREFIX}0123-abcd"
ROLE = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/{ROLE_NAME}"
ROLE_ACCOUNT = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:root"
SESSION = f"arn:aws:sts::{CLICKHOUSE_ACCOUNT}:assumed-role/{ROLE_NAME}/one-session"
DENY_SID = "DenyAllButListed"
REGION = "us-east-1"
# The use actions, not DescribeKey (see the module docstring: moto would refuse DescribeKey).
DENIED_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]

BLOCKED, MAY_BE_BLOCKED, ALLOWED = "denied", "may be denied", "allowed"
ROWS = [
    pytest.param([ROLE, ROLE_ACCOUNT], BLOCKED, id="role-and-account"),
    pytest.param([SESSION, ROLE, ROLE_ACCOUNT], MAY_BE_BLOCKED, id="role-account-and-session"),
    pytest.param([ROLE_ACCOUNT], BLOCKED, id="account-alone"),
    pytest.param("*", ALLOWED, id="everyone"),
]


def key_policy(not_principal: Any) -> dict:
    root = {
        "Sid": model.KEY_POLICY_ROOT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": model.KMS_ALL_ACTIONS,
        "Resource": "*",
    }
    deny = {
        "Sid": DENY_SID,
        "Effect": "Deny",
        "NotPrincipal": {"AWS": not_principal},
        "Action": DENIED_ACTIONS,
        "Resource": "*",
    }
    return {"Version": model.POLICY_VERSION, "Statement": [root, deny]}


def cmek(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cmek", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def grant_verdict(not_principal: Any) -> tuple[str, dict]:
    """`cmek grant --policy-file -`: its verdict (from the warning line) and the new policy."""
    before = json.dumps(key_policy(not_principal))
    result = cmek("grant", "--principal", ROLE, "--policy-file", "-", stdin=before)
    assert result.returncode == 0, result.stderr
    after = json.loads(result.stdout)
    assert [s.get("Sid") for s in after["Statement"]] == [
        model.KEY_POLICY_ROOT_SID,
        DENY_SID,
        model.V2.key_policy_sid,
    ]
    naming = [line for line in result.stderr.splitlines() if DENY_SID in line]
    if not naming:
        return ALLOWED, after
    assert len(naming) == 1, result.stderr  # one line per Deny statement, not one per action
    assert naming[0].startswith("warning: statement "), naming
    return (MAY_BE_BLOCKED if " may deny " in naming[0] else BLOCKED), after


def verify_verdict(endpoint: str, key_arn: str) -> str:
    argv = ["verify-key", key_arn, "--principal", ROLE, "--endpoint-url", endpoint]
    result = cmek(*argv, "--format", "json")
    report = json.loads(result.stdout)
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    if result.returncode == 0:
        assert failed == []
        return ALLOWED
    assert result.returncode == 1, result.stderr
    summaries = {c["summary"] for c in failed}
    assert all(DENY_SID in s for s in summaries), summaries
    assert {c["id"] for c in failed} == {
        f"key-policy {a}" for a in ("kms:Encrypt", "kms:Decrypt")
    } | {"key-policy kms:ReEncryptFrom", "key-policy kms:ReEncryptTo"}
    return MAY_BE_BLOCKED if all("may be denied" in s for s in summaries) else BLOCKED


def audit_verdict(endpoint: str, key_arn: str) -> str:
    argv = ["audit", "--endpoint-url", endpoint, "--region", REGION, "--format", "json"]
    result = cmek(*argv, "--clickhouse-account", CLICKHOUSE_ACCOUNT)
    report = json.loads(result.stdout)
    [row] = [a for a in report["access"] if a["principal"] == ROLE]
    assert row["key_arn"] == key_arn and row["profile"] == "v2"
    denied = [f for f in report["findings"] if f["code"] == audit.V2_DENIED]
    if not denied:
        assert result.returncode == 0 and report["findings"] == [], report["findings"]
        assert row["verdict"] == "valid"
        return ALLOWED
    assert result.returncode == 1
    # The Deny's finding is the only one: no "lacks" finding whose fix (cmek grant) cannot help.
    assert [f["code"] for f in report["findings"]] == [audit.V2_DENIED]
    [finding] = denied
    assert (finding["subject"], finding["principal"]) == (key_arn, ROLE)
    assert repr(DENY_SID) in finding["message"] and row["verdict"] != "valid"
    return MAY_BE_BLOCKED if " may deny " in finding["message"] else BLOCKED


@pytest.mark.parametrize(("not_principal", "expected"), ROWS)
def test_grant_verify_key_and_audit_agree(aws, not_principal: Any, expected: str) -> None:
    by_grant, granted = grant_verdict(not_principal)
    kms = aws("kms", REGION)
    # moto 5.2.5 leaves KeyUsage out of DescribeKey unless CreateKey was given it.
    meta = kms.create_key(Policy=json.dumps(granted), KeyUsage=model.KEY_USAGE)["KeyMetadata"]
    kms.enable_key_rotation(KeyId=meta["KeyId"])
    endpoint = kms.meta.endpoint_url
    verdicts = {
        "grant": by_grant,
        "verify-key": verify_verdict(endpoint, meta["Arn"]),
        "audit": audit_verdict(endpoint, meta["Arn"]),
    }
    assert verdicts == dict.fromkeys(verdicts, expected)
