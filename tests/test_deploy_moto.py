"""Deploy the built templates to a moto server and read the grants back through IAM and KMS.

The templates are read from the `built` dist, as a user receives them, and sent with CreateStack.
Every expectation comes from `cmek.model` and the default config, never a retyped literal.
moto does not judge Rules, AllowedPattern/AllowedValues, name lengths or partitions; those are in
test_template_semantics.py.

moto 5.2.5 bugs worked around here (each named again where it is handled):
- MOTO-KEYPOLICY-DICT: a stack-created key's policy is stored as a dict, so GetKeyPolicy returns a
  dict (or its repr) and DescribeKey answers HTTP 500 until the policy is re-put as JSON.
- MOTO-ROLEPOLICY-REPR: a stack-created inline role policy comes back as Python repr text.
- MOTO-EMPTY-RESOURCE: list_stack_resources lists an empty entry per condition-false resource.
- MOTO-KEYSPEC-FIXED: a stack-created key is always SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT, whatever
  the template says (checked on the template in test_template_semantics.py).
- MOTO-SELECT-EMPTY: `Select 0` of an empty KMSKeyArns makes every later DescribeStacks fail with
  HTTP 500, so that parameter set (which the template's Rule rejects) is never deployed here.
- MOTO-NOVALUE-IN-LIST: `!If [cond, x, !Ref AWS::NoValue]` inside a list resolves to None in moto
  (CloudFormation drops the element): the v1 key templates' switched statements.
- MOTO-KEY-NO-UPDATE: moto has no update handler for AWS::KMS::Key: UpdateStack succeeds but leaves
  the key policy as created and the stack's Key entry empty, so every later DescribeStacks and
  ListStackResources answers HTTP 500. The v1 -> v2 move is deployed with CreateStack per step and
  its in-place update proven with two UpdateStack calls read back through KMS (same single key,
  same alias) plus the resolved template (test_template_semantics.py).
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cmek import model
from cmek.config import Config
from cmek.model import Mode, Param, Stack

STACK_NAME = "cmek-moto"
EXTERNAL_ID = "clickhouse-tenant:42/abc"
OTHER_PRINCIPAL = "arn:aws:iam::111122223333:role/path/other-clickhouse-role"
# A v2 service's encryption role (a ClickHouse account differs by region; any account will do).
V2_ROLE = "arn:aws:iam::444455556666:role/clickhouse-service-encryption"
ROLE_PARAM = model.PARAM_ENCRYPTION_ROLE_ARN
DROP_V1 = {model.PARAM_KEEP_V1_ACCESS: model.KEEP_V1_ACCESS_VALUES[1]}


# --- Helpers ------------------------------------------------------------------------------------
def parse_policy(document: Any) -> dict[str, Any]:
    """A policy document as moto returns it: a dict, JSON text, or Python repr text."""
    if isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except json.JSONDecodeError:
        # MOTO-ROLEPOLICY-REPR / MOTO-KEYPOLICY-DICT: the stored dict comes back as its repr.
        return ast.literal_eval(document)


def by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    statements = policy["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    sids = [s.get("Sid") for s in statements]
    assert len(set(sids)) == len(sids), f"duplicate Sids {sids}"
    return dict(zip(sids, statements, strict=True))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def deploy(aws: Callable, built: Path, stack: Stack, params: dict[str, str]) -> dict[str, Any]:
    """CreateStack with the published template; the described stack once CREATE_COMPLETE."""
    cfn = aws("cloudformation")
    cfn.create_stack(
        StackName=STACK_NAME,
        TemplateBody=(built / stack.path).read_text(encoding="utf-8"),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + 20
    while True:
        described = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
    return described


def outputs(described: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def resources(aws: Callable) -> dict[str, dict[str, Any]]:
    """Logical ID -> resource summary of the deployed stack."""
    summaries = aws("cloudformation").list_stack_resources(StackName=STACK_NAME)
    # MOTO-EMPTY-RESOURCE: condition-false resources appear as entries with an empty logical ID.
    return {
        r["LogicalResourceId"]: r
        for r in summaries["StackResourceSummaries"]
        if r["LogicalResourceId"]
    }


def stack_key_policy(aws: Callable, key_id: str) -> dict[str, Any]:
    """The key policy the stack set, re-put as JSON so that DescribeKey works afterwards."""
    kms = aws("kms")
    policy = parse_policy(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    # MOTO-NOVALUE-IN-LIST: moto resolves `!If [cond, statement, !Ref AWS::NoValue]` to None inside
    # the Statement list, where CloudFormation removes the element (resolved-template tests in
    # test_template_semantics.py prove the removal); drop exactly those None entries.
    policy["Statement"] = [s for s in as_list(policy["Statement"]) if s is not None]
    # MOTO-KEYPOLICY-DICT: moto stored the stack's policy as a dict and DescribeKey would answer
    # HTTP 500 (json.loads of a dict). Putting back the very same document as JSON fixes that.
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    return policy


def account(aws: Callable) -> str:
    return aws("sts").get_caller_identity()["Account"]


def roles(aws: Callable) -> list[dict[str, Any]]:
    """Every IAM role in the (freshly reset) account: only what the stack created."""
    return aws("iam").list_roles()["Roles"]


def params_for(stack: Stack, mode: Mode, **given: str) -> dict[str, str]:
    """Parameters of `stack` in `mode`: KMSCreate for the combined template, v2's required role,
    then `given`."""
    params = {Param.KMS_CREATE.value: model.KMS_CREATE_VALUE[mode]} if stack.combined else {}
    if stack.profile == model.V2:
        params[ROLE_PARAM] = V2_ROLE
    return params | given


def principal_of(stack: Stack, config: Config) -> str:
    return V2_ROLE if stack.profile == model.V2 else config.principal


# --- Existing key: the role -------------------------------------------------------------------
EXISTING_STACKS = [s for s in model.STACKS if Mode.EXISTING_KEY in s.modes]
NEW_KEY_STACKS = [s for s in model.STACKS if Mode.NEW_KEY in s.modes]


def assert_role(
    aws: Callable,
    role_arn: str,
    principal: str,
    key_arns: list[str],
    external_id: str,
    actions: tuple[str, ...],
) -> None:
    iam = aws("iam")
    name = role_arn.rsplit("/", 1)[1]
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Arn"] == role_arn
    assert name.startswith(model.ROLE_NAME_PREFIX)
    assert len(name) <= model.ROLE_NAME_MAX

    (trust,) = parse_policy(role["AssumeRolePolicyDocument"])["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"AWS": principal}
    assert as_list(trust["Action"]) == [model.ASSUME_ROLE_ACTION]
    if external_id:
        assert trust["Condition"] == {
            "StringEquals": {model.EXTERNAL_ID_CONDITION_KEY: external_id}
        }
    else:
        assert "Condition" not in trust

    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == [model.ROLE_POLICY_NAME]
    inline = iam.get_role_policy(RoleName=name, PolicyName=model.ROLE_POLICY_NAME)
    (grant,) = parse_policy(inline["PolicyDocument"])["Statement"]
    assert grant["Effect"] == "Allow"
    assert sorted(as_list(grant["Action"])) == sorted(actions)
    assert as_list(grant["Resource"]) == key_arns
    assert "*" not in as_list(grant["Resource"])


@pytest.mark.parametrize("stack", EXISTING_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize("key_count", [1, 2])
@pytest.mark.parametrize("external_id", ["", EXTERNAL_ID], ids=["no-external-id", "external-id"])
def test_existing_key_stack_grants_exactly_the_keys(
    aws: Callable,
    built: Path,
    default_config: Config,
    stack: Stack,
    key_count: int,
    external_id: str,
) -> None:
    kms = aws("kms")
    keys = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(key_count)]
    keys_before = {k["KeyArn"] for k in kms.list_keys()["Keys"]}
    given = {Param.KEY_ARNS.value: ",".join(keys)}
    if external_id:
        given[Param.EXTERNAL_ID.value] = external_id
    described = deploy(aws, built, stack, params_for(stack, Mode.EXISTING_KEY, **given))

    out = outputs(described)
    assert set(out) == {o.value for o in model.OUTPUTS_BY_MODE[Mode.EXISTING_KEY]}
    assert out[model.Output.KEY_ARN.value] == keys[0]
    assert out[model.Output.KEY_ARNS.value].split(",") == keys
    assert set(resources(aws)) == {model.ROLE_LOGICAL_ID}
    assert {k["KeyArn"] for k in kms.list_keys()["Keys"]} == keys_before  # no key created
    (role,) = roles(aws)
    assert out[model.Output.ROLE_ARN.value] == role["Arn"]
    assert_role(
        aws,
        role["Arn"],
        default_config.principal,
        keys,
        external_id,
        default_config.profile.actions,
    )


# --- New key: the key policy --------------------------------------------------------------------
def assert_key(aws: Callable, key_arn: str, grants: dict[model.Profile, str]) -> None:
    """The stack's key: protected, aliased, its policy the root statement plus exactly one
    statement per profile in `grants` (profile -> principal), under that profile's Sid."""
    kms = aws("kms")
    policy = stack_key_policy(aws, key_arn)  # before DescribeKey: MOTO-KEYPOLICY-DICT
    meta = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert meta["Arn"] == key_arn
    # MOTO-KEYSPEC-FIXED: moto creates every stack key as SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT and
    # ignores PendingWindowInDays, so these two only check the outcome; the template's own
    # properties are checked in test_template_semantics.py.
    assert meta["KeySpec"] == model.KEY_SPEC
    assert meta["KeyUsage"] == model.KEY_USAGE
    assert meta["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True

    statements = by_sid(policy)
    sids = {p.key_policy_sid for p in grants}
    assert set(statements) == {model.KEY_POLICY_ROOT_SID} | sids
    root = statements[model.KEY_POLICY_ROOT_SID]
    # moto always answers partition `aws`; other partitions are checked with cloud-radar.
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{account(aws)}:root"}
    assert as_list(root["Action"]) == [model.KMS_ALL_ACTIONS]
    for profile, principal in grants.items():
        clickhouse = statements[profile.key_policy_sid]
        assert clickhouse["Effect"] == "Allow"
        assert clickhouse["Principal"] == {"AWS": principal}
        assert sorted(as_list(clickhouse["Action"])) == sorted(profile.actions)
        assert as_list(clickhouse["Resource"]) == ["*"]  # in a key policy: this key only

    alias = model.ALIAS_PREFIX + STACK_NAME
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=key_arn)["Aliases"]] == [alias]
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == key_arn


@pytest.mark.parametrize("stack", NEW_KEY_STACKS, ids=lambda s: s.slug)
def test_new_key_stack_creates_a_key_for_clickhouse(
    aws: Callable, built: Path, default_config: Config, stack: Stack
) -> None:
    described = deploy(aws, built, stack, params_for(stack, Mode.NEW_KEY))

    out = outputs(described)
    assert set(out) == {o.value for o in model.OUTPUTS_BY_MODE[Mode.NEW_KEY]}
    found = resources(aws)
    assert set(found) == {model.KEY_LOGICAL_ID, model.ALIAS_LOGICAL_ID}
    assert roles(aws) == []
    key_arn = out[model.Output.KEY_ARN.value]
    assert key_arn.endswith("/" + found[model.KEY_LOGICAL_ID]["PhysicalResourceId"])
    assert_key(aws, key_arn, {stack.profile: principal_of(stack, default_config)})


@pytest.mark.parametrize("stack", NEW_KEY_STACKS, ids=lambda s: s.slug)
def test_new_key_is_retained_when_the_stack_is_deleted(
    aws: Callable, built: Path, stack: Stack
) -> None:
    key_arn = outputs(deploy(aws, built, stack, params_for(stack, Mode.NEW_KEY)))[
        model.Output.KEY_ARN.value
    ]
    stack_key_policy(aws, key_arn)  # MOTO-KEYPOLICY-DICT, before DescribeKey
    aws("cloudformation").delete_stack(StackName=STACK_NAME)

    # (moto removes a key outright when its DeletionPolicy is Delete, so this does test Retain.)
    meta = aws("kms").describe_key(KeyId=key_arn)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"
    assert "DeletionDate" not in meta


# --- Another ClickHouse principal ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "mode"),
    [(s, m) for s in model.STACKS for m in s.modes],
    ids=lambda v: v.slug if isinstance(v, Stack) else v.value,
)
def test_clickhouse_role_override_flows_into_the_policies(
    aws: Callable, built: Path, default_config: Config, stack: Stack, mode: Mode
) -> None:
    assert principal_of(stack, default_config) != OTHER_PRINCIPAL
    given = {model.PRINCIPAL_PARAMS[stack.profile.name]: OTHER_PRINCIPAL}
    if mode is Mode.EXISTING_KEY:
        key = aws("kms").create_key()["KeyMetadata"]["Arn"]
        given[Param.KEY_ARNS.value] = key
    out = outputs(deploy(aws, built, stack, params_for(stack, mode, **given)))

    actions = stack.profile.actions
    if mode is Mode.EXISTING_KEY:
        assert_role(aws, out[model.Output.ROLE_ARN.value], OTHER_PRINCIPAL, [key], "", actions)
    else:
        assert_key(aws, out[model.Output.KEY_ARN.value], {stack.profile: OTHER_PRINCIPAL})


# --- Moving a v1 key to v2: the two switches ----------------------------------------------------
V1_NEW_KEY_STACKS = [s for s in NEW_KEY_STACKS if s.profile == model.V1]


@pytest.mark.parametrize("stack", V1_NEW_KEY_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize(
    ("given", "grants"),
    [
        ({}, (model.V1,)),
        ({ROLE_PARAM: V2_ROLE}, (model.V1, model.V2)),
        ({ROLE_PARAM: V2_ROLE, **DROP_V1}, (model.V2,)),
    ],
    ids=["defaults", "v2-added", "v1-dropped"],
)
def test_v1_key_switches_deploy(
    aws: Callable,
    built: Path,
    default_config: Config,
    stack: Stack,
    given: dict[str, str],
    grants: tuple[model.Profile, ...],
) -> None:
    out = outputs(deploy(aws, built, stack, params_for(stack, Mode.NEW_KEY, **given)))
    principals = {model.V1: default_config.principal, model.V2: V2_ROLE}
    assert_key(aws, out[model.Output.KEY_ARN.value], {p: principals[p] for p in grants})


def update(aws: Callable, built: Path, stack: Stack, params: dict[str, str]) -> None:
    aws("cloudformation").update_stack(
        StackName=STACK_NAME,
        TemplateBody=(built / stack.path).read_text(encoding="utf-8"),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )


@pytest.mark.parametrize("stack", V1_NEW_KEY_STACKS, ids=lambda s: s.slug)
def test_v1_key_moves_to_v2_with_two_stack_updates_in_place(
    aws: Callable, built: Path, stack: Stack
) -> None:
    kms = aws("kms")
    before = {k["KeyId"] for k in kms.list_keys()["Keys"]}
    out = outputs(deploy(aws, built, stack, params_for(stack, Mode.NEW_KEY)))
    key_arn = out[model.Output.KEY_ARN.value]
    key_id = resources(aws)[model.KEY_LOGICAL_ID]["PhysicalResourceId"]
    stack_key_policy(aws, key_arn)  # MOTO-KEYPOLICY-DICT, before DescribeKey

    update(aws, built, stack, params_for(stack, Mode.NEW_KEY, **{ROLE_PARAM: V2_ROLE}))
    update(aws, built, stack, params_for(stack, Mode.NEW_KEY, **{ROLE_PARAM: V2_ROLE}, **DROP_V1))

    # MOTO-KEY-NO-UPDATE: the stack cannot be described any more and the policy is not applied;
    # what moto can show is that both updates were accepted and no key was replaced: the stack's
    # key is still the only new key, enabled, and the alias still names it.
    assert {k["KeyId"] for k in kms.list_keys()["Keys"]} - before == {key_id}
    assert kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    alias = model.ALIAS_PREFIX + STACK_NAME
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == key_id
