"""Deny by default: the complete inventory of every artifact that `cmek check` holds.

A resource, block, argument, parameter constraint or grant not stated here is a finding,
however it got there (checks/inventory.py, parameters.py, grants.py, docs_links.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cmek.model.aws_rules import (
    EXTERNAL_ID_MAX,
    EXTERNAL_ID_PATTERN,
    KEY_ARN_PATTERN,
    ROLE_ARN_PATTERN,
)
from cmek.model.cloudformation import (
    ALIAS_LOGICAL_ID,
    COND_CREATE_KEY,
    COND_CREATE_ROLE,
    COND_HAS_ENCRYPTION_ROLE,
    COND_HAS_EXTERNAL_ID,
    COND_KEEP_V1_ACCESS,
    KEEP_V1_ACCESS_VALUES,
    KEY_LOGICAL_ID,
    KMS_CREATE_VALUE,
    PARAM_ENCRYPTION_ROLE_ARN,
    PARAM_KEEP_V1_ACCESS,
    ROLE_LOGICAL_ID,
    RULE_KEY_ARNS_REQUIRED,
    RULE_SWITCHES_NEED_NEW_KEY,
    RULE_V2_MIGRATION,
    STACK_COMBINED,
    STACK_EXISTING_KEY,
    STACK_NEW_KEY,
    STACK_V2_NEW_KEY,
    Mode,
    Param,
    Stack,
)
from cmek.model.contract import ASSUME_ROLE_ACTION
from cmek.model.examples import EXAMPLE_ACCOUNT
from cmek.model.terraform import (
    CLICKHOUSE_API_KEY_DATA_SOURCE,
    CLICKHOUSE_GCP_SERVICE_SETTINGS,
    CLICKHOUSE_PROVIDER_NAME,
    CLICKHOUSE_SERVICE_DATA_SOURCE,
    CLICKHOUSE_SERVICE_RESOURCE,
    CLICKHOUSE_TDE_ASSOCIATION_RESOURCE,
    GCP_GRANT_RESOURCE_NAME,
    GCP_TF_INPUTS,
    GOOGLE_KMS_CRYPTO_KEY_RESOURCE,
    GOOGLE_KMS_IAM_MEMBER_RESOURCE,
    GOOGLE_KMS_KEY_RING_RESOURCE,
    GOOGLE_PROVIDER_NAME,
    TF_CLICKHOUSE_PROVIDER_INPUTS,
    TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE,
    TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP,
    TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2,
    TF_EXAMPLE_PATHS,
    GcpTfModule,
    GcpTfVar,
    TfModule,
    TfVar,
)

# --- Deny by default (issue 12, GATE): the complete inventory of every artifact -----------------
# `cmek check` compares what a dist holds with these (checks/inventory.py, parameters.py,
# grants.py, docs_links.py): a resource, block, argument, parameter constraint or grant that is not
# stated here is a finding, however it got there.
CFN_TEMPLATE_SECTIONS: tuple[str, ...] = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Conditions",
    "Resources",
    "Outputs",
)
# Resource attributes every resource may carry; the others are listed per resource.
CFN_BASE_ATTRIBUTES: tuple[str, ...] = ("Type", "Properties", "Condition")


@dataclass(frozen=True)
class CfnResource:
    """One resource a stack creates: logical ID, type, its other attributes and its properties."""

    logical_id: str
    type: str
    attributes: tuple[str, ...]
    properties: tuple[str, ...]


CFN_ROLE = CfnResource(
    ROLE_LOGICAL_ID,
    "AWS::IAM::Role",
    ("Metadata",),
    ("RoleName", "Description", "AssumeRolePolicyDocument", "Policies"),
)
CFN_KEY = CfnResource(
    KEY_LOGICAL_ID,
    "AWS::KMS::Key",
    ("DeletionPolicy", "UpdateReplacePolicy"),
    ("Description", "KeySpec", "KeyUsage", "EnableKeyRotation", "PendingWindowInDays", "KeyPolicy"),
)
CFN_ALIAS = CfnResource(ALIAS_LOGICAL_ID, "AWS::KMS::Alias", (), ("AliasName", "TargetKeyId"))
# What each mode creates; the combined template puts each mode's resources under its condition.
CFN_RESOURCES_BY_MODE: dict[Mode, tuple[CfnResource, ...]] = {
    Mode.EXISTING_KEY: (CFN_ROLE,),
    Mode.NEW_KEY: (CFN_KEY, CFN_ALIAS),
}
CFN_MODE_CONDITIONS: dict[Mode, str] = {
    Mode.EXISTING_KEY: COND_CREATE_ROLE,
    Mode.NEW_KEY: COND_CREATE_KEY,
}


# The Conditions and Rules sections as written (long form), per stack: CMEK-CFN-013 compares them
# with each template, so no condition or rule is added, dropped or changed; CMEK-CFN-012 lets an
# Fn::If name only these conditions.
def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _is_empty(name: str) -> dict[str, list]:
    return {"Fn::Equals": [_ref(name), ""]}


def _kms_create_is(mode: Mode) -> dict[str, list]:
    return {"Fn::Equals": [_ref(Param.KMS_CREATE.value), KMS_CREATE_VALUE[mode]]}


_KEEP_V1 = {"Fn::Equals": [_ref(PARAM_KEEP_V1_ACCESS), KEEP_V1_ACCESS_VALUES[0]]}
_HAS_EXTERNAL_ID = {COND_HAS_EXTERNAL_ID: {"Fn::Not": [_is_empty(Param.EXTERNAL_ID.value)]}}
_SWITCH_CONDITIONS = {
    COND_HAS_ENCRYPTION_ROLE: {"Fn::Not": [_is_empty(PARAM_ENCRYPTION_ROLE_ARN)]},
    COND_KEEP_V1_ACCESS: _KEEP_V1,
}
CFN_CONDITIONS: dict[Stack, dict[str, object]] = {
    STACK_EXISTING_KEY: _HAS_EXTERNAL_ID,
    STACK_NEW_KEY: _SWITCH_CONDITIONS,
    STACK_V2_NEW_KEY: {},
    STACK_COMBINED: {
        COND_CREATE_KEY: _kms_create_is(Mode.NEW_KEY),
        COND_CREATE_ROLE: {
            "Fn::And": [
                _kms_create_is(Mode.EXISTING_KEY),
                {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", _ref(Param.KEY_ARNS.value)]}, ""]}]},
            ]
        },
        **_HAS_EXTERNAL_ID,
        **_SWITCH_CONDITIONS,
    },
}
# Each Rule's RuleCondition (None: none) and Assert expressions, in order.
_V2_MIGRATION_RULE = (
    None,
    (
        {"Fn::Or": [_KEEP_V1, {"Fn::Not": [_is_empty(PARAM_ENCRYPTION_ROLE_ARN)]}]},
        {
            "Fn::Not": [
                {"Fn::Equals": [_ref(PARAM_ENCRYPTION_ROLE_ARN), _ref(Param.CLICKHOUSE_ROLE.value)]}
            ]
        },
    ),
)
CFN_RULES: dict[Stack, dict[str, tuple[object, tuple[object, ...]]]] = {
    STACK_EXISTING_KEY: {},
    STACK_NEW_KEY: {RULE_V2_MIGRATION: _V2_MIGRATION_RULE},
    STACK_V2_NEW_KEY: {},
    STACK_COMBINED: {
        RULE_KEY_ARNS_REQUIRED: (
            _kms_create_is(Mode.EXISTING_KEY),
            ({"Fn::Not": [{"Fn::Contains": [_ref(Param.KEY_ARNS.value), ""]}]},),
        ),
        RULE_V2_MIGRATION: _V2_MIGRATION_RULE,
        RULE_SWITCHES_NEED_NEW_KEY: (
            _kms_create_is(Mode.EXISTING_KEY),
            ({"Fn::And": [_is_empty(PARAM_ENCRYPTION_ROLE_ARN), _KEEP_V1]},),
        ),
    },
}


def cfn_inventory(stack: Stack) -> dict[str, tuple[CfnResource, str | None]]:
    """Every resource of `stack`'s template by logical ID, with the condition it must carry."""
    return {
        resource.logical_id: (resource, CFN_MODE_CONDITIONS[mode] if stack.combined else None)
        for mode in stack.modes
        for resource in CFN_RESOURCES_BY_MODE[mode]
    }


# Parameter constraints, per stack. CloudFormation enforces these on every value a console link or
# a user passes, so a widened one (`AllowedPattern: '.*'`) lets any principal or key in.
CFN_CONSTRAINT_KEYS: tuple[str, ...] = (
    "Type",
    "AllowedPattern",
    "AllowedValues",
    "MinLength",
    "MaxLength",
    "MinValue",
    "MaxValue",
    "Default",
    "NoEcho",
)
# Stands for the principal the config names for v1 (the ClickHouseRole default).
CONFIGURED_PRINCIPAL = "<configured v1 principal>"
_ROLE_PARAM = {
    "Type": "String",
    "AllowedPattern": ROLE_ARN_PATTERN,
    "Default": CONFIGURED_PRINCIPAL,
}
_KEY_ARNS_REQUIRED = {"Type": "CommaDelimitedList", "AllowedPattern": KEY_ARN_PATTERN}
_KEY_ARNS_OPTIONAL = {
    "Type": "CommaDelimitedList",
    "AllowedPattern": f"({KEY_ARN_PATTERN})?",
    "Default": "",
}
_EXTERNAL_ID_PARAM = {
    "Type": "String",
    "AllowedPattern": EXTERNAL_ID_PATTERN,
    "MaxLength": EXTERNAL_ID_MAX,
    "Default": "",
}
_KMS_CREATE_PARAM = {
    "Type": "String",
    "AllowedValues": [KMS_CREATE_VALUE[Mode.NEW_KEY], KMS_CREATE_VALUE[Mode.EXISTING_KEY]],
    "Default": KMS_CREATE_VALUE[Mode.NEW_KEY],
}
_ENCRYPTION_ROLE_OPTIONAL = {
    "Type": "String",
    "AllowedPattern": f"({ROLE_ARN_PATTERN})?",
    "Default": "",
}
_ENCRYPTION_ROLE_REQUIRED = {"Type": "String", "AllowedPattern": ROLE_ARN_PATTERN}
_KEEP_V1_PARAM = {
    "Type": "String",
    "AllowedValues": list(KEEP_V1_ACCESS_VALUES),
    "Default": KEEP_V1_ACCESS_VALUES[0],
}
CFN_PARAMETERS: dict[str, dict[str, dict[str, object]]] = {
    STACK_EXISTING_KEY.slug: {
        Param.CLICKHOUSE_ROLE.value: _ROLE_PARAM,
        Param.KEY_ARNS.value: _KEY_ARNS_REQUIRED,
        Param.EXTERNAL_ID.value: _EXTERNAL_ID_PARAM,
    },
    STACK_NEW_KEY.slug: {
        Param.CLICKHOUSE_ROLE.value: _ROLE_PARAM,
        PARAM_ENCRYPTION_ROLE_ARN: _ENCRYPTION_ROLE_OPTIONAL,
        PARAM_KEEP_V1_ACCESS: _KEEP_V1_PARAM,
    },
    STACK_COMBINED.slug: {
        Param.KMS_CREATE.value: _KMS_CREATE_PARAM,
        Param.CLICKHOUSE_ROLE.value: _ROLE_PARAM,
        Param.KEY_ARNS.value: _KEY_ARNS_OPTIONAL,
        Param.EXTERNAL_ID.value: _EXTERNAL_ID_PARAM,
        PARAM_ENCRYPTION_ROLE_ARN: _ENCRYPTION_ROLE_OPTIONAL,
        PARAM_KEEP_V1_ACCESS: _KEEP_V1_PARAM,
    },
    STACK_V2_NEW_KEY.slug: {PARAM_ENCRYPTION_ROLE_ARN: _ENCRYPTION_ROLE_REQUIRED},
}

# Terraform: the top-level block kinds a module or example may hold, and per directory every
# resource, data, module and provider block with its arguments (nested blocks included). Module
# blocks name their source; anything else (an aws_iam_role_policy_attachment, an aws_kms_grant, a
# module from elsewhere, a provisioner, an inline_policy) is a finding.
TF_BLOCK_KINDS: tuple[str, ...] = (
    "terraform",
    "variable",
    "output",
    "locals",
    "provider",
    "resource",
    "data",
    "module",
)
TF_INVENTORIED_KINDS: tuple[str, ...] = ("provider", "resource", "data", "module")


@dataclass(frozen=True)
class TfBlock:
    """One block: kind, labels (type and name, or the provider's / module's name), arguments."""

    kind: str
    labels: tuple[str, ...]
    arguments: tuple[str, ...]
    source: str | None = None


_TF_IDENTITY = (
    TfBlock("data", ("aws_caller_identity", "current"), ()),
    TfBlock("data", ("aws_partition", "current"), ()),
)
_TF_AWS_PROVIDER = TfBlock("provider", ("aws",), ("region",))
_TF_CLICKHOUSE_PROVIDER = TfBlock(
    "provider", (CLICKHOUSE_PROVIDER_NAME,), TF_CLICKHOUSE_PROVIDER_INPUTS
)
# Both new-key examples call cmek-new-key with the same arguments.
_TF_NEW_KEY_MODULE = TfBlock(
    "module",
    ("cmek",),
    (
        "source",
        TfVar.PROFILE,
        TfVar.CLICKHOUSE_ROLE_ARN,
        TfVar.ALIAS_NAME,
        TfVar.KEY_ADMINISTRATOR_ARNS,
    ),
    f"../../modules/{TfModule.NEW_KEY.value}",
)
# What a key module passes cmek-policy: the profile, the role, and the key's account, partition and
# administrators (the v2 example for an existing key adds the caller's own statements).
_POLICY_CALL_ARGUMENTS: tuple[str, ...] = (
    "source",
    TfVar.PROFILE,
    TfVar.CLICKHOUSE_ROLE_ARN,
    TfVar.ACCOUNT_ID,
    TfVar.PARTITION,
    TfVar.KEY_ADMINISTRATOR_ARNS,
)
TF_INVENTORY: dict[str, tuple[TfBlock, ...]] = {
    TfModule.POLICY.path: (),
    TfModule.EXISTING_KEY.path: (
        *_TF_IDENTITY,
        TfBlock(
            "module",
            ("policy",),
            (
                "source",
                TfVar.PROFILE,
                TfVar.CLICKHOUSE_ROLE_ARN,
                TfVar.ACCOUNT_ID,
                TfVar.PARTITION,
                TfVar.KMS_KEY_ARNS,
                TfVar.EXTERNAL_ID,
            ),
            "../cmek-policy",
        ),
        TfBlock(
            "resource",
            ("aws_iam_role", "this"),
            (
                "name",
                "name_prefix",
                "path",
                "description",
                "assume_role_policy",
                "permissions_boundary",
                "tags",
                "lifecycle",
            ),
        ),
        TfBlock("resource", ("aws_iam_role_policy", "this"), ("name", "role", "policy")),
    ),
    TfModule.NEW_KEY.path: (
        *_TF_IDENTITY,
        TfBlock(
            "module",
            ("policy",),
            _POLICY_CALL_ARGUMENTS,
            "../cmek-policy",
        ),
        TfBlock(
            "resource",
            ("aws_kms_key", "this"),
            (
                "description",
                "key_usage",
                "customer_master_key_spec",
                "enable_key_rotation",
                "deletion_window_in_days",
                "multi_region",
                "policy",
                "tags",
                "lifecycle",
            ),
        ),
        TfBlock("resource", ("aws_kms_alias", "this"), ("name", "target_key_id")),
    ),
    TF_EXAMPLE_PATHS[Mode.EXISTING_KEY]: (
        _TF_AWS_PROVIDER,
        TfBlock(
            "module",
            ("cmek",),
            ("source", TfVar.CLICKHOUSE_ROLE_ARN, TfVar.KMS_KEY_ARNS, TfVar.EXTERNAL_ID),
            f"../../modules/{TfModule.EXISTING_KEY.value}",
        ),
    ),
    TF_EXAMPLE_PATHS[Mode.NEW_KEY]: (
        _TF_AWS_PROVIDER,
        _TF_NEW_KEY_MODULE,
    ),
    TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2: (
        _TF_AWS_PROVIDER,
        _TF_CLICKHOUSE_PROVIDER,
        TfBlock(
            "resource",
            (CLICKHOUSE_SERVICE_RESOURCE, "this"),
            (
                "name",
                "cloud_provider",
                TfVar.REGION,
                "password_hash",
                TfVar.IP_ACCESS,
                TfVar.MIN_REPLICA_MEMORY_GB,
                TfVar.MAX_REPLICA_MEMORY_GB,
                "transparent_data_encryption",
            ),
        ),
        _TF_NEW_KEY_MODULE,
        TfBlock(
            "resource",
            (CLICKHOUSE_TDE_ASSOCIATION_RESOURCE, "this"),
            ("service_id", "key_id"),
        ),
    ),
    TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE: (
        _TF_AWS_PROVIDER,
        _TF_CLICKHOUSE_PROVIDER,
        *_TF_IDENTITY,
        TfBlock("data", (CLICKHOUSE_SERVICE_DATA_SOURCE, "this"), ("id", "lifecycle")),
        TfBlock(
            "module",
            ("policy",),
            (*_POLICY_CALL_ARGUMENTS, TfVar.ADDITIONAL_KEY_POLICY_DOCUMENTS),
            f"../../modules/{TfModule.POLICY.value}",
        ),
        TfBlock("resource", ("aws_kms_key_policy", "this"), ("key_id", "policy", "lifecycle")),
        TfBlock(
            "resource",
            (CLICKHOUSE_TDE_ASSOCIATION_RESOURCE, "this"),
            ("service_id", "key_id", "depends_on"),
        ),
    ),
}

# Effective grants: what the checks probe each policy with, besides the principals and actions it
# names. A principal of another account and one of the key's own account (which may use the key
# only through the account-root statement and its own IAM policies), a key that is not one of
# KMSKeyArns, and actions of other services (a `*` or NotAction grants those too).
PROBE_FOREIGN_PRINCIPAL = "arn:aws:iam::999988887777:role/cmek-probe"
PROBE_ACCOUNT_PRINCIPAL = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:role/cmek-probe"
PROBE_FOREIGN_KEY_ARN = (
    "arn:aws:kms:us-east-1:999988887777:key/00000000-0000-0000-0000-000000000000"
)
PROBE_ACTIONS: tuple[str, ...] = (
    ASSUME_ROLE_ACTION,
    "sts:TagSession",
    "iam:PassRole",
    "iam:CreateUser",
    "s3:GetObject",
)
# The key administrators the Terraform check passes cmek-policy (the modules' optional input).
SAMPLE_KEY_ADMINISTRATOR_ARN = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:role/key-admin"


# --- GCP (issue 18): the Cloud KMS modules and the ClickHouse provider example ------------------
def _gcp_policy_module(*arguments: str) -> TfBlock:
    return TfBlock(
        "module",
        ("policy",),
        ("source", GcpTfVar.SERVICE_ACCOUNT_EMAIL, *arguments),
        f"../{GcpTfModule.POLICY.value}",
    )


_TF_GCP_GRANTS = TfBlock(
    "resource",
    (GOOGLE_KMS_IAM_MEMBER_RESOURCE, GCP_GRANT_RESOURCE_NAME),
    ("for_each", "crypto_key_id", "role", "member"),
)
TF_INVENTORY.update(
    {
        GcpTfModule.POLICY.path: (),
        GcpTfModule.KEY.path: (
            _gcp_policy_module(),
            TfBlock(
                "resource", (GOOGLE_KMS_KEY_RING_RESOURCE, "this"), ("name", "project", "location")
            ),
            TfBlock(
                "resource",
                (GOOGLE_KMS_CRYPTO_KEY_RESOURCE, "this"),
                (
                    "name",
                    "key_ring",
                    "purpose",
                    "rotation_period",
                    "labels",
                    "version_template",
                    "lifecycle",
                ),
            ),
            _TF_GCP_GRANTS,
        ),
        GcpTfModule.GRANT.path: (_gcp_policy_module(GcpTfVar.CRYPTO_KEY_ID), _TF_GCP_GRANTS),
        TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP: (
            TfBlock("provider", (GOOGLE_PROVIDER_NAME,), ("project", "region")),
            _TF_CLICKHOUSE_PROVIDER,
            TfBlock("data", (CLICKHOUSE_API_KEY_DATA_SOURCE, "self"), ()),
            TfBlock(
                "resource",
                (CLICKHOUSE_SERVICE_RESOURCE, "this"),
                (
                    "name",
                    "cloud_provider",
                    "region",
                    "release_channel",
                    "password_hash",
                    "ip_access",
                    "query_api_endpoints",
                    "transparent_data_encryption",
                    *CLICKHOUSE_GCP_SERVICE_SETTINGS,
                ),
            ),
            TfBlock(
                "module",
                ("cmek",),
                # Every input of cmek-gcp-key but its labels, left at the module's default.
                ("source", *(v for v in GCP_TF_INPUTS[GcpTfModule.KEY] if v != GcpTfVar.LABELS)),
                f"../../modules/{GcpTfModule.KEY.value}",
            ),
            TfBlock(
                "resource",
                (CLICKHOUSE_TDE_ASSOCIATION_RESOURCE, "this"),
                ("service_id", "key_id", "depends_on"),
            ),
        ),
    }
)
