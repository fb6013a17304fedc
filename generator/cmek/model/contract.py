"""ClickHouse's CMEK contract: whom a customer grants what on a key, per profile.

The one home of the principals, the action sets, the key-policy Sids and the known mistakes
(the ReEncrypt typo, the v1 role in a wrong account). Source: ClickHouse's CMEK guide
(shared/seeds) and docs (clickhouse.com/docs/cloud/security/cmek).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Action sets -------------------------------------------------------------------------------
# Named groups composed into profiles, the way AWS CDK keeps its KMS grants (aws-kms perms.ts), so a
# reviewer sees why each action is there and a new profile reuses the groups rather than retyping.
ENCRYPT_ACTIONS: tuple[str, ...] = ("kms:Encrypt",)
DECRYPT_ACTIONS: tuple[str, ...] = ("kms:Decrypt",)
GENERATE_DATA_KEY_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:GenerateDataKeyPair")
DESCRIBE_KEY_ACTIONS: tuple[str, ...] = ("kms:DescribeKey",)
READ_KEY_ACTIONS: tuple[str, ...] = (
    *DESCRIBE_KEY_ACTIONS,
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
)
# The ReEncrypt API is authorised as two actions; the wildcard is declared on purpose and covers
# exactly these two (KMS's service authorization reference).
REENCRYPT_ACTIONS: tuple[str, ...] = ("kms:ReEncrypt*",)
REENCRYPT_COVERS: tuple[str, ...] = ("kms:ReEncryptFrom", "kms:ReEncryptTo")
# What one published version of ClickHouse's guide printed and customers copied: the API name, not
# an IAM action. It grants nothing; anywhere in an artifact or a key policy it is a finding.
REENCRYPT_TYPO = "kms:ReEncrypt"
ASSUME_ROLE_ACTION = "sts:AssumeRole"
# Only a new key's account-root statement holds this, as in AWS's default key policy.
KMS_ALL_ACTIONS = "kms:*"
# The account root a new key's policy names; each renderer fills in its own placeholders.
ACCOUNT_ROOT_ARN = "arn:{partition}:iam::{account}:root"
EXTERNAL_ID_CONDITION_KEY = "sts:ExternalId"

CLICKHOUSE_PRINCIPAL = "arn:aws:iam::576599896960:role/prod-kms-request-role"


@dataclass(frozen=True)
class Profile:
    """A named version of ClickHouse's CMEK contract: whom to trust and what to grant.

    `principal` is None where each service has its own role (v2): the user must give it.
    `legacy` profiles keep working (their artifacts and links are published) but are not what a
    customer should set up today.
    """

    name: str
    title: str
    principal: str | None
    actions: tuple[str, ...]
    legacy: bool
    summary: str
    # The Sid of the profile's key-policy statement. Distinct Sids let a migration policy hold both
    # statements, and let `cmek revoke --cmek-version v1` drop v1's without touching v2's. The
    # seed's own Sid has spaces: legal in a key policy (not in an IAM identity policy).
    key_policy_sid: str
    # Each service has its own role in a ClickHouse account, which the user must give (v2): the
    # templates take it as a parameter and a shared principal of another profile is a mistake.
    per_service_role: bool = False
    # The key may be reached through a role in the customer's account that ClickHouse assumes (v1's
    # role flow: `verify-key --role-arn`, the audit's role paths, the v1 templates' role).
    role_in_customer_account: bool = False


V1 = Profile(
    name="v1",
    title="ClickHouse Cloud CMEK v1",
    principal=CLICKHOUSE_PRINCIPAL,
    actions=ENCRYPT_ACTIONS + DECRYPT_ACTIONS + GENERATE_DATA_KEY_ACTIONS + READ_KEY_ACTIONS,
    legacy=True,
    key_policy_sid="Allow ClickHouse Access",
    role_in_customer_account=True,
    summary=(
        "One shared ClickHouse principal, granted on the key or through a role in your account. "
        "ClickHouse no longer uses it: services not moved to v2 by the end of v1 were moved to "
        "ClickHouse-managed keys."
    ),
)
V2 = Profile(
    name="v2",
    title="ClickHouse Cloud CMEK v2",
    principal=None,
    actions=ENCRYPT_ACTIONS + DECRYPT_ACTIONS + REENCRYPT_ACTIONS + DESCRIBE_KEY_ACTIONS,
    legacy=False,
    key_policy_sid="Allow ClickHouse encryption role",
    per_service_role=True,
    summary=(
        "Each service's own encryption role (an IAM role in a ClickHouse account, one per "
        "service) is named in the key policy."
    ),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (V1, V2)}
# The default keeps v1's published names and links byte for byte; v2 needs a principal anyway.
DEFAULT_PROFILE = V1.name
CURRENT_PROFILE = V2.name
KEY_POLICY_CLICKHOUSE_SID = V1.key_policy_sid
KEY_POLICY_ROOT_SID = "Enable IAM User Permissions"
POLICY_VERSION = "2012-10-17"

# A new key's optional administrators get the KMS console's key-administrators statement
# (KMS developer guide, "Default key policy"): they manage the key but cannot use it.
KEY_POLICY_ADMIN_SID = "Allow access for Key Administrators"
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)

# --- Editing an existing key's policy (`cmek grant`, `cmek revoke`) -----------------------------
KEY_POLICY_V2_SID = V2.key_policy_sid
# Whoever may perform this action can change the key policy again: a policy edit must leave it to
# the key's account (KMS's own lockout safety check tests the caller, not the account).
PUT_KEY_POLICY_ACTION = "kms:PutKeyPolicy"
# The account that holds ClickHouse's v1 role; a "v1 role" in any other account is a copy mistake.
CLICKHOUSE_V1_ACCOUNT = CLICKHOUSE_PRINCIPAL.split(":")[4]
# The v1 role's name: given as a v2 principal, in ClickHouse's account or (copied wrongly) in the
# customer's own, it is a mistake the modules reject.
CLICKHOUSE_V1_ROLE_NAME = CLICKHOUSE_PRINCIPAL.split(":role/", 1)[1]

# --- ClickHouse Cloud as it runs CMEK today (v2) -------------------------------------------------
# Source for this section: ClickHouse's docs (clickhouse.com/docs/cloud/security/cmek and
# docs/cloud/reference/05_supported-regions.md) and its Terraform provider v3.25.3, as vendored in
# tests/vendor/terraform-provider-clickhouse (README there).
CLICKHOUSE_CMEK_DOCS_URL = "https://clickhouse.com/docs/cloud/security/cmek"
CLICKHOUSE_REGIONS_DOCS_URL = "https://clickhouse.com/docs/cloud/reference/supported-regions"
# CMEK v1 ended on this day: services not migrated were moved to ClickHouse-managed keys.
CMEK_V1_END_DATE = "2026-06-01"
# Where a service shows its encryption principal in the ClickHouse Cloud console (per service).
ENCRYPTION_PRINCIPAL_CONSOLE_PLACE = 'the service\'s Settings, "Network security information"'
ENCRYPTION_ROLE_CONSOLE_FIELD = "Encryption role ID (AWS)"
ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD = "Encryption Service Account (GCP)"
# Where the key ARN (AWS) or key resource path (GCP) is pasted.
KEY_CONSOLE_SECTION = 'the service\'s Settings, "Transparent Data Encryption"'
# The name shape of a service's v2 encryption role in ClickHouse's accounts (`CH-TDE-...`), as the
# console shows it; ClickHouse does not document the shape, so it only helps `cmek audit` recognise
# a v2 grant when the caller names no ClickHouse account (an extra account is still accepted).
V2_ROLE_NAME_PREFIX = "CH-TDE-"
V2_ROLE_NAME_PATTERN = rf"{V2_ROLE_NAME_PREFIX}[A-Za-z0-9+=,.@_-]+"
# ClickHouse Cloud's AWS regions (supported-regions page): generally available, on request, and
# the two added in 2026-08. v2 links, the launch page and the v2 example offer exactly these.
CLICKHOUSE_AWS_REGIONS_GA: tuple[str, ...] = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "il-central-1",
)
CLICKHOUSE_AWS_REGIONS_ON_REQUEST: tuple[str, ...] = (
    "ca-central-1",
    "af-south-1",
    "eu-north-1",
    "sa-east-1",
    "ap-southeast-3",
    "ap-east-1",
    "mx-central-1",
    "ap-east-2",
    "ap-southeast-5",
)
CLICKHOUSE_AWS_REGIONS: tuple[str, ...] = tuple(
    sorted(CLICKHOUSE_AWS_REGIONS_GA + CLICKHOUSE_AWS_REGIONS_ON_REQUEST)
)
