"""Terraform and CloudFormation grant the same: cmek-policy's documents equal the stacks' documents.

For generated inputs, `terraform apply` of cmek-policy (real Terraform) under each template's
profile (v1 for the v1 stacks, v2 with the role as `clickhouse_role_arn` for cmek-v2-new-key) is
compared with:
- cloud-radar's rendering of the published templates, in every partition (it takes the partition and
  account as settings; moto answers `aws` for AWS::Partition in every region);
- for partition aws, the stacks deployed to the moto server, read back through IAM and KMS, in the
  generated account (moto gives an assumed role's account its own resources).
Only what IAM itself treats as equal is normalised: a one-element list and its scalar, action order.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from cmek import model, terraform_runner
from cmek.model import Param, TfModule, TfOutput, TfVar
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

KEY, TRUST, ROLE = TfOutput.KEY_POLICY_JSON, TfOutput.TRUST_POLICY_JSON, TfOutput.ROLE_POLICY_JSON
# The documents each profile's templates hold (v2 creates no role in the customer's account).
DOCUMENTS = {model.V1.name: (KEY, TRUST, ROLE), model.V2.name: (KEY,)}
_stack_names = (f"cmek-equivalence-{n}" for n in itertools.count())


def normalise(value: Any, key: str | None = None) -> Any:
    """IAM reads a one-element list as its scalar, and the actions of a statement as a set."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [normalise(v) for v in value]
        if key in ("Action", "NotAction"):
            items = sorted(items)
        return items[0] if len(items) == 1 else items
    return value


def test_normalise_keeps_what_iam_tells_apart() -> None:
    a = {"Statement": [{"Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": ["k1", "k2"]}]}
    b = {"Statement": {"Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": ["k1", "k2"]}}
    assert normalise(a) == normalise(b)
    assert normalise(a) != normalise({"Statement": [{"Action": "kms:Decrypt", "Resource": "k1"}]})
    assert normalise({"Resource": ["k1", "k2"]}) != normalise({"Resource": ["k2", "k1"]})


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, Any]:
    partition = draw(st.sampled_from(model.PARTITIONS))
    account = draw(st.from_regex(r"[0-9]{12}", fullmatch=True))
    path = draw(st.from_regex(r"([A-Za-z0-9+=,.@_-]{1,12}/){0,2}", fullmatch=True))
    name = draw(st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,64}", fullmatch=True))
    principal_account = draw(st.from_regex(r"[0-9]{12}", fullmatch=True))
    principal = f"arn:{partition}:iam::{principal_account}:role/{path}{name}"
    # v2 rejects the v1 role's name as a service's encryption role, in any account.
    encryption_role = principal.replace(
        f"/{model.CLICKHOUSE_V1_ROLE_NAME}", f"/{model.CLICKHOUSE_V1_ROLE_NAME}-v2"
    )
    region = draw(st.from_regex(r"[a-z]{2}(-gov)?-[a-z]{4,9}-[1-9]", fullmatch=True))
    key_id = st.one_of(
        st.from_regex(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", fullmatch=True
        ),
        st.from_regex(r"mrk-[0-9a-f]{32}", fullmatch=True),
    )
    key_arns = draw(
        st.lists(
            key_id.map(lambda k: f"arn:{partition}:kms:{region}:{account}:key/{k}"),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    external_id = draw(
        st.one_of(
            st.none(),
            st.just(""),
            st.from_regex(model.EXTERNAL_ID_PATTERN, fullmatch=True).filter(bool),
        )
    )
    assert re.fullmatch(model.ROLE_ARN_PATTERN, principal)
    assert all(re.fullmatch(model.KEY_ARN_PATTERN, arn) for arn in key_arns)
    return {
        "partition": partition,
        "account": account,
        "principal": principal,
        "encryption_role": encryption_role,
        "key_arns": key_arns,
        "external_id": external_id,
    }


def terraform_documents(
    built: Path, case: dict[str, Any], profile: model.Profile
) -> dict[TfOutput, Any]:
    outputs = terraform_runner.apply_outputs(
        built / TfModule.POLICY.path,
        {
            TfVar.PROFILE: profile.name,
            TfVar.CLICKHOUSE_ROLE_ARN: _principal(case, profile),
            TfVar.ACCOUNT_ID: case["account"],
            TfVar.PARTITION: case["partition"],
            TfVar.KMS_KEY_ARNS: case["key_arns"],
            TfVar.EXTERNAL_ID: case["external_id"],
        },
    )
    # Terraform leaves null outputs out of its report: v2's trust and role policies must be null.
    assert set(outputs) - {TfOutput.CLICKHOUSE_STATEMENT_JSON} == set(DOCUMENTS[profile.name])
    return {name: json.loads(outputs[name]) for name in DOCUMENTS[profile.name]}


def _principal(case: dict[str, Any], profile: model.Profile) -> str:
    return case["encryption_role"] if profile is model.V2 else case["principal"]


def _principal_parameter(stack: model.Stack) -> str:
    if stack.profile is model.V2:
        return model.PARAM_ENCRYPTION_ROLE_ARN
    return Param.CLICKHOUSE_ROLE.value


def _parameters(case: dict[str, Any], stack: model.Stack, mode: model.Mode) -> dict[str, str]:
    params = {_principal_parameter(stack): _principal(case, stack.profile)}
    if stack.combined:
        params[Param.KMS_CREATE.value] = model.KMS_CREATE_VALUE[mode]
    if mode is model.Mode.EXISTING_KEY:
        params[Param.KEY_ARNS.value] = ",".join(case["key_arns"])
        params[Param.EXTERNAL_ID.value] = case["external_id"] or ""
    return params


@cache
def _session() -> Any:
    """One boto3 session: it loads each service model once, so a client per account is cheap."""
    import boto3

    return boto3.session.Session()


@cache
def _radar_template(path: Path) -> Any:
    from cloud_radar.cf.unit import Template

    with contextlib.redirect_stdout(io.StringIO()):  # cloud-radar prints every template it loads
        return Template.from_yaml(path)


def cloud_radar_documents(
    built: Path, case: dict[str, Any], stack: model.Stack
) -> dict[TfOutput, Any]:
    """The documents of one published template, rendered by cloud-radar for every mode it has."""
    template = _radar_template(built / stack.path)
    template.Partition, template.AccountId = case["partition"], case["account"]
    # cloud-radar leaves AWS::StackId empty when rendering; the role name splits it.
    template.StackId = (
        f"arn:{case['partition']}:cloudformation:{template.Region}:{case['account']}:"
        f"stack/{model.DEFAULT_STACK_NAME}/00000000-0000-4000-8000-000000000000"
    )
    documents: dict[TfOutput, Any] = {}
    for mode in stack.modes:
        with contextlib.redirect_stdout(io.StringIO()):
            resources = template.render(_parameters(case, stack, mode))["Resources"]
        if mode is model.Mode.EXISTING_KEY:
            role = resources[model.ROLE_LOGICAL_ID]["Properties"]
            documents[TRUST] = role["AssumeRolePolicyDocument"]
            documents[ROLE] = role["Policies"][0]["PolicyDocument"]
        else:
            documents[KEY] = _without_no_value(
                resources[model.KEY_LOGICAL_ID]["Properties"]["KeyPolicy"]
            )
    return documents


def _without_no_value(policy: dict[str, Any]) -> dict[str, Any]:
    """The key policy without the leftovers of an AWS::NoValue list element, which CloudFormation
    removes: cloud-radar 0.17.0 renders it as "" and leaves it in the list; moto 5.2.5 (bug) stores
    it as null in a stack-created key policy. The v1 key templates' optional statements
    (KeepV1Access, EncryptionRoleArn) are such elements."""
    return {**policy, "Statement": [s for s in policy["Statement"] if s not in ("", None)]}


def moto_documents(
    built: Path, case: dict[str, Any], clients: Any
) -> dict[str, dict[TfOutput, Any]]:
    """Deploy the single-mode stacks to moto in the case's account and read the grants back, per
    profile."""
    cloudformation, iam, kms = (clients(s) for s in ("cloudformation", "iam", "kms"))
    resources = {}
    for stack, mode in (
        (model.STACK_EXISTING_KEY, model.Mode.EXISTING_KEY),
        (model.STACK_NEW_KEY, model.Mode.NEW_KEY),
    ):
        name = next(_stack_names)
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=(built / stack.path).read_text(encoding="utf-8"),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v}
                for k, v in _parameters(case, stack, mode).items()
            ],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
        resources.update({r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries})
    role = resources[model.ROLE_LOGICAL_ID]
    inline = iam.get_role_policy(RoleName=role, PolicyName=model.ROLE_POLICY_NAME)
    v1 = {
        TRUST: iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"],
        # moto 5.2.5 bug: an inline policy created by a stack comes back as the Python repr of a
        # dict (single quotes), not JSON, so it is read with ast.literal_eval.
        ROLE: ast.literal_eval(inline["PolicyDocument"])
        if isinstance(inline["PolicyDocument"], str)
        else inline["PolicyDocument"],
        KEY: _deployed_key_policy(kms, resources[model.KEY_LOGICAL_ID]),
    }
    v2 = {
        KEY: _deployed_key_policy(kms, _deploy(cloudformation, built, case, model.STACK_V2_NEW_KEY))
    }
    return {model.V1.name: v1, model.V2.name: v2}


def _deploy(cloudformation: Any, built: Path, case: dict[str, Any], stack: model.Stack) -> str:
    """Create one single-mode stack; its key's physical ID."""
    name = next(_stack_names)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=(built / stack.path).read_text(encoding="utf-8"),
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v}
            for k, v in _parameters(case, stack, stack.modes[0]).items()
        ],
    )
    summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return next(
        r["PhysicalResourceId"] for r in summaries if r["LogicalResourceId"] == model.KEY_LOGICAL_ID
    )


def _deployed_key_policy(kms: Any, key_id: str) -> Any:
    policy = kms.get_key_policy(KeyId=key_id, PolicyName=model.KEY_POLICY_NAME)["Policy"]
    # moto 5.2.5 bug: a key policy created by a stack is stored and returned as a dict.
    return _without_no_value(policy if isinstance(policy, dict) else json.loads(policy))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=inputs())
# Always one deployment to moto: several keys and an external ID, in a non-default account.
@example(
    case={
        "partition": model.COMMERCIAL_PARTITION,
        "account": "210987654321",
        "principal": model.CLICKHOUSE_PRINCIPAL,
        "encryption_role": "arn:aws:iam::987654321098:role/clickhouse/service-encryption",
        "key_arns": [
            "arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:eu-west-1:210987654321:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        ],
        "external_id": "clickhouse-cmek-example",
    }
)
def test_terraform_grants_what_cloudformation_grants(
    built: Path, aws: Any, moto_endpoint: str, case: dict[str, Any]
) -> None:
    expected = {
        profile.name: {
            name: normalise(doc) for name, doc in terraform_documents(built, case, profile).items()
        }
        for profile in {stack.profile for stack in model.STACKS}
    }
    for stack in model.STACKS:
        documents = cloud_radar_documents(built, case, stack)
        assert set(documents) <= set(DOCUMENTS[stack.profile.name]), stack.filename
        for name, doc in documents.items():
            assert normalise(doc) == expected[stack.profile.name][name], (stack.filename, name)
    if case["partition"] != model.COMMERCIAL_PARTITION:
        return  # moto answers `aws` for AWS::Partition in every region
    sts = aws("sts")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{case['account']}:role/cmek-equivalence", RoleSessionName="cmek"
    )["Credentials"]

    def clients(service: str) -> Any:
        return _session().client(
            service,
            region_name="us-east-1",
            endpoint_url=moto_endpoint,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    for profile, documents in moto_documents(built, case, clients).items():
        for name, doc in documents.items():
            assert normalise(doc) == expected[profile][name], ("moto", profile, name)


def test_every_profile_has_a_template_to_compare() -> None:
    # The comparison above runs per template in model.STACKS: v2's must be one of them.
    assert {stack.profile for stack in model.STACKS} == set(model.PROFILES.values())
    assert model.STACK_V2_NEW_KEY in model.STACKS
