"""cmek.iam_policy against AWS's documented evaluation examples and real key policies.

The examples follow AWS's IAM User Guide ("Policy evaluation logic", "IAM JSON policy elements:
NotPrincipal / NotAction / Action / Principal") and the KMS Developer Guide ("Default key policy");
the key policies are the documents in tests/fixtures/policies/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cmek import iam_policy, model
from cmek.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
ACCOUNT = model.EXAMPLE_ACCOUNT
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_ACCOUNT = "999988887777"
V2_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/CH-TDE-c0ffee00-1234-4abc-9def-0123456789ab"
KEY_ARN = model.EXAMPLE_KEY_ARN


def fixture(name: str) -> dict:
    return iam_policy.load((FIXTURES / name).read_text())


def key_policy(*statements: dict) -> dict:
    return iam_policy.load({"Version": model.POLICY_VERSION, "Statement": list(statements)})


def allow(principal, actions, **extra) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": actions, "Resource": "*", **extra}


def one(policy, principal, action, resource="*") -> iam_policy.Grant:
    return iam_policy.evaluate(policy, principal, [action], resource)[action]


# --- Actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("kms:*", "kms:ReEncryptFrom", True),
        ("*", "kms:Decrypt", True),
        ("kms:Re*", "kms:ReEncryptTo", True),
        ("kms:ReEncrypt*", "kms:ReEncryptFrom", True),
        ("KMS:reencrypt*", "kms:ReEncryptTo", True),  # IAM action names are case-insensitive
        ("kms:ReEncrypt", "kms:ReEncryptFrom", False),  # the typo grants neither half
        ("kms:ReEncrypt", "kms:ReEncryptTo", False),
        ("kms:Decrypt?", "kms:Decrypt", False),  # ? is exactly one character
        ("kms:Get?eyPolicy", "kms:GetKeyPolicy", True),
        ("s3:*", "kms:Decrypt", False),  # the service prefix is part of the match
        ("Decrypt", "kms:Decrypt", False),  # no service prefix: matches nothing
        ("kms:*Key", "kms:DescribeKey", True),
    ],
)
def test_action_matches(pattern, action, expected):
    assert iam_policy.action_matches(pattern, action) is expected


def test_expand_actions_reencrypt_forms():
    assert iam_policy.expand_actions(model.REENCRYPT_ACTIONS[0]) == model.REENCRYPT_COVERS
    assert iam_policy.expand_actions(model.REENCRYPT_TYPO) == ()
    assert set(model.REENCRYPT_COVERS) <= set(iam_policy.expand_actions("kms:Re*"))
    every = iam_policy.expand_actions("kms:*")
    # Real names spelled as AWS does, from cfn-lint's list (56+ actions in cfn-lint 1.58).
    assert {"kms:PutKeyPolicy", "kms:GenerateDataKeyPairWithoutPlaintext"} <= set(every)
    assert len(every) >= 50 and iam_policy.expand_actions("*") == every
    assert iam_policy.expand_actions("s3:*") == ()


def test_every_profile_action_is_real():
    for profile in model.PROFILES.values():
        for action in profile.actions:
            assert iam_policy.expand_actions(action), action


# --- AWS's documented evaluation examples ------------------------------------------------------


def test_explicit_deny_overrides_allow():
    # "Policy evaluation logic": an explicit deny in any policy overrides any allow.
    policy = key_policy(
        allow({"AWS": ROOT}, "kms:*", Sid="Root"),
        {
            "Sid": "NoDelete",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Schedule*",
            "Resource": "*",
        },
    )
    grants = iam_policy.evaluate(policy, ROOT, ["kms:ScheduleKeyDeletion", "kms:Decrypt"])
    denied = grants["kms:ScheduleKeyDeletion"]
    assert not denied.allowed and denied.via == ""
    assert denied.statements == ("Root",) and denied.denied_by == ("NoDelete",)
    assert grants["kms:Decrypt"].allowed and grants["kms:Decrypt"].via == "principal"


def test_not_action_with_allow_identity_policy():
    # "IAM JSON policy elements: NotAction": Allow everything except IAM actions.
    policy = iam_policy.load(
        {
            "Version": model.POLICY_VERSION,
            "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        }
    )
    grants = iam_policy.evaluate(policy, None, ["s3:GetObject", "iam:CreateUser", "kms:Decrypt"])
    assert grants["s3:GetObject"].allowed and grants["kms:Decrypt"].allowed
    assert not grants["iam:CreateUser"].allowed


def test_not_action_with_deny():
    policy = key_policy(
        allow({"AWS": V2_ROLE}, "kms:*", Sid="All"),
        {
            "Sid": "OnlyUse",
            "Effect": "Deny",
            "Principal": {"AWS": V2_ROLE},
            "NotAction": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
        },
    )
    grants = iam_policy.evaluate(policy, V2_ROLE, ["kms:Decrypt", "kms:PutKeyPolicy"])
    assert grants["kms:Decrypt"].allowed
    assert grants["kms:PutKeyPolicy"].denied_by == ("OnlyUse",)


BOB = "arn:aws:iam::444455556666:user/Bob"
ALICE = "arn:aws:iam::444455556666:user/Alice"
SESSION = "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/audit-app"
READ_ONLY_ROLE = "arn:aws:iam::444455556666:role/cross-account-read-only-role"


def not_principal_deny(*names: str) -> dict:
    return key_policy(
        allow("*", "kms:Decrypt", Sid="Everyone"),
        {
            "Sid": "DenyAllBut",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": list(names)},
            "Action": "kms:*",
            "Resource": "*",
        },
    )


def test_not_principal_with_deny_needs_the_account_listed():
    # "NotPrincipal": list the user and its account, else the account is denied and so the user.
    with_account = not_principal_deny(BOB, "arn:aws:iam::444455556666:root")
    assert one(with_account, BOB, "kms:Decrypt").allowed
    assert one(with_account, ALICE, "kms:Decrypt").denied_by == ("DenyAllBut",)
    assert one(with_account, V2_ROLE, "kms:Decrypt").denied_by == ("DenyAllBut",)
    without_account = not_principal_deny(BOB)
    assert one(without_account, BOB, "kms:Decrypt").denied_by == ("DenyAllBut",)


def test_not_principal_with_deny_assumed_role_session():
    # The documented case: the session, its role and the account must all be listed.
    complete = not_principal_deny(SESSION, READ_ONLY_ROLE, "444455556666")
    assert one(complete, SESSION, "kms:Decrypt").allowed
    missing_role = not_principal_deny(SESSION, "444455556666")
    assert not one(missing_role, SESSION, "kms:Decrypt").allowed


def test_not_principal_deny_reaches_a_roles_sessions():
    # IAM User Guide, "NotPrincipal": for a role, list the assumed-role session ARN as well as the
    # role and its account; a role is used through its sessions, so a Deny listing only the role
    # and the account still denies every session (ClickHouse calls KMS from a session of the role).
    # moto does not model this (it enforces no key policy), so the rule is tested on AWS's own
    # documented example here, offline.
    role_and_account = not_principal_deny(READ_ONLY_ROLE, "444455556666")
    assert one(role_and_account, READ_ONLY_ROLE, "kms:Decrypt").denied_by == ("DenyAllBut",)
    assert one(role_and_account, SESSION, "kms:Decrypt").denied_by == ("DenyAllBut",)
    # Listing one session spares that session only: another one may be denied, so a verdict that
    # must hold for every request (the role's) is not "allowed", and says which statement may deny.
    documented = not_principal_deny(SESSION, READ_ONLY_ROLE, "444455556666")
    verdict = one(documented, READ_ONLY_ROLE, "kms:Decrypt")
    assert not verdict.allowed and verdict.may_deny == ("DenyAllBut",)
    other_session = SESSION.replace("/audit-app", "/other-app")
    assert one(documented, other_session, "kms:Decrypt").denied_by == ("DenyAllBut",)
    # Everyone spared: nothing is denied.
    assert one(not_principal_deny("*"), READ_ONLY_ROLE, "kms:Decrypt").allowed


def test_not_principal_with_allow_is_refused():
    with pytest.raises(InputError, match="NotPrincipal with Allow"):
        iam_policy.load(
            {
                "Statement": {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": BOB},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            }
        )


def test_cross_account_root_principal_is_via_account():
    # Naming an account root delegates to that account's IAM policies: via "account".
    policy = key_policy(allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "kms:Decrypt"))
    grant = one(policy, V2_ROLE, "kms:Decrypt")
    assert grant.allowed and grant.via == "account" and grant.statements == ("#0",)
    bare = key_policy(allow({"AWS": OTHER_ACCOUNT}, "kms:Decrypt"))  # a bare account id
    assert one(bare, V2_ROLE, "kms:Decrypt").via == "account"
    assert one(bare, f"arn:aws:iam::{OTHER_ACCOUNT}:root", "kms:Decrypt").via == "principal"


def test_principal_star_and_aws_star():
    for star in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        grant = one(key_policy(allow(star, "kms:Decrypt")), V2_ROLE, "kms:Decrypt")
        assert grant.allowed and grant.via == "principal"


def test_principal_arns_are_exact():
    policy = key_policy(allow({"AWS": V2_ROLE}, "kms:Decrypt"))
    assert not one(
        policy, V2_ROLE.upper().replace("ARN:AWS:IAM", "arn:aws:iam"), "kms:Decrypt"
    ).allowed
    assert not one(policy, V2_ROLE + "x", "kms:Decrypt").allowed
    # A wildcard inside a principal ARN matches nothing (AWS: only "*" alone is a wildcard).
    partial = key_policy(allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:role/*"}, "kms:Decrypt"))
    assert not one(partial, V2_ROLE, "kms:Decrypt").allowed
    service = key_policy(allow({"Service": "logs.amazonaws.com"}, "kms:Decrypt"))
    assert not one(service, V2_ROLE, "kms:Decrypt").allowed


def test_role_arn_matches_its_sessions():
    policy = key_policy(
        allow(
            {"AWS": "arn:aws:iam::444455556666:role/path/to/" + "cross-account-read-only-role"},
            "kms:Decrypt",
        )
    )
    assert one(policy, SESSION, "kms:Decrypt").via == "principal"
    assert one(policy, READ_ONLY_ROLE, "kms:Decrypt").via == "principal"


def test_resource_and_not_resource():
    other_key = KEY_ARN.replace("1234abcd", "ffffffff")
    scoped = key_policy(allow({"AWS": V2_ROLE}, "kms:Decrypt") | {"Resource": KEY_ARN})
    assert one(scoped, V2_ROLE, "kms:Decrypt", KEY_ARN).allowed
    assert not one(scoped, V2_ROLE, "kms:Decrypt", other_key).allowed
    wildcard = key_policy(
        allow({"AWS": V2_ROLE}, "kms:Decrypt") | {"Resource": "arn:aws:kms:*:111122223333:key/*"}
    )
    assert one(wildcard, V2_ROLE, "kms:Decrypt", KEY_ARN).allowed
    statement = allow({"AWS": V2_ROLE}, "kms:Decrypt")
    del statement["Resource"]
    statement["NotResource"] = other_key
    not_resource = key_policy(statement)
    assert one(not_resource, V2_ROLE, "kms:Decrypt", KEY_ARN).allowed
    assert not one(not_resource, V2_ROLE, "kms:Decrypt", other_key).allowed


def test_conditional_allow_is_reported_not_counted():
    policy = fixture("console-default.json")
    user = f"arn:aws:iam::{ACCOUNT}:role/ExampleUserRole"
    grant = one(policy, user, "kms:CreateGrant")
    # Allowed only through the account root (IAM policies); the named statement is conditional.
    assert grant.allowed and grant.via == "account"
    assert grant.conditional == ("Allow attachment of persistent resources",)
    alone = key_policy(
        allow(
            {"AWS": V2_ROLE},
            "kms:Decrypt",
            Sid="Vpc",
            Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}},
        )
    )
    grant = one(alone, V2_ROLE, "kms:Decrypt")
    assert not grant.allowed and grant.via == "" and grant.conditional == ("Vpc",)


def test_conditional_deny_may_deny():
    policy = fixture("with-deny.json")
    grant = one(policy, ROOT, "kms:Decrypt")
    assert grant.statements == ("Enable IAM User Permissions",)
    assert grant.may_deny == ("DenyOutsideTls",) and grant.denied_by == ()
    assert not grant.allowed  # the safe reading: it may deny some requests
    deletion = one(policy, ROOT, "kms:ScheduleKeyDeletion")
    assert deletion.denied_by == ("DenyKeyDeletion",)


# --- Real key policies ---------------------------------------------------------------------------


def test_aws_default_key_policy():
    policy = fixture("aws-default.json")
    same_account_role = f"arn:aws:iam::{ACCOUNT}:role/anything"
    assert one(policy, ROOT, "kms:PutKeyPolicy").via == "principal"
    assert one(policy, same_account_role, "kms:Decrypt").via == "account"
    # A v2 role in ClickHouse's account gets nothing from the customer's root statement.
    grants = iam_policy.evaluate(policy, V2_ROLE, model.V2.actions)
    assert all(not g.allowed and g.via == "" and g.statements == () for g in grants.values())


def test_console_default_key_policy():
    policy = fixture("console-default.json")
    admin = f"arn:aws:iam::{ACCOUNT}:role/ExampleAdminRole"
    user = f"arn:aws:iam::{ACCOUNT}:role/ExampleUserRole"
    assert one(policy, admin, "kms:PutKeyPolicy").statements == (
        "Enable IAM User Permissions",
        "Allow access for Key Administrators",
    )
    assert one(policy, admin, "kms:PutKeyPolicy").via == "principal"
    assert one(policy, admin, "kms:Decrypt").via == "account"  # only through IAM policies
    used = iam_policy.evaluate(policy, user, [*model.V2.actions, *model.REENCRYPT_COVERS])
    assert all(g.via == "principal" for g in used.values())


def test_v2_grant_in_provider_example():
    policy = fixture("clickhouse-provider-example.json")
    grants = iam_policy.evaluate(policy, V2_ROLE, [*model.V2.actions, *model.REENCRYPT_COVERS])
    assert all(
        g.allowed and g.via == "principal" and g.statements == ("AllowClickHouse",)
        for g in grants.values()
    )
    assert not one(policy, V2_ROLE, "kms:GenerateDataKey").allowed


@pytest.mark.parametrize(
    ("granted", "covered"),
    [("kms:ReEncrypt", False), ("kms:ReEncrypt*", True), ("kms:Re*", True), ("kms:*", True)],
)
def test_reencrypt_forms_in_a_key_policy(granted, covered):
    policy = key_policy(allow({"AWS": V2_ROLE}, ["kms:Encrypt", granted]))
    grants = iam_policy.evaluate(policy, V2_ROLE, model.REENCRYPT_COVERS)
    assert [g.allowed for g in grants.values()] == [covered, covered]


def test_statement_as_object_and_action_as_string():
    policy = iam_policy.load(
        json.dumps(
            {
                "Statement": {
                    "Sid": "One",
                    "Effect": "Allow",
                    "Principal": {"AWS": V2_ROLE},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            }
        )
    )
    assert one(policy, V2_ROLE, "kms:Decrypt").statements == ("One",)


# --- Malformed documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"Version": "2012-10-17"}', "no Statement"),
        ('{"Statement": [1]}', "statement #0"),
        ('{"Statement": {"Effect": "allow", "Action": "kms:*"}}', "Effect"),
        ('{"Statement": {"Effect": "Allow", "Resource": "*"}}', "no Action"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "a:c"}}', "both"),
        ('{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}', "non-empty"),
        ('{"Statement": {"Effect": "Allow", "Action": 7}}', "string"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "Principal": "me"}}', "Principal"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "Condition": []}}', "Condition"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "Bogus": 1}}', "unknown element"),
        ('{"Statement": [], "Statement": []}', "duplicate key"),
        ("[" * 100_000, "not JSON"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "Sid": NaN}}', "NaN"),
        ('{"Statement": {"Effect": "Allow", "Action": "a:b", "Sid": -Infinity}}', "Infinity"),
    ],
)
def test_malformed_documents_are_one_line_input_errors(document, message):
    with pytest.raises(InputError, match=message) as info:
        iam_policy.load(document)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_a_bare_account_names_the_account_in_the_callers_partition():
    # A bare account id in a key policy means that account's root in the key's own partition
    # (IAM User Guide, "AWS account principals"); before, it was read as commercial AWS only.
    policy = key_policy(allow({"AWS": "111122223333"}, "kms:Decrypt", Sid="Account"))
    china_role = "arn:aws-cn:iam::111122223333:role/reader"
    assert one(policy, china_role, "kms:Decrypt").via == iam_policy.VIA_ACCOUNT
    gov_root_only = key_policy(
        allow({"AWS": "arn:aws-us-gov:iam::111122223333:root"}, "kms:Decrypt", Sid="Gov")
    )
    assert not one(gov_root_only, china_role, "kms:Decrypt").allowed


def test_not_principal_listing_an_account_spares_its_root_in_either_spelling():
    root = "arn:aws:iam::111122223333:root"
    for listed in (root, "111122223333"):
        policy = not_principal_deny(listed)
        assert one(policy, root, "kms:Decrypt").allowed, listed
        assert one(policy, BOB, "kms:Decrypt").denied_by == ("DenyAllBut",)
