"""What moto cannot judge: Rules, parameter constraints, partitions and generated names.

moto 5.2.5 ignores Rules, AllowedPattern, AllowedValues and name lengths, and answers partition
`aws` everywhere (see test_deploy_moto.py). Here the templates of the `built` dist are judged
offline: Rules and Conditions with `cmek.checks.intrinsics`, parameter constraints with
`re.fullmatch` (CloudFormation matches AllowedPattern against the whole value, and against each
element of a CommaDelimitedList), partitions with cloud-radar.

cloud-radar 0.17.0 quirks met: it checks AllowedPattern with `re.match` (a prefix match, unlike
CloudFormation), does not evaluate Rules, keeps Partition, AccountId and StackId as class
attributes (`Ref AWS::StackId` gives "" unless StackId is set, so the role name's `Select 2` fails),
and prints the Template object to stdout on construction. It also resolves `AWS::NoValue` to ""
and leaves that "" inside a list (CloudFormation drops the element): the v1 key templates'
switched statements (CLOUD-RADAR-NOVALUE-IN-LIST, handled in `by_sid`).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cmek import model, validate
from cmek import regions as aws_regions
from cmek.checks import intrinsics
from cmek.config import Config
from cmek.errors import InputError
from cmek.model import Mode, Param, Stack
from hypothesis import given, settings
from hypothesis import strategies as st

EXISTING, NEW, COMBINED = model.STACK_EXISTING_KEY, model.STACK_NEW_KEY, model.STACK_COMBINED
V2_NEW = model.STACK_V2_NEW_KEY
EXISTING_STACKS = tuple(s for s in model.STACKS if Mode.EXISTING_KEY in s.modes)
NEW_KEY_STACKS = tuple(s for s in model.STACKS if Mode.NEW_KEY in s.modes)
V1_STACKS = tuple(s for s in model.STACKS if s.profile == model.V1)
# The v1 key templates: they take the two switches that move their key to v2.
SWITCH_STACKS = tuple(s for s in NEW_KEY_STACKS if s.profile == model.V1)
ROLE_PARAM, KEEP_PARAM = model.PARAM_ENCRYPTION_ROLE_ARN, model.PARAM_KEEP_V1_ACCESS
KEEP, DROP = model.KEEP_V1_ACCESS_VALUES
PARAM_STACKS: dict[str, tuple[Stack, ...]] = {
    Param.CLICKHOUSE_ROLE: V1_STACKS,
    Param.KEY_ARNS: EXISTING_STACKS,
    Param.EXTERNAL_ID: EXISTING_STACKS,
    Param.KMS_CREATE: tuple(s for s in model.STACKS if s.combined),
    ROLE_PARAM: NEW_KEY_STACKS,
    KEEP_PARAM: SWITCH_STACKS,
}
V2_ROLE = "arn:aws:iam::444455556666:role/clickhouse-service-encryption"
PARTITIONS = (("aws", "us-east-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1"))
ACCOUNT = "210987654321"
STACK_UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
LONGEST_STACK_NAME = "C" + "x-9" * 42 + "z"
IAM_NAME = re.compile(r"[\w+=,.@-]+")
KMS_ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]+")
KMS_ALIAS_NAME_MAX = 256
HARD_CODED_PARTITION = re.compile(r"arn:aws(-[a-z-]+)?:")

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MRK = "arn:aws:kms:eu-west-1:111122223333:key/mrk-" + "0123456789abcdef" * 2
ALIAS = "arn:aws:kms:us-east-1:111122223333:alias/clickhouse"
FALSE, TRUE = model.KMS_CREATE_VALUE[Mode.EXISTING_KEY], model.KMS_CREATE_VALUE[Mode.NEW_KEY]
EXTERNAL_ID_CHARS = string.ascii_letters + string.digits + "+=,.@:/_-"


# --- Helpers ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def templates(built: Path) -> dict[Stack, dict[str, Any]]:
    """Each published template, parsed as CloudFormation reads it (short-form tags included)."""
    from cfnlint.decode.cfn_yaml import loads

    return {s: loads((built / s.path).read_text(encoding="utf-8"), s.path) for s in model.STACKS}


def accepts(spec: dict[str, Any], value: str) -> bool:
    """Whether CloudFormation's parameter constraints accept `value` for this parameter spec."""
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return False
    if not int(spec.get("MinLength", 0)) <= len(value) <= int(spec.get("MaxLength", len(value))):
        return False
    members = value.split(",") if spec["Type"] == "CommaDelimitedList" else [value]
    pattern = spec.get("AllowedPattern")
    return pattern is None or all(re.fullmatch(pattern, member) for member in members)


def params_for(stack: Stack, mode: Mode, **given: str) -> dict[str, str]:
    params = {Param.KMS_CREATE.value: model.KMS_CREATE_VALUE[mode]} if stack.combined else {}
    if stack.profile == model.V2:
        params[ROLE_PARAM] = V2_ROLE
    return params | given


def strings(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


def by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    # CLOUD-RADAR-NOVALUE-IN-LIST: "" is cloud-radar's AWS::NoValue left in the Statement list.
    return {s["Sid"]: s for s in policy["Statement"] if s != ""}


# --- Rules and Conditions of the combined template ----------------------------------------------
def rule_description(template: dict[str, Any]) -> str:
    (assertion,) = template["Rules"][model.RULE_KEY_ARNS_REQUIRED]["Assertions"]
    return assertion["AssertDescription"]


@pytest.mark.parametrize(
    ("given", "rejected"),
    [
        pytest.param({Param.KMS_CREATE.value: FALSE}, True, id="false-no-keys"),
        pytest.param(
            {Param.KMS_CREATE.value: FALSE, Param.KEY_ARNS.value: ""}, True, id="false-empty"
        ),
        pytest.param(
            {Param.KMS_CREATE.value: FALSE, Param.KEY_ARNS.value: KEY}, False, id="false-key"
        ),
        pytest.param(
            {Param.KMS_CREATE.value: FALSE, Param.KEY_ARNS.value: f"{KEY},{MRK}"},
            False,
            id="false-two-keys",
        ),
        pytest.param({Param.KMS_CREATE.value: TRUE}, False, id="true-no-keys"),
        pytest.param(
            {Param.KMS_CREATE.value: TRUE, Param.KEY_ARNS.value: KEY}, False, id="true-key"
        ),
        pytest.param({}, False, id="defaults"),
    ],
)
def test_rule_requires_key_arns_only_for_an_existing_key(
    templates: dict[Stack, dict[str, Any]], given: dict[str, str], rejected: bool
) -> None:
    template = templates[COMBINED]
    description = rule_description(template)
    assert Param.KEY_ARNS.value in description and Param.KMS_CREATE.value in description
    failures = intrinsics.rule_failures(template, intrinsics.parameter_values(template, given))
    assert failures == ([description] if rejected else [])


def test_rules_only_where_a_parameter_set_must_be_refused(
    templates: dict[Stack, dict[str, Any]],
) -> None:
    # The combined template's KMSKeyArns rule and its switches-need-a-new-key rule, and the v1 key
    # templates' migration rule.
    assert {s for s, t in templates.items() if "Rules" in t} == {COMBINED, *SWITCH_STACKS}
    assert set(templates[COMBINED]["Rules"]) == {
        model.RULE_KEY_ARNS_REQUIRED,
        model.RULE_V2_MIGRATION,
        model.RULE_SWITCHES_NEED_NEW_KEY,
    }
    # The single existing-key template makes the list required instead: no Default.
    assert "Default" not in templates[EXISTING]["Parameters"][Param.KEY_ARNS.value]


EXPECTED_RESOURCES: dict[Mode, set[str]] = {
    Mode.EXISTING_KEY: {model.ROLE_LOGICAL_ID},
    Mode.NEW_KEY: {model.KEY_LOGICAL_ID, model.ALIAS_LOGICAL_ID},
}


MODE_CASES = [
    pytest.param(EXISTING, Mode.EXISTING_KEY, {Param.KEY_ARNS.value: KEY}, id="existing-key"),
    pytest.param(COMBINED, Mode.EXISTING_KEY, {Param.KEY_ARNS.value: KEY}, id="cmek-existing"),
    pytest.param(NEW, Mode.NEW_KEY, {}, id="new-key"),
    pytest.param(COMBINED, Mode.NEW_KEY, {}, id="cmek-new"),
    pytest.param(COMBINED, Mode.NEW_KEY, {Param.KEY_ARNS.value: KEY}, id="cmek-new-keys-ignored"),
    pytest.param(V2_NEW, Mode.NEW_KEY, {}, id="v2-new-key"),
]


def test_mode_cases_cover_every_stack_and_mode() -> None:
    covered = {tuple(case.values[:2]) for case in MODE_CASES}
    assert covered == {(s, m) for s in model.STACKS for m in s.modes}


@pytest.mark.parametrize(("stack", "mode", "given"), MODE_CASES)
def test_each_mode_has_exactly_its_resources_and_outputs(
    templates: dict[Stack, dict[str, Any]], stack: Stack, mode: Mode, given: dict[str, str]
) -> None:
    template = templates[stack]
    params = intrinsics.parameter_values(template, params_for(stack, mode, **given))
    assert intrinsics.rule_failures(template, params) == []
    conditions = intrinsics.condition_values(template, params)
    present = {
        section: {
            name for name, item in template[section].items() if intrinsics.exists(item, conditions)
        }
        for section in ("Resources", "Outputs")
    }
    assert present["Resources"] == EXPECTED_RESOURCES[mode]
    assert present["Outputs"] == {o.value for o in model.OUTPUTS_BY_MODE[mode]}

    key_arn = template["Outputs"][model.Output.KEY_ARN.value]["Value"]
    resolved = intrinsics.resolve(key_arn, params, template.get("Conditions", {}))
    assert resolved == (KEY if mode is Mode.EXISTING_KEY else f"{model.KEY_LOGICAL_ID}.Arn")


@pytest.mark.parametrize("stack", EXISTING_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize("external_id", ["", "ab"])
def test_external_id_condition_follows_the_parameter(
    templates: dict[Stack, dict[str, Any]], stack: Stack, external_id: str
) -> None:
    template = templates[stack]
    given = params_for(stack, Mode.EXISTING_KEY, KMSKeyArns=KEY, ExternalId=external_id)
    conditions = intrinsics.condition_values(template, intrinsics.parameter_values(template, given))
    assert conditions[model.COND_HAS_EXTERNAL_ID] is bool(external_id)


# --- Parameter constraints ----------------------------------------------------------------------
ROLE_VALUES = {
    True: [
        model.V1.principal,
        "arn:aws-cn:iam::123456789012:role/clickhouse",
        "arn:aws-us-gov:iam::123456789012:role/path/a+b=c,d.e@f_g-h",
        "arn:aws:iam::123456789012:role/" + "r" * 512,
    ],
    False: [
        "",
        "arn:aws:iam::123456789012:user/clickhouse",
        "arn:aws:sts::123456789012:assumed-role/clickhouse/session",
        "arn:aws:iam::12345678901:role/clickhouse",
        "arn:aws-eu:iam::123456789012:role/clickhouse",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/a b",
        "arn:aws:iam::123456789012:role/" + "r" * 513,
        " arn:aws:iam::123456789012:role/clickhouse",
        "xarn:aws:iam::123456789012:role/clickhouse",
        "arn:aws:iam::123456789012:role/clickhouse\n",
    ],
}
KEY_VALUES = {
    True: [
        KEY,
        MRK,
        f"{KEY},{MRK}",
        KEY.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1"),
        KEY.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1"),
    ],
    False: [
        ALIAS,
        "alias/clickhouse",
        KEY.rsplit("/", 1)[1],
        f"{KEY},{ALIAS}",
        f"{KEY}, {MRK}",
        KEY.upper(),
        KEY.rsplit("/", 1)[0] + "/*",
        KEY.replace("111122223333", "11112222333"),
        "*",
    ],
}
EXTERNAL_ID_VALUES = {
    True: ["", "x" * model.EXTERNAL_ID_MIN, "x" * model.EXTERNAL_ID_MAX, EXTERNAL_ID_CHARS],
    False: [
        "x" * (model.EXTERNAL_ID_MIN - 1),
        "x" * (model.EXTERNAL_ID_MAX + 1),
        "has space",
        "na\u00efve",
        "ab*",
        "ab\n",
    ],
}
KMS_CREATE_VALUES = {True: [TRUE, FALSE], False: ["True", "FALSE", "yes", "1", ""]}
KEEP_VALUES = {True: [KEEP, DROP], False: ["True", "FALSE", "yes", "0", ""]}
# The encryption role: every role verdict but the empty one, which differs by template (below).
ENCRYPTION_ROLE_VALUES = {ok: [v for v in values if v] for ok, values in ROLE_VALUES.items()}
VALUES: dict[str, dict[bool, list[str]]] = {
    Param.CLICKHOUSE_ROLE: ROLE_VALUES,
    Param.KEY_ARNS: KEY_VALUES,
    Param.EXTERNAL_ID: EXTERNAL_ID_VALUES,
    Param.KMS_CREATE: KMS_CREATE_VALUES,
    ROLE_PARAM: ENCRYPTION_ROLE_VALUES,
    KEEP_PARAM: KEEP_VALUES,
}
# Values whose verdict differs between templates: the combined template needs an empty key list
# for KMSCreate=true (the Rule rejects it for false), the existing-key template never does; the
# encryption role is required in the v2 template and optional (empty) in the v1 key templates.
EMPTY_VALUE_OK: dict[str, dict[Stack, bool]] = {
    Param.KEY_ARNS: {EXISTING: False, COMBINED: True},
    ROLE_PARAM: {V2_NEW: False, **dict.fromkeys(SWITCH_STACKS, True)},
}

CONSTRAINT_CASES = [
    pytest.param(stack, param, value, ok, id=f"{stack.slug}-{param}-{ok}-{n}")
    for param, verdicts in VALUES.items()
    for stack in PARAM_STACKS[param]
    for ok, values in verdicts.items()
    for n, value in enumerate(values)
] + [
    pytest.param(stack, param, "", ok, id=f"{stack.slug}-{param}-empty-{ok}")
    for param, verdicts in EMPTY_VALUE_OK.items()
    for stack, ok in verdicts.items()
]


@pytest.mark.parametrize(("stack", "param", "value", "ok"), CONSTRAINT_CASES)
def test_parameter_constraints(
    templates: dict[Stack, dict[str, Any]], stack: Stack, param: str, value: str, ok: bool
) -> None:
    assert accepts(templates[stack]["Parameters"][str(param)], value) is ok


@pytest.mark.parametrize("stack", EXISTING_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize(
    "value",
    [f"{KEY},", f",{KEY}", f"{KEY},,{MRK}"],
    ids=["trailing-comma", "leading-comma", "double-comma"],
)
def test_an_empty_key_arn_element_is_rejected_before_deployment(
    templates: dict[Stack, dict[str, Any]], stack: Stack, value: str
) -> None:
    """A stray comma must fail at parameter validation (constraints or Rule), as it does in
    `cmek.validate`, not as a malformed role policy once the stack is being created."""
    template = templates[stack]
    with pytest.raises(InputError):
        validate.key_arns(value.split(","), Param.KEY_ARNS.value)
    given = params_for(stack, Mode.EXISTING_KEY, KMSKeyArns=value)
    constraints_pass = accepts(template["Parameters"][Param.KEY_ARNS.value], value)
    rules_pass = not intrinsics.rule_failures(
        template, intrinsics.parameter_values(template, given)
    )
    assert not (constraints_pass and rules_pass)


@pytest.mark.parametrize("stack", model.STACKS, ids=lambda s: s.slug)
def test_every_parameter_has_constraint_cases(
    templates: dict[Stack, dict[str, Any]], stack: Stack
) -> None:
    covered = {str(p) for p, stacks in PARAM_STACKS.items() if stack in stacks}
    assert set(templates[stack]["Parameters"]) == covered


@pytest.mark.parametrize("stack", EXISTING_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize("constraint", ["MaxLength", "AllowedPattern"])
def test_each_external_id_constraint_alone_rejects_an_overlong_value(
    templates: dict[Stack, dict[str, Any]], stack: Stack, constraint: str
) -> None:
    spec = templates[stack]["Parameters"][Param.EXTERNAL_ID.value]
    alone = {"Type": spec["Type"], constraint: spec[constraint]}
    assert accepts(alone, "x" * model.EXTERNAL_ID_MAX)
    assert not accepts(alone, "x" * (model.EXTERNAL_ID_MAX + 1))


# --- Properties: the template's patterns and cmek.validate agree -------------------------
partitions = st.sampled_from([p for p, _ in PARTITIONS])
accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)
key_ids = st.one_of(
    st.uuids().map(str), st.binary(min_size=16, max_size=16).map(lambda b: f"mrk-{b.hex()}")
)
external_ids = st.one_of(
    st.just(""),
    st.text(EXTERNAL_ID_CHARS, min_size=model.EXTERNAL_ID_MIN, max_size=model.EXTERNAL_ID_MAX),
)


@st.composite
def key_arn_lists(draw: st.DrawFn) -> tuple[str, list[str]]:
    partition = draw(partitions)
    # The generator accepts only the partition's real regions (botocore's endpoint data).
    arn = st.builds(
        lambda region, account, key_id: f"arn:{partition}:kms:{region}:{account}:key/{key_id}",
        st.sampled_from(sorted(aws_regions.partition_regions(partition))),
        accounts,
        key_ids,
    )
    return partition, draw(st.lists(arn, min_size=1, max_size=5))


@settings(deadline=None)
@given(key_arn_lists())
def test_valid_key_arns_pass_template_and_generator(
    templates: dict[Stack, dict[str, Any]], drawn: tuple[str, list[str]]
) -> None:
    partition, arns = drawn
    for stack in EXISTING_STACKS:
        assert accepts(templates[stack]["Parameters"][Param.KEY_ARNS.value], ",".join(arns))
    assert validate.key_arns(arns, Param.KEY_ARNS.value, partition) == arns


@settings(deadline=None)
@given(external_ids)
def test_valid_external_ids_pass_template_and_generator(
    templates: dict[Stack, dict[str, Any]], value: str
) -> None:
    for stack in EXISTING_STACKS:
        assert accepts(templates[stack]["Parameters"][Param.EXTERNAL_ID.value], value)
    assert validate.external_id(value, Param.EXTERNAL_ID.value) == value


@settings(deadline=None)
@given(st.one_of(external_ids, st.text(EXTERNAL_ID_CHARS + " *\n\u00e9", max_size=8)))
def test_template_and_generator_agree_on_any_external_id(
    templates: dict[Stack, dict[str, Any]], value: str
) -> None:
    try:
        validate.external_id(value, Param.EXTERNAL_ID.value)
        valid = True
    except InputError:
        valid = False
    for stack in EXISTING_STACKS:
        assert accepts(templates[stack]["Parameters"][Param.EXTERNAL_ID.value], value) is valid


# --- Partitions (moto always answers `aws`) ------------------------------------------------------
@pytest.fixture
def radar() -> Iterator[type]:
    """cloud-radar's Template class; its class-level pseudo parameters are restored afterwards."""
    from cloud_radar.cf.unit import Template

    saved = Template.AccountId, Template.Partition, Template.StackId
    try:
        yield Template
    finally:
        Template.AccountId, Template.Partition, Template.StackId = saved


@pytest.mark.parametrize(("partition", "region"), PARTITIONS, ids=[p for p, _ in PARTITIONS])
@pytest.mark.parametrize(
    ("stack", "mode"),
    [(s, m) for s in model.STACKS for m in s.modes],
    ids=lambda v: v.slug if isinstance(v, Stack) else v.value,
)
def test_rendered_policies_follow_the_partition(
    radar: type,
    built: Path,
    default_config: Config,
    stack: Stack,
    mode: Mode,
    partition: str,
    region: str,
) -> None:
    # cloud-radar resolves `Ref AWS::StackId` to its class attribute as is ("" by default).
    radar.AccountId, radar.Partition = ACCOUNT, partition
    radar.StackId = pseudo(partition, region)["AWS::StackId"]
    principal = f"arn:{partition}:iam::123456789012:role/clickhouse"
    key = f"arn:{partition}:kms:{region}:{ACCOUNT}:key/{STACK_UUID}"
    given = {model.PRINCIPAL_PARAMS[stack.profile.name]: principal}
    if mode is Mode.EXISTING_KEY:
        given[Param.KEY_ARNS.value] = key
    rendered = radar.from_yaml(str(built / stack.path)).render(
        params_for(stack, mode, **given), region=region
    )
    resources = rendered["Resources"]
    assert set(resources) == EXPECTED_RESOURCES[mode]
    actions = sorted(stack.profile.actions)

    if mode is Mode.NEW_KEY:
        key_resource = resources[model.KEY_LOGICAL_ID]
        props = key_resource["Properties"]
        statements = by_sid(props["KeyPolicy"])
        root = statements[model.KEY_POLICY_ROOT_SID]
        assert root["Principal"] == {"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"}
        assert set(statements) == {
            model.KEY_POLICY_ROOT_SID,
            stack.profile.key_policy_sid,
        }
        clickhouse = statements[stack.profile.key_policy_sid]
        assert clickhouse["Principal"] == {"AWS": principal}
        assert sorted(clickhouse["Action"]) == actions
        # What moto does not honour (it fixes KeySpec/KeyUsage and ignores the window).
        assert (props["KeySpec"], props["KeyUsage"]) == (model.KEY_SPEC, model.KEY_USAGE)
        assert props["EnableKeyRotation"] is True
        assert props["PendingWindowInDays"] == model.PENDING_WINDOW_DAYS
        assert key_resource["DeletionPolicy"] == key_resource["UpdateReplacePolicy"] == model.RETAIN
    else:
        props = resources[model.ROLE_LOGICAL_ID]["Properties"]
        assert props["RoleName"] == model.ROLE_NAME_PREFIX + STACK_UUID
        (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"AWS": principal}
        (grant,) = props["Policies"][0]["PolicyDocument"]["Statement"]
        assert grant["Resource"] == [key]
        assert sorted(grant["Action"]) == actions


@pytest.mark.parametrize("stack", model.STACKS, ids=lambda s: s.slug)
def test_no_arn_hard_codes_a_partition_except_the_principal_default(
    templates: dict[Stack, dict[str, Any]], stack: Stack
) -> None:
    hits = [path for path, text in strings(templates[stack]) if HARD_CODED_PARTITION.search(text)]
    expected = (
        [("Parameters", Param.CLICKHOUSE_ROLE.value, "Default")] if stack in V1_STACKS else []
    )
    assert hits == expected


# --- Generated names ----------------------------------------------------------------------------
def test_longest_stack_name_is_legal() -> None:
    assert len(LONGEST_STACK_NAME) == model.STACK_NAME_MAX
    assert re.fullmatch(model.STACK_NAME_PATTERN, LONGEST_STACK_NAME)


def pseudo(partition: str, region: str) -> dict[str, str]:
    stack_id = f"arn:{partition}:cloudformation:{region}:{ACCOUNT}:stack/{LONGEST_STACK_NAME}/"
    return {"AWS::StackId": stack_id + STACK_UUID, "AWS::StackName": LONGEST_STACK_NAME}


@pytest.mark.parametrize(("partition", "region"), PARTITIONS, ids=[p for p, _ in PARTITIONS])
@pytest.mark.parametrize("stack", EXISTING_STACKS, ids=lambda s: s.slug)
def test_role_name_fits_iam_for_the_longest_stack_name(
    templates: dict[Stack, dict[str, Any]], stack: Stack, partition: str, region: str
) -> None:
    expr = templates[stack]["Resources"][model.ROLE_LOGICAL_ID]["Properties"]["RoleName"]
    name = intrinsics.evaluate(expr, pseudo(partition, region))
    assert len(name) <= model.ROLE_NAME_MAX
    assert IAM_NAME.fullmatch(name)
    assert name.startswith(model.ROLE_NAME_PREFIX)
    assert STACK_UUID in name  # unique per stack, whatever its name or region


@pytest.mark.parametrize("stack", NEW_KEY_STACKS, ids=lambda s: s.slug)
def test_alias_name_fits_kms_for_the_longest_stack_name(
    templates: dict[Stack, dict[str, Any]], stack: Stack
) -> None:
    expr = templates[stack]["Resources"][model.ALIAS_LOGICAL_ID]["Properties"]["AliasName"]
    name = intrinsics.evaluate(expr, pseudo(*PARTITIONS[0]))
    assert name == model.ALIAS_PREFIX + LONGEST_STACK_NAME
    assert len(name) <= KMS_ALIAS_NAME_MAX
    assert KMS_ALIAS_NAME.fullmatch(name)
    assert not name.startswith("alias/aws/")  # reserved for AWS managed keys


# --- Moving a v1 key to v2: two stack updates, resolved as CloudFormation would -----------------
# The resolved resources of the v1 templates before v2 existed (rendered from the v1-only
# templates, defaults and sample inputs of cmek.checks.cloudformation.resolution). A v1 customer who
# updates a stack with the default parameters must get exactly these resources: never regenerate.
V1_RESOURCES = Path(__file__).resolve().parent / "golden" / "v1-resources"


def resolved(template: dict[str, Any], stack: Stack, mode: Mode, **given: str) -> dict[str, Any]:
    from cmek.checks.cloudformation import resolution

    inputs = resolution.sample_inputs(stack, mode) | given
    return resolution.resolve(template, stack, mode, inputs).resources


@pytest.mark.parametrize(
    ("stack", "mode"),
    [(s, m) for s in V1_STACKS for m in s.modes],
    ids=lambda v: v.slug if isinstance(v, Stack) else v.value,
)
def test_v1_defaults_render_exactly_the_v1_resources(
    templates: dict[Stack, dict[str, Any]], stack: Stack, mode: Mode
) -> None:
    pinned = json.loads((V1_RESOURCES / f"{stack.slug}.json").read_text(encoding="utf-8"))
    now = resolved(templates[stack], stack, mode)
    # Metadata (a scanner's suppression note) does not touch the physical resource.
    assert {n: {k: v for k, v in r.items() if k != "Metadata"} for n, r in now.items()} == (
        pinned[mode.value]
    )


@pytest.mark.parametrize("stack", SWITCH_STACKS, ids=lambda s: s.slug)
def test_v1_key_moves_to_v2_by_two_updates_without_replacement(
    templates: dict[Stack, dict[str, Any]], stack: Stack
) -> None:
    from cmek.key_policy import edit as key_policy

    template = templates[stack]
    steps = [{}, {ROLE_PARAM: V2_ROLE}, {ROLE_PARAM: V2_ROLE, KEEP_PARAM: DROP}]
    states = [resolved(template, stack, Mode.NEW_KEY, **step) for step in steps]
    for step in steps:
        params = intrinsics.parameter_values(template, params_for(stack, Mode.NEW_KEY, **step))
        assert intrinsics.rule_failures(template, params) == []
    # Same logical IDs, and the key changes only in KeyPolicy ("Update requires: No interruption"
    # for AWS::KMS::Key KeyPolicy: the key, its ID and ARN stay).
    assert all(set(s) == set(states[0]) for s in states)
    for state in states:
        key = dict(state[model.KEY_LOGICAL_ID])
        first = dict(states[0][model.KEY_LOGICAL_ID])
        key["Properties"] = {k: v for k, v in key["Properties"].items() if k != "KeyPolicy"}
        first["Properties"] = {k: v for k, v in first["Properties"].items() if k != "KeyPolicy"}
        assert key == first
        assert state[model.ALIAS_LOGICAL_ID] == states[0][model.ALIAS_LOGICAL_ID]
    policies = [by_sid(s[model.KEY_LOGICAL_ID]["Properties"]["KeyPolicy"]) for s in states]
    root, v1, v2 = model.KEY_POLICY_ROOT_SID, model.V1.key_policy_sid, model.KEY_POLICY_V2_SID
    assert [list(p) for p in policies] == [[root, v1], [root, v1, v2], [root, v2]]
    assert policies[0][root] == policies[1][root] == policies[2][root]
    assert policies[0][v1] == policies[1][v1]
    assert policies[1][v2] == policies[2][v2]
    # The very statement `cmek grant --cmek-version v2` writes on an existing key.
    assert policies[1][v2] == key_policy.clickhouse_statement(model.V2, V2_ROLE)


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        pytest.param({ROLE_PARAM: V2_ROLE}, True, id="v2-role"),
        pytest.param({KEEP_PARAM: DROP}, True, id="drop-v1"),
        pytest.param({ROLE_PARAM: V2_ROLE, KEEP_PARAM: DROP}, True, id="both"),
        pytest.param({KEEP_PARAM: KEEP}, False, id="defaults"),
    ],
)
def test_existing_key_mode_refuses_the_new_key_switches(
    templates: dict[Stack, dict[str, Any]], given: dict[str, str], refused: bool
) -> None:
    """KMSCreate=false creates no key, so the v2 switches would grant nothing: the Rule says to use
    `cmek grant`. Judged with cmek.checks.intrinsics: moto 5.2.5 does not enforce Rules, and
    cloud-radar skips them."""
    template = templates[COMBINED]
    given = {Param.KEY_ARNS.value: KEY} | given
    params = intrinsics.parameter_values(template, params_for(COMBINED, Mode.EXISTING_KEY, **given))
    failures = intrinsics.rule_failures(template, params)
    # Dropping v1 without a role also trips the migration rule; this Rule must be among them.
    assert (model.SWITCHES_NEED_NEW_KEY_DESCRIPTION in failures) == refused
    assert bool(failures) == refused
    assert "cmek grant --cmek-version v2" in model.SWITCHES_NEED_NEW_KEY_DESCRIPTION
    # The same switches on a new key are the in-place move to v2, and pass.
    new_key = params_for(COMBINED, Mode.NEW_KEY, **{ROLE_PARAM: V2_ROLE, KEEP_PARAM: DROP})
    assert intrinsics.rule_failures(template, intrinsics.parameter_values(template, new_key)) == []


@pytest.mark.parametrize("stack", SWITCH_STACKS, ids=lambda s: s.slug)
@pytest.mark.parametrize(
    "given",
    [{KEEP_PARAM: DROP}, {ROLE_PARAM: model.V1.principal}],
    ids=["drop-v1-without-v2", "v2-role-is-the-v1-role"],
)
def test_migration_rule_refuses_losing_clickhouse(
    templates: dict[Stack, dict[str, Any]], stack: Stack, given: dict[str, str]
) -> None:
    template = templates[stack]
    params = intrinsics.parameter_values(template, params_for(stack, Mode.NEW_KEY, **given))
    (failure,) = intrinsics.rule_failures(template, params)
    assert ROLE_PARAM in failure
