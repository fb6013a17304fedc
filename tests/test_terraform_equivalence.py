"""Terraform and CloudFormation grant the same: cmek-policy's documents equal the stacks' documents.

For generated inputs, `terraform apply` of cmek-policy (real Terraform) is compared with:
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

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import model, terraform_runner
from generator.model import Param, TfModule, TfOutput, TfVar

KEY, TRUST, ROLE = TfOutput.KEY_POLICY_JSON, TfOutput.TRUST_POLICY_JSON, TfOutput.ROLE_POLICY_JSON
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
        "key_arns": key_arns,
        "external_id": external_id,
    }


def terraform_documents(built: Path, case: dict[str, Any]) -> dict[TfOutput, Any]:
    outputs = terraform_runner.apply_outputs(
        built / TfModule.POLICY.path,
        {
            TfVar.CLICKHOUSE_ROLE_ARN: case["principal"],
            TfVar.ACCOUNT_ID: case["account"],
            TfVar.PARTITION: case["partition"],
            TfVar.KMS_KEY_ARNS: case["key_arns"],
            TfVar.EXTERNAL_ID: case["external_id"],
        },
    )
    return {name: json.loads(outputs[name]) for name in (KEY, TRUST, ROLE)}


def _parameters(case: dict[str, Any], stack: model.Stack, mode: model.Mode) -> dict[str, str]:
    params = {Param.CLICKHOUSE_ROLE.value: case["principal"]}
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
            documents[KEY] = resources[model.KEY_LOGICAL_ID]["Properties"]["KeyPolicy"]
    return documents


def moto_documents(built: Path, case: dict[str, Any], clients: Any) -> dict[TfOutput, Any]:
    """Deploy the two single-mode stacks to moto in the case's account and read the grants back."""
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
    key_policy = kms.get_key_policy(KeyId=resources[model.KEY_LOGICAL_ID], PolicyName="default")
    return {
        TRUST: iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"],
        # moto 5.2.5 bug: an inline policy created by a stack comes back as the Python repr of a
        # dict (single quotes), not JSON, so it is read with ast.literal_eval.
        ROLE: ast.literal_eval(inline["PolicyDocument"])
        if isinstance(inline["PolicyDocument"], str)
        else inline["PolicyDocument"],
        # moto 5.2.5 bug: a key policy created by a stack is stored and returned as a dict.
        KEY: key_policy["Policy"]
        if isinstance(key_policy["Policy"], dict)
        else json.loads(key_policy["Policy"]),
    }


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
    expected = {name: normalise(doc) for name, doc in terraform_documents(built, case).items()}
    for stack in model.STACKS:
        for name, doc in cloud_radar_documents(built, case, stack).items():
            assert normalise(doc) == expected[name], (stack.filename, name)
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

    for name, doc in moto_documents(built, case, clients).items():
        assert normalise(doc) == expected[name], ("moto", name)
