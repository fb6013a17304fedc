"""CloudFormation artifact names: stacks, parameters, outputs, logical IDs, conditions, rules.

The published console links pass these names, so they are a contract with every customer
who saved a link.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cmek.model.contract import (
    ENCRYPTION_PRINCIPAL_CONSOLE_PLACE,
    ENCRYPTION_ROLE_CONSOLE_FIELD,
    V1,
    V2,
    Profile,
)


# --- CloudFormation names (a contract: the published console links pass these) ----------------
class Param(enum.StrEnum):
    """Parameter names; `param_<name>` in console links must match them exactly."""

    CLICKHOUSE_ROLE = "ClickHouseRole"
    KEY_ARNS = "KMSKeyArns"
    EXTERNAL_ID = "ExternalId"
    KMS_CREATE = "KMSCreate"


class Output(enum.StrEnum):
    """Stack outputs the customer copies into the ClickHouse Cloud console."""

    ROLE_ARN = "RoleArn"
    KEY_ARN = "KeyArn"
    KEY_ARNS = "KeyArns"


class Mode(enum.StrEnum):
    """The two ways a customer brings a key: grant on a key they have, or create a new one."""

    EXISTING_KEY = "existing-key"
    NEW_KEY = "new-key"


OUTPUTS_BY_MODE: dict[Mode, tuple[Output, ...]] = {
    Mode.EXISTING_KEY: (Output.ROLE_ARN, Output.KEY_ARN, Output.KEY_ARNS),
    Mode.NEW_KEY: (Output.KEY_ARN,),
}

# KMSCreate is a string parameter in the published template; these are its two values.
KMS_CREATE_VALUE: dict[Mode, str] = {Mode.EXISTING_KEY: "false", Mode.NEW_KEY: "true"}


@dataclass(frozen=True)
class Stack:
    """One CloudFormation template: its file and the modes it can run in."""

    slug: str
    modes: tuple[Mode, ...]
    summary: str
    # Whose grant the template renders: v1's shared principal, or v2's per-service role.
    profile: Profile = V1

    @property
    def filename(self) -> str:
        return f"{self.slug}.yaml"

    @property
    def path(self) -> str:
        return f"{CLOUDFORMATION_DIR}/{self.filename}"

    @property
    def combined(self) -> bool:
        return len(self.modes) > 1


CLOUDFORMATION_DIR = "cloudformation"
STACK_EXISTING_KEY = Stack(
    "cmek-existing-key",
    (Mode.EXISTING_KEY,),
    "IAM role that ClickHouse assumes to use KMS keys you already have.",
)
STACK_NEW_KEY = Stack(
    "cmek-new-key",
    (Mode.NEW_KEY,),
    "New KMS key whose key policy grants ClickHouse access.",
)
STACK_COMBINED = Stack(
    "cmek",
    (Mode.EXISTING_KEY, Mode.NEW_KEY),
    "Either of the two, chosen by KMSCreate (the template behind ClickHouse's published links).",
)
# v2's new-key template: the key policy names the service's encryption role (no role in the
# customer's account, no external ID).
STACK_V2_NEW_KEY = Stack(
    "cmek-v2-new-key",
    (Mode.NEW_KEY,),
    "New KMS key whose key policy grants your service's encryption role (CMEK v2).",
    V2,
)
STACKS: tuple[Stack, ...] = (STACK_EXISTING_KEY, STACK_NEW_KEY, STACK_COMBINED, STACK_V2_NEW_KEY)

# Logical IDs, Sids and names inside the templates.
ROLE_LOGICAL_ID = "Role"
KEY_LOGICAL_ID = "Key"
ALIAS_LOGICAL_ID = "KeyAlias"
ROLE_NAME_PREFIX = "ClickHouseCMEK-"
ROLE_POLICY_NAME = "ClickHouseCMEKKeyAccess"
ALIAS_PREFIX = "alias/clickhouse-cmek/"
# IAM identity policies reject a Sid with spaces; key policies accept the seed's own Sid.
ROLE_POLICY_SID = "AllowClickHouseAccess"
TRUST_POLICY_SID = "TrustClickHouse"
RETAIN = "Retain"

# Conditions and rules of the combined template.
COND_CREATE_KEY = "CreateKey"
COND_CREATE_ROLE = "CreateRole"
COND_HAS_EXTERNAL_ID = "HasExternalId"
RULE_KEY_ARNS_REQUIRED = "KeyArnsRequiredForExistingKey"

# Labels and descriptions of the inputs, shared by CloudFormation parameters, Terraform variables
# and the docs.
PARAM_LABELS: dict[Param, str] = {
    Param.CLICKHOUSE_ROLE: "ClickHouse role ARN",
    Param.KEY_ARNS: "KMS key ARNs",
    Param.EXTERNAL_ID: "External ID (optional)",
    Param.KMS_CREATE: "Create a new KMS key",
}
PARAM_DESCRIPTIONS: dict[Param, str] = {
    Param.CLICKHOUSE_ROLE: "ARN of the ClickHouse Cloud role that is granted access to the key.",
    Param.KEY_ARNS: (
        "ARNs of the existing KMS keys ClickHouse may use, comma separated with no spaces."
    ),
    Param.EXTERNAL_ID: (
        "If set, ClickHouse must pass this sts:ExternalId to assume the role. Leave empty for none."
    ),
    Param.KMS_CREATE: (
        f"{KMS_CREATE_VALUE[Mode.NEW_KEY]} creates a new KMS key; "
        f"{KMS_CREATE_VALUE[Mode.EXISTING_KEY]} grants access to the keys in {Param.KEY_ARNS}."
    ),
}
OUTPUT_DESCRIPTIONS: dict[Output, str] = {
    Output.ROLE_ARN: "Role that ClickHouse assumes; paste it into the ClickHouse Cloud console.",
    Output.KEY_ARN: "Key ClickHouse encrypts the service with; paste it into the console.",
    Output.KEY_ARNS: "All keys the role may use, comma separated.",
}

# --- CMEK v2 artifacts (issue 6): names the CloudFormation and Terraform renderers share ---------
# v2's new-key template (STACK_V2_NEW_KEY) is defined with the other stacks, above.
# The v2 template's required parameter, and in the v1 key templates the optional one that adds the
# v2 statement beside v1's (moving a v1 key to v2 is two stack updates, no key replacement).
PARAM_ENCRYPTION_ROLE_ARN = "EncryptionRoleArn"
# In the v1 key templates: "false" drops the v1 statement once the service runs on v2.
PARAM_KEEP_V1_ACCESS = "KeepV1Access"
KEEP_V1_ACCESS_VALUES: tuple[str, str] = ("true", "false")
COND_HAS_ENCRYPTION_ROLE = "HasEncryptionRole"
COND_KEEP_V1_ACCESS = "KeepV1Access"
ENCRYPTION_ROLE_LABEL = "ClickHouse service encryption role ARN"
# Where a customer finds the v2 role: one phrase for parameters, messages, docs and the page.
ENCRYPTION_ROLE_WHERE = f'"{ENCRYPTION_ROLE_CONSOLE_FIELD}" in {ENCRYPTION_PRINCIPAL_CONSOLE_PLACE}'
ENCRYPTION_ROLE_DESCRIPTION = (
    f"Your service's encryption role, shown as {ENCRYPTION_ROLE_WHERE} in the ClickHouse Cloud "
    "console: an IAM role ARN in a ClickHouse account, one per service."
)

# --- CMEK v2 in CloudFormation (issue 6, V2-CFN): the v2 parameters' texts and the v1 key's switch
ROLE_ARN_CONSTRAINT = "must be an IAM role ARN, arn:<partition>:iam::<account>:role/<name>"
# Each profile's principal parameter: the links pre-fill it and the checks override it.
PRINCIPAL_PARAMS: dict[str, str] = {
    V1.name: Param.CLICKHOUSE_ROLE.value,
    V2.name: PARAM_ENCRYPTION_ROLE_ARN,
}
ENCRYPTION_ROLE_MIGRATION_DESCRIPTION = (
    f"Optional. {ENCRYPTION_ROLE_DESCRIPTION} Set, it adds the v2 statement to this stack's new "
    "key (moving it to CMEK v2 without replacing it); empty (the default) keeps the key v1 only."
)
KEEP_V1_ACCESS_LABEL = "Keep the CMEK v1 grant"
KEEP_V1_ACCESS_DESCRIPTION = (
    f"{KEEP_V1_ACCESS_VALUES[0]} keeps the v1 statement ({Param.CLICKHOUSE_ROLE.value}) in the "
    f"new key's policy; {KEEP_V1_ACCESS_VALUES[1]} drops it once ClickHouse runs the service on "
    f"v2 (needs {PARAM_ENCRYPTION_ROLE_ARN})."
)
PARAMETER_GROUP_CLICKHOUSE = "ClickHouse"
PARAMETER_GROUP_MIGRATION = "Moving the new key to CMEK v2"
# In the v1 key templates: KeepV1Access=false needs an encryption role (else ClickHouse loses the
# key), and the v2 role must not be the v1 role again.
RULE_V2_MIGRATION = "EncryptionRoleForV2"
# In the combined template: the two switches change the key the stack creates, so with
# KMSCreate=false (no key) they would be accepted and grant nothing. This Rule refuses them and
# says what does the job for an existing key.
RULE_SWITCHES_NEED_NEW_KEY = "MigrationSwitchesNeedNewKey"
SWITCHES_NEED_NEW_KEY_DESCRIPTION = (
    f"{PARAM_ENCRYPTION_ROLE_ARN} and {PARAM_KEEP_V1_ACCESS}={KEEP_V1_ACCESS_VALUES[1]} change the "
    f"key this stack creates; with {Param.KMS_CREATE.value}={KMS_CREATE_VALUE[Mode.EXISTING_KEY]} "
    f"it creates none and they would grant nothing. Leave them at their defaults; for an existing "
    f"key run: cmek grant --cmek-version v2 --principal ROLE_ARN --key-arn KEY_ARN"
)
# What each Rule's assertions (model.CFN_RULES) tell the user CloudFormation refuses, in order.
RULE_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    RULE_KEY_ARNS_REQUIRED: (
        f"{Param.KEY_ARNS.value} must list at least one KMS key ARN when "
        f"{Param.KMS_CREATE.value} is {KMS_CREATE_VALUE[Mode.EXISTING_KEY]}",
    ),
    RULE_V2_MIGRATION: (
        f"{PARAM_KEEP_V1_ACCESS}={KEEP_V1_ACCESS_VALUES[1]} needs {PARAM_ENCRYPTION_ROLE_ARN}: "
        "without it ClickHouse loses the key",
        f"{PARAM_ENCRYPTION_ROLE_ARN} must be the service's Encryption role ID, not the v1 role in "
        f"{Param.CLICKHOUSE_ROLE.value}",
    ),
    RULE_SWITCHES_NEED_NEW_KEY: (SWITCHES_NEED_NEW_KEY_DESCRIPTION,),
}
# The Role keeps its inline policy (moving it to a managed policy would change every v1 stack's
# resources on update); AWS Guard's rule is suppressed on it with this reason, in the template.
GUARD_INLINE_POLICY_RULE = "IAM_NO_INLINE_POLICY_CHECK"
GUARD_INLINE_POLICY_REASON = (
    f"{ROLE_POLICY_NAME} exists only for this role, whose one job is ClickHouse's use of the keys "
    f"in {Param.KEY_ARNS.value}: it is created, changed and deleted with the role and attached "
    "nowhere else. A managed policy would add a resource to every published v1 stack."
)
