"""`cmek verify-key` against the moto server: real keys, key policies, roles and credentials.

moto stores key and IAM policies and enforces key state on some calls, but it does not evaluate a
key policy for the caller (it serves Decrypt whatever the policy says) and never knows ClickHouse's
principal: the grants are judged by our policy evaluation on the stored documents, and the tests
below say where moto's own behaviour shapes a case.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import moto_server
import pytest
from cmek import cli, iam_policy, model
from cmek.verify import evaluate as verify_key
from cmek.verify import fetch as verify_key_fetch
from cmek.verify import report as verify_key_report

ACCOUNT = "123456789012"  # moto's default account: the customer's, holding keys and roles
CLICKHOUSE_ACCOUNT = "999988887777"
V2_ROLE = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/clickhouse-service-encryption"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
PROFILES = [
    pytest.param(model.V1, model.V1.principal, id="v1"),
    pytest.param(model.V2, V2_ROLE, id="v2"),
]


def root_statement() -> dict:
    return {
        "Sid": model.KEY_POLICY_ROOT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": model.KMS_ALL_ACTIONS,
        "Resource": "*",
    }


def grant(principal: str, actions: Any, sid: str = model.KEY_POLICY_CLICKHOUSE_SID) -> dict:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": list(actions) if not isinstance(actions, str) else actions,
        "Resource": "*",
    }


def policy(*statements: dict) -> dict:
    return {"Version": model.POLICY_VERSION, "Statement": list(statements)}


@dataclass
class Moto:
    endpoint: str
    kms: Any
    iam: Any

    def key(self, key_policy: dict, rotation: bool = True, **kwargs: Any) -> dict:
        # moto 5.2.5 leaves KeyUsage out of DescribeKey unless CreateKey was given it (AWS always
        # returns it, ENCRYPT_DECRYPT by default): pass AWS's default explicitly.
        kwargs.setdefault("KeyUsage", model.KEY_USAGE)
        meta = self.kms.create_key(Policy=json.dumps(key_policy), **kwargs)["KeyMetadata"]
        if rotation:
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta

    def role(self, name: str, trust: dict, inline: dict | None = None) -> str:
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        if inline is not None:
            self.iam.put_role_policy(
                RoleName=name, PolicyName="cmek", PolicyDocument=json.dumps(inline)
            )
        return arn["Role"]["Arn"]


@pytest.fixture
def moto(aws, moto_reset: str) -> Moto:
    return Moto(moto_reset, aws("kms"), aws("iam"))


def verify(capsys, endpoint: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["verify-key", *args, "--endpoint-url", endpoint])
    out, err = capsys.readouterr()
    return code, out, err


def verify_json(capsys, endpoint: str, *args: str) -> tuple[int, dict]:
    code, out, err = verify(capsys, endpoint, *args, "--format", "json")
    assert err == ""
    return code, json.loads(out)


def statuses(report: dict) -> dict[str, str]:
    return {check["id"]: check["status"] for check in report["checks"]}


def fix_text(check: dict) -> str:
    return "\n".join(check["fix"])


def profile_args(profile: model.Profile, principal: str) -> list[str]:
    return ["--cmek-version", profile.name, "--principal", principal]


def real_actions(profile: model.Profile) -> list[str]:
    return [f"key-policy {a}" for a in iam_policy.real_actions(profile.actions)]


# --- Valid keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
def test_valid_key(moto: Moto, capsys, profile: model.Profile, principal: str) -> None:
    key = moto.key(policy(root_statement(), grant(principal, profile.actions)))
    code, out, err = verify(capsys, moto.endpoint, key["Arn"], *profile_args(profile, principal))
    assert (code, err) == (0, ""), out
    assert out.splitlines()[0].startswith(f"valid: {key['Arn']} for {principal}")
    assert "fail" not in out and "What to change" not in out
    for action in iam_policy.real_actions(profile.actions):
        assert f"pass  key-policy {action}" in out


def test_v2_expands_reencrypt_star_into_both_real_actions() -> None:
    actions = iam_policy.real_actions(model.V2.actions)
    assert set(model.REENCRYPT_COVERS) <= set(actions)
    assert not set(model.REENCRYPT_ACTIONS) & set(actions)


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
@pytest.mark.parametrize("wildcard", [model.KMS_ALL_ACTIONS, "*"])
def test_wildcard_grant_is_valid(
    moto: Moto, capsys, profile: model.Profile, principal: str, wildcard: str
) -> None:
    key = moto.key(policy(root_statement(), grant(principal, wildcard, sid="Everything")))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], *profile_args(profile, principal))
    assert code == 0 and report["verdict"] == "valid"
    for check in report["checks"]:
        if check["id"].startswith("key-policy "):
            assert check == {**check, "status": "pass", "summary": "allowed by 'Everything'"}


def test_v2_statement_naming_clickhouse_account_counts_and_says_so(moto: Moto, capsys) -> None:
    clickhouse_root = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:root"
    key = moto.key(policy(root_statement(), grant(clickhouse_root, model.V2.actions)))
    code, out, _ = verify(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 0
    assert f"names account {CLICKHOUSE_ACCOUNT}: its IAM policies must allow it too" in out


def test_alias_arn_is_resolved_and_reported(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    moto.kms.create_alias(AliasName="alias/clickhouse", TargetKeyId=key["KeyId"])
    alias = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/clickhouse"
    code, report = verify_json(capsys, moto.endpoint, alias, "--principal", V2_ROLE)
    assert code == 0
    assert report["resolved_key_arn"] == key["Arn"]
    assert report["checks"][0]["summary"] == f"alias {alias} resolves to {key['Arn']}"


# --- Policies that do not grant -------------------------------------------------------------------


def snippet_text(tmp_path: Path, capsys, profile: model.Profile, principal: str) -> str:
    config = tmp_path / "cmek.toml"
    config.write_text(f'profile = "{profile.name}"\nprincipal = "{principal}"\n')
    assert cli.main(["snippet", "--config", str(config)]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
def test_missing_action_is_named_with_the_statement_to_add(
    moto: Moto, capsys, tmp_path: Path, profile: model.Profile, principal: str
) -> None:
    missing = "kms:DescribeKey"
    actions = [a for a in profile.actions if a != missing]
    key = moto.key(policy(root_statement(), grant(principal, actions)))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], *profile_args(profile, principal))
    assert code == 1 and report["verdict"] == "not valid"
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == [f"key-policy {missing}"]
    assert failed[0]["summary"] == "not allowed: no statement grants it"
    snippet = snippet_text(tmp_path, capsys, profile, principal)
    assert snippet.rstrip() in fix_text(failed[0])
    grant_command = (
        f"cmek grant --cmek-version {profile.name} --principal {principal} --key-arn {key['Arn']}"
    )
    assert fix_text(failed[0]).endswith(f"\n{grant_command}")


def test_the_suggested_grant_command_makes_the_key_valid(
    moto: Moto, capsys, tmp_path: Path
) -> None:
    actions = [a for a in model.V2.actions if a not in model.REENCRYPT_ACTIONS]
    key = moto.key(policy(root_statement(), grant(V2_ROLE, actions)))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    fix = next(fix_text(c) for c in report["checks"] if c["status"] == "fail")
    command = fix.splitlines()[-1].split()
    assert command[:2] == ["cmek", "grant"]
    apply = ["--apply", "--backup-dir", str(tmp_path), "--endpoint-url", moto.endpoint]
    assert cli.main([*command[1:], *apply]) == 0
    capsys.readouterr()
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert (code, report["verdict"]) == (0, "valid")


def test_text_output_lists_each_failure_and_its_fix_once(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, ["kms:Encrypt"])))
    code, out, _ = verify(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    assert out.splitlines()[0].startswith("not valid: ")
    for action in ("kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"):
        assert f"fail  key-policy {action}" in out
    assert "pass  key-policy kms:Encrypt" in out
    assert out.count("Add this statement to the key policy") == 1
    assert out.count('"Principal": {') == 1
    assert out.count("does not reach a principal of another account") == 1


def test_reencrypt_without_star_names_both_real_actions(moto: Moto, capsys) -> None:
    actions = [
        model.REENCRYPT_TYPO if a in model.REENCRYPT_ACTIONS else a for a in model.V2.actions
    ]
    key = moto.key(policy(root_statement(), grant(V2_ROLE, actions)))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    failed = {c["id"]: c for c in report["checks"] if c["status"] == "fail"}
    assert set(failed) == {f"key-policy {a}" for a in model.REENCRYPT_COVERS}
    for check in failed.values():
        assert f"lists {model.REENCRYPT_TYPO}, which is not an IAM action" in fix_text(check)


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
def test_explicit_deny_wins(moto: Moto, capsys, profile: model.Profile, principal: str) -> None:
    # Deny Decrypt, not DescribeKey: moto refuses DescribeKey to every caller when any Deny
    # statement covers it (its policy_validator ignores the Principal), which would end the check.
    deny = {**grant(principal, "kms:Decrypt", sid="NoDecrypt"), "Effect": "Deny"}
    key = moto.key(policy(root_statement(), grant(principal, profile.actions), deny))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], *profile_args(profile, principal))
    assert code == 1
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["key-policy kms:Decrypt"]
    assert failed[0]["summary"] == "explicitly denied by 'NoDecrypt': a Deny wins over any Allow"


def test_conditional_allow_is_reported_not_counted(moto: Moto, capsys) -> None:
    conditional = {
        **grant(V2_ROLE, model.V2.actions),
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }
    key = moto.key(policy(root_statement(), conditional))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    for check in report["checks"]:
        if check["id"].startswith("key-policy "):
            assert check["status"] == "fail"
            assert "only under a Condition ('Allow ClickHouse Access')" in check["summary"]


def test_v2_role_granted_only_through_account_root_is_not_valid(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    policy_checks = [c for c in report["checks"] if c["id"].startswith("key-policy ")]
    assert [c["id"] for c in policy_checks] == real_actions(model.V2)
    for check in policy_checks:
        assert check["status"] == "fail"
        assert "does not reach a principal of another account" in fix_text(check)


def test_same_account_principal_through_account_root_only_is_not_valid(moto: Moto, capsys) -> None:
    # A principal of the key's own account gets the root statement's grant only if an identity
    # policy also allows it, which nobody checked without the role flow.
    staging = f"arn:aws:iam::{ACCOUNT}:role/staging-kms-request-role"
    key = moto.key(policy(root_statement()))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], *profile_args(model.V1, staging))
    assert code == 1
    for check in report["checks"]:
        if check["id"].startswith("key-policy "):
            assert check["status"] == "fail"
            assert check["summary"].startswith(
                f"reaches {staging} only through '{model.KEY_POLICY_ROOT_SID}'"
            )


def test_v2_principal_equal_to_the_v1_role_is_a_finding(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(model.V1.principal, model.V2.actions)))
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", model.V1.principal)
    assert code == 1
    assert statuses(report)["principal"] == "fail"
    assert all(s == "pass" for i, s in statuses(report).items() if i.startswith("key-policy"))


# --- Key metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
def test_disabled_key(moto: Moto, capsys, profile: model.Profile, principal: str) -> None:
    key = moto.key(policy(root_statement(), grant(principal, profile.actions)))
    moto.kms.disable_key(KeyId=key["KeyId"])  # moto 5.2.5 answers DisableKey by ARN with a 500
    code, out, _ = verify(capsys, moto.endpoint, key["Arn"], *profile_args(profile, principal))
    assert code == 1
    assert "fail  key-state" in out and "key state Disabled" in out
    assert f"aws kms enable-key --key-id {key['Arn']}" in out


def test_key_pending_deletion(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    moto.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=30)
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    state = next(c for c in report["checks"] if c["id"] == "key-state")
    assert state["status"] == "fail" and "PendingDeletion" in state["summary"]
    assert "aws kms cancel-key-deletion" in fix_text(state)


def test_rsa_key_is_not_valid(moto: Moto, capsys) -> None:
    key = moto.key(
        policy(root_statement(), grant(V2_ROLE, model.V2.actions)),
        rotation=False,
        KeySpec="RSA_2048",
        KeyUsage="ENCRYPT_DECRYPT",
    )
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 1
    assert [c["id"] for c in report["checks"] if c["status"] == "fail"] == ["key-spec"]
    spec = next(c for c in report["checks"] if c["id"] == "key-spec")
    assert spec["summary"] == f"KeySpec RSA_2048: ClickHouse needs {model.KEY_SPEC}"


def test_rotation_off_is_a_warning_and_origin_is_reported(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)), rotation=False)
    code, out, _ = verify(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 0
    assert "warn  rotation" in out
    assert f"aws kms enable-key-rotation --key-id {key['Arn']}" in out
    assert re.search(r"^  info  origin +origin AWS_KMS: key material generated by KMS$", out, re.M)
    assert re.search(r"^  info  multi-region +single-region key$", out, re.M)


def test_multi_region_key_is_reported(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)), MultiRegion=True)
    # moto 5.2.5 names multi-region keys mrk-<uuid with dashes>; AWS uses mrk-<32 hex digits>
    # (the model's pattern), so the key is given by an alias ARN, which resolves it.
    moto.kms.create_alias(AliasName="alias/mrk", TargetKeyId=key["KeyId"])
    alias = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/mrk"
    code, report = verify_json(capsys, moto.endpoint, alias, "--principal", V2_ROLE)
    assert code == 0
    check = next(c for c in report["checks"] if c["id"] == "multi-region")
    assert check["summary"].startswith("multi-region key (primary)")


def test_region_other_than_the_arns_is_warned_and_used(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    args = [key["Arn"], "--principal", V2_ROLE, "--region", "eu-west-1"]
    code, report = verify_json(capsys, moto.endpoint, *args)
    # The key lives in us-east-1, so KMS in eu-west-1 does not know it.
    assert code == 1 and report["region"] == "eu-west-1"
    assert statuses(report)["region"] == "warn"
    assert statuses(report)["key-exists"] == "fail"


def test_unknown_key_is_not_valid(moto: Moto, capsys) -> None:
    code, report = verify_json(capsys, moto.endpoint, model.EXAMPLE_KEY_ARN, "--principal", V2_ROLE)
    assert code == 1
    assert statuses(report)["key-exists"] == "fail"


# --- The v1 role flow -----------------------------------------------------------------------------


def trust(principal: str, condition: dict | None = None) -> dict:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": model.ASSUME_ROLE_ACTION,
    }
    if condition:
        statement["Condition"] = condition
    return policy(statement)


def role_grant(key_arn: str, actions: tuple[str, ...] = model.V1.actions) -> dict:
    return policy({"Effect": "Allow", "Action": list(actions), "Resource": key_arn})


def test_valid_v1_role_with_inline_policy(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal), role_grant(key["Arn"]))
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 0, report
    found = statuses(report)
    assert found["role-trust"] == "pass"
    for action in iam_policy.real_actions(model.V1.actions):
        assert found[f"key-policy {action}"] == "pass"
        assert found[f"role-policy {action}"] == "pass"


def test_valid_v1_role_with_attached_managed_policy(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal))
    managed = moto.iam.create_policy(
        PolicyName="cmek", PolicyDocument=json.dumps(role_grant(key["Arn"]))
    )["Policy"]["Arn"]
    moto.iam.attach_role_policy(RoleName="ClickHouseCMEK", PolicyArn=managed)
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 0
    check = next(c for c in report["checks"] if c["id"] == "role-policy kms:Encrypt")
    assert check["summary"] == f"allowed by 'managed {managed}/#0'"


def test_deny_in_an_attached_policy_wins_over_the_inline_grant(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal), role_grant(key["Arn"]))
    deny = policy({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"})
    managed = moto.iam.create_policy(PolicyName="guard", PolicyDocument=json.dumps(deny))
    arn = managed["Policy"]["Arn"]
    moto.iam.attach_role_policy(RoleName="ClickHouseCMEK", PolicyArn=arn)
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 1
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["role-policy kms:Decrypt"]
    assert failed[0]["summary"].startswith(f"explicitly denied by 'managed {arn}/#0'")


def test_role_granting_another_key_is_not_valid(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    other = moto.key(policy(root_statement()))
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal), role_grant(other["Arn"]))
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 1
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert {c["id"] for c in failed} == {f"role-policy {a}" for a in model.V1.actions}
    assert f'"Resource": [\n    "{key["Arn"]}"' in fix_text(failed[0])


def test_role_trusting_another_principal_is_not_valid(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    stranger = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/someone-else"
    role = moto.role("ClickHouseCMEK", trust(stranger), role_grant(key["Arn"]))
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 1
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["role-trust"]
    assert model.V1.principal in failed[0]["summary"]
    assert f'"AWS": "{model.V1.principal}"' in fix_text(failed[0])


def test_role_trust_with_external_id_is_reported(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    condition = {"StringEquals": {model.EXTERNAL_ID_CONDITION_KEY: model.EXAMPLE_EXTERNAL_ID}}
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal, condition), role_grant(key["Arn"]))
    code, out, _ = verify(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 0
    assert "warn  role-trust" in out
    assert f"only with external ID {model.EXAMPLE_EXTERNAL_ID}" in out


def test_role_flow_needs_key_policy_delegation(moto: Moto, capsys) -> None:
    # No account-root statement and no statement naming the role: IAM policies grant nothing.
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    key = moto.key(policy(grant(admin, model.KMS_ALL_ACTIONS, sid="Admin")))
    role = moto.role("ClickHouseCMEK", trust(model.V1.principal), role_grant(key["Arn"]))
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 1
    failed = {c["id"] for c in report["checks"] if c["status"] == "fail"}
    assert failed == {f"key-policy {a}" for a in iam_policy.real_actions(model.V1.actions)}


def test_role_of_another_account_than_the_callers_exits_3(moto: Moto, capsys) -> None:
    # GetRole takes a name: the caller's account answers, so a same-named role there must not be
    # mistaken for the role the ARN names.
    key = moto.key(policy(root_statement()))
    moto.role("ClickHouseCMEK", trust(model.V1.principal), role_grant(key["Arn"]))
    role = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/ClickHouseCMEK"
    code, out, err = verify(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert (code, out) == (3, "")
    assert f"role {role} is in account {CLICKHOUSE_ACCOUNT}" in err


def test_missing_role_is_not_valid(moto: Moto, capsys) -> None:
    key = moto.key(policy(root_statement()))
    role = f"arn:aws:iam::{ACCOUNT}:role/NoSuchRole"
    code, report = verify_json(
        capsys, moto.endpoint, key["Arn"], "--cmek-version", "v1", "--role-arn", role
    )
    assert code == 1 and statuses(report)["role"] == "fail"


# --- Live round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "principal"), PROFILES)
def test_live_round_trip(moto: Moto, capsys, profile: model.Profile, principal: str) -> None:
    # moto serves GenerateDataKey/Decrypt/ReEncrypt to any caller (it does not evaluate the key
    # policy): this proves our round trip and comparison, while ClickHouse's access is the
    # key-policy evaluation's job (the output says so).
    key = moto.key(policy(root_statement(), grant(principal, profile.actions)))
    args = [key["Arn"], *profile_args(profile, principal), "--live"]
    code, report = verify_json(capsys, moto.endpoint, *args)
    assert code == 0
    live = next(c for c in report["checks"] if c["id"] == "live")
    steps = (
        "GenerateDataKey, ReEncrypt, Decrypt, Decrypt"
        if profile is model.V2
        else ("GenerateDataKey, Decrypt")
    )
    assert live["status"] == "pass"
    assert live["summary"].startswith(f"round trip {steps} succeeded")
    assert "cannot prove ClickHouse's own access" in live["summary"]


def test_live_is_not_tried_on_a_disabled_key(moto: Moto, capsys) -> None:
    # moto 5.2.5 serves GenerateDataKey on a disabled key; AWS refuses it. Not trying is the same
    # answer on both, and the key-state check already fails.
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    moto.kms.disable_key(KeyId=key["KeyId"])
    code, report = verify_json(capsys, moto.endpoint, key["Arn"], "--principal", V2_ROLE, "--live")
    assert code == 1
    assert statuses(report)["live"] == "skip"


# --- A caller without permission: exit 3 ----------------------------------------------------------


# moto enforces IAM on requests once INITIAL_NO_AUTH_ACTION_COUNT unauthenticated requests are
# spent; this server allows exactly the three that create an administrator with an access key.
SETUP_REQUESTS = 3


@pytest.fixture(scope="module")
def iam_enforcing_endpoint() -> Iterator[str]:
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_REQUESTS)}
    with moto_server.running(env) as url:
        yield url


def _user_keys(iam, name: str, actions: list[str]) -> dict[str, str]:
    iam.create_user(UserName=name)
    allow = policy({"Effect": "Allow", "Action": actions, "Resource": "*"})
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(allow))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def test_caller_without_get_key_policy_exits_3(
    iam_enforcing_endpoint: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    session = {"region_name": "us-east-1", "endpoint_url": iam_enforcing_endpoint}
    setup = boto3.client("iam", **session, aws_access_key_id="x", aws_secret_access_key="x")
    admin = _user_keys(setup, "admin", ["*"])  # the SETUP_REQUESTS unauthenticated requests
    iam = boto3.client("iam", **session, **admin)
    key = boto3.client("kms", **session, **admin).create_key(
        Policy=json.dumps(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    )["KeyMetadata"]
    caller = _user_keys(iam, "caller", ["kms:DescribeKey", "kms:GetKeyRotationStatus"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", caller["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", caller["aws_secret_access_key"])
    code, out, err = verify(capsys, iam_enforcing_endpoint, key["Arn"], "--principal", V2_ROLE)
    assert code == 3 and out == ""
    [line] = err.splitlines()
    assert f"GetKeyPolicy on {key['Arn']}" in line
    assert "user/caller is not authorized to perform: kms:GetKeyPolicy" in line
    assert "not about the key" in line


# --- Bad input: exit 2 ----------------------------------------------------------------------------

BAD_INPUTS = {
    "malformed ARN": (["arn:aws:kms:us-east-1:1234:key/nope"], "KEY_ARN 'arn:aws:kms"),
    "key ID, not an ARN": (["1234abcd-12ab-34cd-56ef-1234567890ab"], "expected a KMS key ARN"),
    "v2 without principal": (
        [model.EXAMPLE_KEY_ARN],
        "--principal: v2 needs your service's encryption role ARN",
    ),
    "principal not a role": (
        [model.EXAMPLE_KEY_ARN, "--principal", "arn:aws:iam::1:user/x"],
        "--principal 'arn:aws:iam::1:user/x'",
    ),
    "role flow with v2": (
        [model.EXAMPLE_KEY_ARN, "--principal", V2_ROLE, "--role-arn", model.EXAMPLE_ROLE_ARN],
        "--role-arn: the role flow is v1 only",
    ),
    "watch zero": ([model.EXAMPLE_KEY_ARN, "--principal", V2_ROLE, "--watch", "0"], "--watch '0'"),
    "bad region": ([model.EXAMPLE_KEY_ARN, "--principal", V2_ROLE, "--region", "Mars"], "--region"),
    "endpoint not a URL": (
        [model.EXAMPLE_KEY_ARN, "--principal", V2_ROLE, "--endpoint-url", "file:///etc"],
        "--endpoint-url 'file:///etc': expected an http(s) URL",
    ),
}


@pytest.mark.parametrize(("args", "expected"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exits_2_with_one_line(capsys, args: list[str], expected: str) -> None:
    code = cli.main(["verify-key", *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert expected in line


# --- Pure checks on documents and responses moto cannot produce ---------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
DOC_KEY = verify_key.parse_key_ref(model.EXAMPLE_KEY_ARN)  # the fixtures' key account, 111122223333
DOC_V2_ROLE = "arn:aws:iam::999988887777:role/CH-TDE-c0ffee00-1234-4abc-9def-0123456789ab"


def doc_request(profile: model.Profile, principal: str, role_arn: str | None = None):
    return verify_key.Request(DOC_KEY, DOC_KEY.region, profile, principal, role_arn)


def policy_statuses(name: str, request: verify_key.Request) -> dict[str, str]:
    text = (FIXTURES / name).read_text()
    checks = verify_key.key_policy_checks(request, text, model.EXAMPLE_KEY_ARN)
    return {c.id: c.status for c in checks}


@pytest.mark.parametrize(
    ("name", "profile", "principal"),
    [
        ("clickhouse-provider-example.json", model.V2, DOC_V2_ROLE),
        ("migration-two-principals.json", model.V2, DOC_V2_ROLE),
        ("migration-two-principals.json", model.V1, model.V1.principal),
    ],
)
def test_real_policies_that_grant(name: str, profile: model.Profile, principal: str) -> None:
    found = policy_statuses(name, doc_request(profile, principal))
    assert found == {f"key-policy {a}": "pass" for a in iam_policy.real_actions(profile.actions)}


@pytest.mark.parametrize("name", ["aws-default.json", "console-default.json"])
def test_real_policies_that_do_not_name_clickhouse(name: str) -> None:
    found = policy_statuses(name, doc_request(model.V2, DOC_V2_ROLE))
    assert set(found.values()) == {"fail"}


def test_deny_without_tls_never_applies_to_clickhouse() -> None:
    # with-deny.json: the root statement, a Deny of deletion, and a Deny of non-TLS requests.
    role = f"arn:aws:iam::{model.EXAMPLE_ACCOUNT}:role/ClickHouseCMEK"
    found = policy_statuses("with-deny.json", doc_request(model.V1, model.V1.principal, role))
    assert found.pop("key-policy-tls") == "info"
    assert found == {f"key-policy {a}": "pass" for a in iam_policy.real_actions(model.V1.actions)}


def test_deny_with_another_condition_may_deny() -> None:
    statement = {**grant(DOC_V2_ROLE, "kms:Decrypt", sid="OnlyFromVpc"), "Effect": "Deny"}
    statement["Condition"] = {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}
    text = json.dumps(policy(grant(DOC_V2_ROLE, model.V2.actions), statement))
    checks = verify_key.key_policy_checks(
        doc_request(model.V2, DOC_V2_ROLE), text, model.EXAMPLE_KEY_ARN
    )
    decrypt = next(c for c in checks if c.id == "key-policy kms:Decrypt")
    assert decrypt.status == "fail"
    assert decrypt.summary.startswith("may be denied (conditional Deny) by 'OnlyFromVpc'")


def metadata(**changes: Any) -> dict:
    """A DescribeKey KeyMetadata as AWS documents it, for a usable key, with changes."""
    base = {
        "Arn": model.EXAMPLE_KEY_ARN,
        "KeyState": "Enabled",
        "Enabled": True,
        "KeySpec": model.KEY_SPEC,
        "KeyUsage": model.KEY_USAGE,
        "KeyManager": "CUSTOMER",
        "Origin": "AWS_KMS",
        "MultiRegion": False,
    }
    return {**base, **changes}


def test_aws_managed_key_is_not_valid() -> None:
    checks = {c.id: c for c in verify_key.metadata_checks(metadata(KeyManager="AWS"))}
    assert checks["key-manager"].status == "fail"


def test_expiring_imported_key_material_is_a_warning() -> None:
    meta = metadata(
        Origin="EXTERNAL", ExpirationModel=model.KEY_MATERIAL_EXPIRES, ValidTo="2027-01-01"
    )
    origin = next(c for c in verify_key.metadata_checks(meta) if c.id == "origin")
    assert origin.status == "warn" and "expires on 2027-01-01" in origin.summary


def test_custom_key_store_is_reported() -> None:
    meta = metadata(Origin="AWS_CLOUDHSM", CustomKeyStoreId="cks-1234567890abcdef0")
    origin = next(c for c in verify_key.metadata_checks(meta) if c.id == "origin")
    assert origin.status == "info"
    assert origin.summary == (
        f"origin AWS_CLOUDHSM: {model.KEY_ORIGINS['AWS_CLOUDHSM']} (cks-1234567890abcdef0)"
    )


def test_pending_import_is_not_valid() -> None:
    state = verify_key.metadata_checks(metadata(KeyState="PendingImport", Enabled=False))[0]
    assert (state.id, state.status) == ("key-state", "fail")
    assert "import-key-material" in state.fix[0]


# --- Watching -------------------------------------------------------------------------------------


def test_watch_speaks_on_first_verdict_and_each_change_only() -> None:
    states = iter([verify_key.VALID, verify_key.VALID, verify_key.NOT_VALID, verify_key.VALID])
    clock = iter(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s) for s in range(0, 99, 5))
    emitted: list[str] = []
    slept: list[float] = []
    verify_key_report.watch(
        lambda: verify_key_report.Observation(next(states), ("why",)),
        interval=600,
        emit=lambda at, cur, prev: emitted.append(verify_key_report.watch_line(at, cur, prev)),
        sleep=slept.append,
        now=lambda: next(clock),
        max_checks=4,
    )
    assert emitted == [
        "2026-01-01T00:00:00Z valid (first check): why",
        "2026-01-01T00:00:05Z not valid (was valid): why",
        "2026-01-01T00:00:10Z valid (was not valid): why",
    ]
    assert slept == [600, 600, 600]


def test_watch_json_record() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    current = verify_key_report.Observation(
        verify_key.NOT_VALID, ("key-state: key state Disabled",)
    )
    record = json.loads(
        verify_key_report.watch_record(
            at, current, verify_key_report.Observation(verify_key.VALID, ())
        )
    )
    assert record == {
        "time": "2026-01-01T00:00:00Z",
        "verdict": "not valid",
        "was": "valid",
        "reasons": ["key-state: key state Disabled"],
    }


def test_watch_turns_a_failed_check_into_a_state() -> None:
    def refused() -> verify_key.Report:
        raise verify_key_fetch.CallerDenied("could not check: refused")

    assert verify_key_report.observe(refused) == verify_key_report.Observation(
        verify_key.UNCHECKED, ("could not check: refused",)
    )


def _lines(stream) -> queue.Queue:
    found: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [found.put(line) for line in stream], daemon=True).start()
    return found


def test_watch_cli_sees_the_key_become_disabled(moto: Moto) -> None:
    key = moto.key(policy(root_statement(), grant(V2_ROLE, model.V2.actions)))
    # Python's own SIGINT handler, whatever the runner started this process with: a runner that
    # ignores SIGINT (a background job, nohup) passes that on, and the Ctrl-C below would be lost.
    start = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    start += "from cmek import cli; cli.run()"
    command = [sys.executable, "-c", start, "verify-key", key["Arn"], "--principal", V2_ROLE]
    command += ["--endpoint-url", moto.endpoint, "--watch", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = _lines(proc.stdout)
        first = lines.get(timeout=60)
        assert " valid (first check)" in first
        moto.kms.disable_key(KeyId=key["KeyId"])
        change = lines.get(timeout=60)
        assert " not valid (was valid): key-state: key state Disabled" in change
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        assert proc.stderr.read() == "cmek: interrupted\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
