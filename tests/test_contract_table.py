"""One table of principals and one of action lists, judged by every command and check that judges
them: each must reach the same verdict (cmek.contract is the one home of these rules).

The principals table runs `cmek snippet`, `cmek links`, `cmek grant --policy-file` (in process,
through the CLI's own parser), the config loader, verify-key's evaluation and the audit's principal
recognition; the actions table runs `cmek grant`, verify-key's key-policy checks and the audit's
findings on the same key policy. `cmek revoke` is judged on well-formedness only: taking a
mistaken principal out of a policy is the fix for the mistake, so revoke accepts any role ARN.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cmek import cli, config, contract, model, validate
from cmek.audit import evaluate as audit
from cmek.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from cmek.verify import evaluate as verify_key

ACCOUNT = "111122223333"  # the customer's: the key's account
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = KEY_ARN.replace("1234abcd", "9999abcd")
V2_ROLE = "arn:aws:iam::210987654321:role/CH-TDE-service-1"
V1_NAME = model.CLICKHOUSE_PRINCIPAL.rsplit("/", 1)[1]
ACCEPT, REFUSE = "accept", "refuse"

PRINCIPALS = {
    "v2 role": (V2_ROLE, ACCEPT),
    "v1 role given as v2": (model.CLICKHOUSE_PRINCIPAL, REFUSE),
    "v1 role name in the customer's account": (f"arn:aws:iam::{ACCOUNT}:role/{V1_NAME}", REFUSE),
    "v1 role name in a mistyped account": (f"arn:aws:iam::576599896961:role/{V1_NAME}", REFUSE),
    "another partition than the key": (V2_ROLE.replace("arn:aws:", "arn:aws-cn:"), REFUSE),
    "a user ARN": ("arn:aws:iam::210987654321:user/alice", REFUSE),
    "*": ("*", REFUSE),
    "malformed": ("arn:aws:iam::2109:role/x", REFUSE),
}


def root_statement() -> dict:
    return {
        "Sid": model.KEY_POLICY_ROOT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": contract.account_root("aws", ACCOUNT)},
        "Action": model.KMS_ALL_ACTIONS,
        "Resource": "*",
    }


def policy(*statements: dict) -> dict:
    return {"Version": model.POLICY_VERSION, "Statement": [root_statement(), *statements]}


def cli_verdict(capsys, *argv: str) -> str:
    code = cli.main(list(argv))
    capsys.readouterr()
    assert code in (EXIT_OK, EXIT_BAD_INPUT)
    return ACCEPT if code == EXIT_OK else REFUSE


def grant_file(tmp_path: Path, document: dict) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    return str(path)


METADATA = {
    "Arn": KEY_ARN,
    "KeyState": model.KEY_STATE_ENABLED,
    "Enabled": True,
    "KeySpec": model.KEY_SPEC,
    "KeyUsage": model.KEY_USAGE,
    "KeyManager": "CUSTOMER",
    "Origin": "AWS_KMS",
    "MultiRegion": False,
}


def verify_principal_verdict(principal: str) -> str:
    """verify-key's input check (the role ARN in the key's partition), then its evaluation."""
    key = verify_key.parse_key_ref(KEY_ARN)
    try:
        validate.role_arn(principal, "--principal", key.partition)
    except InputError:
        return REFUSE
    request = verify_key.Request(key, key.region, model.V2, principal)
    facts = verify_key.Facts(metadata=METADATA, policy=json.dumps(policy()), rotation=True)
    checks = verify_key.evaluate(request, facts).checks
    return (
        REFUSE
        if any(c.id == "principal" and c.status == verify_key.FAIL for c in checks)
        else ACCEPT
    )


def audit_principal_verdict(principal: str) -> str:
    """Does the audit count a statement naming `principal` as a v2 grant (the caller names the
    principal's account as ClickHouse's)?"""
    parts = principal.split(":")
    accounts = [parts[4]] if len(parts) == 6 else []
    profile = audit.profile_of(principal, accounts, ACCOUNT, "aws")
    return ACCEPT if profile is not None and profile.per_service_role else REFUSE


def config_verdict(principal: str) -> str:
    try:
        config.from_mapping({"profile": model.V2.name, "principal": principal})
    except InputError:
        return REFUSE
    return ACCEPT


@pytest.mark.parametrize("name", PRINCIPALS)
def test_every_judge_gives_a_principal_the_same_verdict(name, capsys, tmp_path) -> None:
    principal, expected = PRINCIPALS[name]
    document = grant_file(tmp_path, policy())
    verdicts = {
        "snippet": cli_verdict(capsys, "snippet", "--principal", principal),
        "links": cli_verdict(capsys, "links", "--principal", principal),
        "grant": cli_verdict(capsys, "grant", "--principal", principal, "--policy-file", document),
        "config": config_verdict(principal),
        "verify-key": verify_principal_verdict(principal),
        "audit": audit_principal_verdict(principal),
    }
    assert verdicts == dict.fromkeys(verdicts, expected)


@pytest.mark.parametrize("name", PRINCIPALS)
def test_revoke_takes_out_any_role_arn(name, capsys, tmp_path) -> None:
    principal, _ = PRINCIPALS[name]
    is_role = name not in ("a user ARN", "*", "malformed", "another partition than the key")
    document = grant_file(tmp_path, policy())
    verdict = cli_verdict(capsys, "revoke", "--principal", principal, "--policy-file", document)
    assert verdict == (ACCEPT if is_role else REFUSE)


# --- Action lists ---------------------------------------------------------------------------------

GRANTED, TYPO, BROADER, MISSING = "granted", "typo", "broader", "missing"
V2_ACTIONS = list(model.V2.actions)


def _with_typo(spelling: str) -> list[str]:
    return [spelling if a == model.REENCRYPT_ACTIONS[0] else a for a in V2_ACTIONS]


ACTIONS = {
    "exact v2": (V2_ACTIONS, "*", GRANTED, GRANTED),
    **{
        f"typo {s}": (_with_typo(s), "*", TYPO, TYPO)
        for s in ("kms:ReEncrypt", "kms:reencrypt", "KMS:REENCRYPT", "kms:reEncrypt")
    },
    "kms:*": (["kms:*"], "*", BROADER, GRANTED),
    "missing Decrypt": ([a for a in V2_ACTIONS if a != "kms:Decrypt"], "*", MISSING, MISSING),
    # Broader (GetPublicKey, ...) and missing ReEncrypt: grant narrows it to v2's set in one write.
    "v1's seven": (list(model.V1.actions), "*", BROADER, MISSING),
    "scoped to another key": (V2_ACTIONS, OTHER_KEY_ARN, MISSING, MISSING),
}


def _grant_verdict(capsys, tmp_path: Path, document: dict) -> str:
    path = grant_file(tmp_path, document)
    code = cli.main(["grant", "--principal", V2_ROLE, "--policy-file", path])
    notes = capsys.readouterr().err
    assert code == EXIT_OK, notes
    if notes.startswith("unchanged:"):
        return GRANTED
    for prefix, verdict in (("fixed: replaced", TYPO), ("narrowed:", BROADER)):
        if prefix in notes:
            return verdict
    assert "granted:" in notes, notes
    return MISSING


def _verify_verdict(document: dict) -> str:
    key = verify_key.parse_key_ref(KEY_ARN)
    request = verify_key.Request(key, key.region, model.V2, V2_ROLE)
    checks = verify_key.key_policy_checks(request, json.dumps(document), KEY_ARN)
    if all(c.status == verify_key.PASS for c in checks):
        return GRANTED
    typo = any(f"lists {model.REENCRYPT_TYPO}," in line for c in checks for line in c.fix)
    return TYPO if typo else MISSING


def _audit_verdict(document: dict) -> str:
    key = audit.KeyFacts(KEY_ARN, "us-east-1", METADATA, policy=json.dumps(document))
    report = audit.audit(
        audit.Inventory(regions=("us-east-1",), keys=(key,), roles=()), ["210987654321"]
    )
    codes = {f.code for f in report.findings if f.principal == V2_ROLE}
    for code, verdict in (
        (audit.TYPO, TYPO),
        (audit.BROADER, BROADER),
        (audit.V2_MISSING, MISSING),
    ):
        if code in codes:
            return verdict
    granted = any(a.principal == V2_ROLE for a in report.access)
    return GRANTED if granted else MISSING


@pytest.mark.parametrize("name", ACTIONS)
def test_every_judge_gives_an_action_list_the_same_verdict(name, capsys, tmp_path) -> None:
    actions, resource, expected, usable = ACTIONS[name]
    statement = {
        "Sid": "ClickHouse",
        "Effect": "Allow",
        "Principal": {"AWS": V2_ROLE},
        "Action": actions,
        "Resource": resource,
    }
    document = policy(statement)
    verdicts = {
        "grant": _grant_verdict(capsys, tmp_path, document),
        "audit": _audit_verdict(document),
    }
    assert verdicts == dict.fromkeys(verdicts, expected)
    # verify-key judges usability only (a broader grant is a usable one).
    assert _verify_verdict(document) == usable
