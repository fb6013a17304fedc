"""Every fact about ClickHouse's CMEK set-up, stated once.

CloudFormation, Terraform, console links, snippets, checks and docs all read these names; none of
them spells a principal, an action, a parameter or an output on its own. Source:
ClickHouse's CMEK guide (shared/seeds), "Step 1. Creating an AWS KMS Key".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from generator import __version__

VERSION = __version__

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
    # statements, and let `cmek revoke --profile v1` drop v1's without touching v2's. The seed's
    # own Sid has spaces: legal in a key policy (not in an IAM identity policy).
    key_policy_sid: str


V1 = Profile(
    name="v1",
    title="ClickHouse Cloud CMEK v1",
    principal=CLICKHOUSE_PRINCIPAL,
    actions=ENCRYPT_ACTIONS + DECRYPT_ACTIONS + GENERATE_DATA_KEY_ACTIONS + READ_KEY_ACTIONS,
    legacy=True,
    key_policy_sid="Allow ClickHouse Access",
    summary=(
        "One shared ClickHouse principal, granted on the key or through a role in your account. "
        "ClickHouse retired it in June 2026 (every service moved to v2)."
    ),
)
V2 = Profile(
    name="v2",
    title="ClickHouse Cloud CMEK v2",
    principal=None,
    actions=ENCRYPT_ACTIONS + DECRYPT_ACTIONS + REENCRYPT_ACTIONS + DESCRIBE_KEY_ACTIONS,
    legacy=False,
    key_policy_sid="Allow ClickHouse encryption role",
    summary=(
        "Each service's own encryption role (an IAM role in a ClickHouse account, shown in the "
        "service settings as the Encryption role ID) is named in the key policy."
    ),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (V1, V2)}
# The default keeps v1's published names and links byte for byte; v2 needs a principal anyway.
DEFAULT_PROFILE = V1.name
CURRENT_PROFILE = V2.name


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
KEY_POLICY_CLICKHOUSE_SID = V1.key_policy_sid
KEY_POLICY_ROOT_SID = "Enable IAM User Permissions"
KEY_SPEC = "SYMMETRIC_DEFAULT"
KEY_USAGE = "ENCRYPT_DECRYPT"
RETAIN = "Retain"
POLICY_VERSION = "2012-10-17"

# Conditions and rules of the combined template.
COND_CREATE_KEY = "CreateKey"
COND_CREATE_ROLE = "CreateRole"
COND_HAS_EXTERNAL_ID = "HasExternalId"
RULE_KEY_ARNS_REQUIRED = "KeyArnsRequiredForExistingKey"

# --- Limits AWS enforces (IAM quotas, KMS key-policy format, CloudFormation quotas) ----------
ROLE_NAME_MAX = 64
STACK_NAME_MAX = 128
EXTERNAL_ID_MIN = 2
EXTERNAL_ID_MAX = 1224
ROLE_POLICIES_MAX_CHARS = 10_240
TRUST_POLICY_MAX_CHARS = 2_048
KEY_POLICY_MAX_BYTES = 32_768
TEMPLATE_BODY_MAX_BYTES = 51_200
PARAMETER_VALUE_MAX_BYTES = 4_096
PENDING_WINDOW_MIN_DAYS = 7
PENDING_WINDOW_MAX_DAYS = 30
# Deleting the key destroys the service and its backups: keep the longest window AWS allows.
PENDING_WINDOW_DAYS = PENDING_WINDOW_MAX_DAYS

# --- Publishing and links -----------------------------------------------------------------------
DEFAULT_STACK_NAME = "ClickHouseBYOK"
# ClickHouse's public bucket, and the prefix `cmek publish` writes under (the stable template
# behind ClickHouse's published links is `cf-templates/cmek.yaml` there). A dotted bucket name is
# linked path-style.
CLICKHOUSE_BUCKET = "clickhouse-public-resources.clickhouse.cloud"
CLICKHOUSE_BUCKET_REGION = "us-east-2"
PUBLISH_PREFIX = "cf-templates"
DEFAULT_TEMPLATE_URL_BASE = (
    f"https://s3.{CLICKHOUSE_BUCKET_REGION}.amazonaws.com/{CLICKHOUSE_BUCKET}/{PUBLISH_PREFIX}/"
)
COMMERCIAL_PARTITION = "aws"
# The console's quick-create page, as ClickHouse's published links open it.
CONSOLE_HOST = "{region}.console.aws.amazon.com"
QUICK_CREATE_ROUTE = "/stacks/quickcreate"
MANIFEST_FILE = "manifest.json"
LINKS_FILE = "links.json"
SNIPPET_FILE = "snippets/key-policy-statement.json"
DOCS_FILE = "README.md"

# AWS's documentation account and key: the examples in error messages and docs, and the sample
# inputs the checks resolve templates and modules with.
EXAMPLE_ACCOUNT = "111122223333"
EXAMPLE_REGION = "us-east-1"
EXAMPLE_ROLE_ARN = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:role/name"
EXAMPLE_KEY_ARN = (
    f"arn:aws:kms:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)
EXAMPLE_MRK_KEY_ARN = (
    f"arn:aws:kms:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab"
)
EXAMPLE_EXTERNAL_ID = "clickhouse-cmek-example"

# Regular expressions for the values a user types. Kept in the subset that both Python `re` and
# CloudFormation's Java-flavoured AllowedPattern read the same way.
# The AWS partitions; every pattern, message and test that names them is built from this tuple.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")
# `aws(-cn|-us-gov)?`: the first partition's name, optionally followed by another one's suffix.
PARTITION_PATTERN = (
    rf"{PARTITIONS[0]}({'|'.join(p.removeprefix(PARTITIONS[0]) for p in PARTITIONS[1:])})?"
)
ACCOUNT_PATTERN = r"[0-9]{12}"
ROLE_ARN_PATTERN = (
    rf"arn:{PARTITION_PATTERN}:iam::{ACCOUNT_PATTERN}:role/[A-Za-z0-9+=,.@_/-]{{1,512}}"
)
KEY_ID_PATTERN = r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
KEY_ARN_PATTERN = rf"arn:{PARTITION_PATTERN}:kms:[a-z0-9-]+:{ACCOUNT_PATTERN}:key/{KEY_ID_PATTERN}"
# Besides letters and digits, the characters IAM accepts in an external ID.
EXTERNAL_ID_SYMBOLS = "+=,.@:/_-"
EXTERNAL_ID_CHARS_TEXT = f"letters, digits and {EXTERNAL_ID_SYMBOLS}"
EXTERNAL_ID_PATTERN = rf"([A-Za-z0-9{EXTERNAL_ID_SYMBOLS}]{{{EXTERNAL_ID_MIN},{EXTERNAL_ID_MAX}}})?"
STACK_NAME_PATTERN = rf"[A-Za-z][A-Za-z0-9-]{{0,{STACK_NAME_MAX - 1}}}"

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


# --- Terraform names (a contract: module users pass these variables and read these outputs) ----
TERRAFORM_DIR = "terraform"
TERRAFORM_MODULES_DIR = f"{TERRAFORM_DIR}/modules"
TERRAFORM_EXAMPLES_DIR = f"{TERRAFORM_DIR}/examples"
# Where `terraform test` looks inside a module by default.
TERRAFORM_TESTS_DIR = "tests"
# `terraform test` with `expect_failures` on variables arrived in Terraform 1.6, and validation
# conditions that read another variable (clickhouse_role_arn's rules depend on the profile) in 1.9.
TERRAFORM_REQUIRED_VERSION = ">= 1.9"
AWS_PROVIDER_SOURCE = "hashicorp/aws"
# The modules use long-standing resources and arguments present in provider 5.x and 6.x (read, not
# validated offline); a new major version is a deliberate bump after review.
AWS_PROVIDER_VERSION = ">= 5.0, < 7.0"
# The cmek-policy tests cover at least: the actions, the external ID, the partition, a bad ARN, and
# for v2 its grant, a missing role, the v1 role given as v2's, an unknown profile.
TERRAFORM_TEST_MIN_RUNS = 8
# The AWS provider appends a 26-character unique suffix to a `name_prefix`.
TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH = 26


class TfModule(enum.StrEnum):
    """Module directories under terraform/modules; `source` paths and the docs use them."""

    POLICY = "cmek-policy"
    EXISTING_KEY = "cmek-existing-key"
    NEW_KEY = "cmek-new-key"

    @property
    def path(self) -> str:
        return f"{TERRAFORM_MODULES_DIR}/{self.value}"


class TfVar(enum.StrEnum):
    """Variable names; module users and the examples' tfvars pass them."""

    PROFILE = "profile"
    CLICKHOUSE_ROLE_ARN = "clickhouse_role_arn"
    ACCOUNT_ID = "account_id"
    PARTITION = "partition"
    KMS_KEY_ARNS = "kms_key_arns"
    EXTERNAL_ID = "external_id"
    KEY_ADMINISTRATOR_ARNS = "key_administrator_arns"
    ROLE_NAME = "role_name"
    ROLE_NAME_PREFIX = "role_name_prefix"
    ROLE_PATH = "role_path"
    ROLE_PERMISSIONS_BOUNDARY = "role_permissions_boundary"
    ALIAS_NAME = "alias_name"
    DESCRIPTION = "description"
    MULTI_REGION = "multi_region"
    DELETION_WINDOW_IN_DAYS = "deletion_window_in_days"
    TAGS = "tags"
    REGION = "region"
    # The ClickHouse provider example's: the provider's own variable names, then the service's.
    ORGANIZATION_ID = "organization_id"
    TOKEN_KEY = "token_key"
    TOKEN_SECRET = "token_secret"
    SERVICE_NAME = "service_name"
    SERVICE_PASSWORD_HASH = "service_password_hash"
    IP_ACCESS = "ip_access"


class TfOutput(enum.StrEnum):
    """Output names; users read them (`terraform output`) and paste ARNs into the console."""

    KEY_POLICY_JSON = "key_policy_json"
    CLICKHOUSE_STATEMENT_JSON = "clickhouse_statement_json"
    TRUST_POLICY_JSON = "trust_policy_json"
    ROLE_POLICY_JSON = "role_policy_json"
    ROLE_ARN = "role_arn"
    KEY_ARN = "key_arn"
    KEY_ARNS = "key_arns"
    KEY_ID = "key_id"
    ALIAS_NAME = "alias_name"
    ALIAS_ARN = "alias_arn"
    SERVICE_ID = "service_id"
    ENCRYPTION_ROLE_ID = "encryption_role_id"


TF_INPUTS: dict[TfModule, tuple[TfVar, ...]] = {
    TfModule.POLICY: (
        TfVar.PROFILE,
        TfVar.CLICKHOUSE_ROLE_ARN,
        TfVar.ACCOUNT_ID,
        TfVar.PARTITION,
        TfVar.KMS_KEY_ARNS,
        TfVar.EXTERNAL_ID,
        TfVar.KEY_ADMINISTRATOR_ARNS,
    ),
    TfModule.EXISTING_KEY: (
        TfVar.CLICKHOUSE_ROLE_ARN,
        TfVar.KMS_KEY_ARNS,
        TfVar.EXTERNAL_ID,
        TfVar.ROLE_NAME,
        TfVar.ROLE_NAME_PREFIX,
        TfVar.ROLE_PATH,
        TfVar.ROLE_PERMISSIONS_BOUNDARY,
        TfVar.TAGS,
    ),
    TfModule.NEW_KEY: (
        TfVar.PROFILE,
        TfVar.CLICKHOUSE_ROLE_ARN,
        TfVar.ALIAS_NAME,
        TfVar.DESCRIPTION,
        TfVar.MULTI_REGION,
        TfVar.KEY_ADMINISTRATOR_ARNS,
        TfVar.DELETION_WINDOW_IN_DAYS,
        TfVar.TAGS,
    ),
}
TF_OUTPUTS: dict[TfModule, tuple[TfOutput, ...]] = {
    TfModule.POLICY: (
        TfOutput.KEY_POLICY_JSON,
        TfOutput.CLICKHOUSE_STATEMENT_JSON,
        TfOutput.TRUST_POLICY_JSON,
        TfOutput.ROLE_POLICY_JSON,
    ),
    TfModule.EXISTING_KEY: (TfOutput.ROLE_ARN, TfOutput.KEY_ARN, TfOutput.KEY_ARNS),
    TfModule.NEW_KEY: (
        TfOutput.KEY_ARN,
        TfOutput.KEY_ID,
        TfOutput.ALIAS_NAME,
        TfOutput.ALIAS_ARN,
    ),
}
# Each CloudFormation stack's Terraform twin; its example root module is examples/<mode>.
TF_MODULE_BY_MODE: dict[Mode, TfModule] = {
    Mode.EXISTING_KEY: TfModule.EXISTING_KEY,
    Mode.NEW_KEY: TfModule.NEW_KEY,
}
# Terraform names of CloudFormation parameters and outputs (same value, same contract).
TF_OUTPUT_BY_OUTPUT: dict[Output, TfOutput] = {
    Output.ROLE_ARN: TfOutput.ROLE_ARN,
    Output.KEY_ARN: TfOutput.KEY_ARN,
    Output.KEY_ARNS: TfOutput.KEY_ARNS,
}

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

# Values only the Terraform modules take (CloudFormation derives them from the stack).
# A key administrator may be a role or a user; both follow the role ARN's name rules.
KEY_ADMIN_ARN_PATTERN = ROLE_ARN_PATTERN.replace(":role/", ":(role|user)/", 1)
ROLE_NAME_CHARS = r"[A-Za-z0-9+=,.@_-]"
ROLE_NAME_PATTERN = rf"{ROLE_NAME_CHARS}{{1,{ROLE_NAME_MAX}}}"
ROLE_NAME_PREFIX_PATTERN = (
    rf"{ROLE_NAME_CHARS}{{1,{ROLE_NAME_MAX - TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH}}}"
)
ROLE_PATH_PATTERN = r"/([!-~]{1,510}/)?"
POLICY_ARN_PATTERN = rf"arn:{PARTITION_PATTERN}:iam::({ACCOUNT_PATTERN}|aws):policy/[!-~]+"
KMS_ALIAS_PATTERN = r"alias/[A-Za-z0-9:/_-]{1,250}"
KMS_ALIAS_RESERVED_PREFIX = "alias/aws/"
KMS_DESCRIPTION_MAX = 8_192
REGION_PATTERN = r"[a-z]{2}(-[a-z]+)+-[0-9]+"


# --- Publishing to S3 (`cmek publish`) ----------------------------------------------------------
# Layout under `<prefix>/` of the bucket: `<version>/<path>` for every file of a build (immutable),
# `<version>/terraform/modules/<module>.zip` for each module, `latest/...` a copy of the newest
# published version, and the stable template the console links open, `<prefix>/cmek.yaml`.
# With the default prefix the stable key is `cf-templates/cmek.yaml`, ClickHouse's published path.
PUBLISH_LATEST = "latest"
PUBLISH_STABLE_STACKS: tuple[Stack, ...] = (STACK_COMBINED,)
# Written after publishing, next to the version's manifest: the quick-create links, each pointing at
# an object that was just verified (HEAD with its SHA-256 checksum).
PUBLISHED_LINKS_FILE = "published-links.json"
MODULE_ZIP_SUFFIX = ".zip"
# A version or prefix is one or more key segments of characters safe in an S3 key and a URL.
PUBLISH_SEGMENT_PATTERN = r"[A-Za-z0-9_.+-]+"
# Versioned objects never change (same bytes or refused); stable paths move with each publish.
CACHE_CONTROL_VERSIONED = "public, max-age=31536000, immutable"
CACHE_CONTROL_STABLE = "public, max-age=300"
# By file suffix, longest first wins; Terraform and HCL sources are served as plain text so a
# browser shows them.
CONTENT_TYPES: dict[str, str] = {
    ".yaml": "application/yaml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
    ".tf": "text/plain; charset=utf-8",
    ".hcl": "text/plain; charset=utf-8",
    ".tfvars.example": "text/plain; charset=utf-8",
}

# --- verify-key (issue 7): what a usable key looks like to ClickHouse -------------------------
# An alias ARN names a key indirectly; verify-key resolves it (DescribeKey) and reports the key.
KEY_ALIAS_ARN_PATTERN = (
    rf"arn:{PARTITION_PATTERN}:kms:[a-z0-9-]+:{ACCOUNT_PATTERN}:{KMS_ALIAS_PATTERN}"
)
EXAMPLE_ALIAS_ARN = f"arn:aws:kms:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:alias/example"
# KMS keys have exactly one key policy, and this is its only name (GetKeyPolicy's PolicyName).
KEY_POLICY_NAME = "default"
KEY_STATE_ENABLED = "Enabled"
KEY_MANAGER_CUSTOMER = "CUSTOMER"
# DescribeKey's Origin values: where the key material lives (reported, none is refused).
KEY_ORIGINS: dict[str, str] = {
    "AWS_KMS": "key material generated by KMS",
    "EXTERNAL": "imported key material (it may expire; you must keep a copy)",
    "AWS_CLOUDHSM": "custom key store backed by AWS CloudHSM (the cluster must stay connected)",
    "EXTERNAL_KEY_STORE": "external key store (your proxy and key manager must stay reachable)",
}
# Imported key material with this expiration model stops working at ValidTo.
KEY_MATERIAL_EXPIRES = "KEY_MATERIAL_EXPIRES"
# How often ClickHouse re-checks a key (and stops the service when access is lost).
CLICKHOUSE_CHECK_INTERVAL_SECONDS = 600
# The data key `verify-key --live` asks for; any spec proves the round trip.
LIVE_DATA_KEY_SPEC = "AES_256"

# --- Editing an existing key's policy (`cmek grant`, `cmek revoke`) -----------------------------
KEY_POLICY_V2_SID = V2.key_policy_sid
# Whoever may perform this action can change the key policy again: a policy edit must leave it to
# the key's account (KMS's own lockout safety check tests the caller, not the account).
PUT_KEY_POLICY_ACTION = "kms:PutKeyPolicy"
# The account that holds ClickHouse's v1 role; a "v1 role" in any other account is a copy mistake.
CLICKHOUSE_V1_ACCOUNT = CLICKHOUSE_PRINCIPAL.split(":")[4]
# A policy file larger than this is refused before parsing (KMS's own limit is 32 KB).
POLICY_FILE_MAX_BYTES = 1_048_576

# --- Terraform file sets (issue 11: spelled once, read by the renderer and the checks) ----------
TF_MODULE_FILES: tuple[str, ...] = (
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "versions.tf",
    "README.md",
)
TF_EXAMPLE_FILES: tuple[str, ...] = (*TF_MODULE_FILES, "terraform.tfvars.example")
TF_TESTS_SUFFIX = ".tftest.hcl"
# Each mode's example root module.
TF_EXAMPLE_PATHS: dict[Mode, str] = {
    mode: f"{TERRAFORM_EXAMPLES_DIR}/{mode.value}" for mode in TF_MODULE_BY_MODE
}
# KMS answers only over TLS, so a key-policy Deny conditioned on this key being false never
# applies to ClickHouse's requests (verify-key reports it and sets it aside).
SECURE_TRANSPORT_CONDITION_KEY = "aws:SecureTransport"

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
ENCRYPTION_ROLE_DESCRIPTION = (
    "The service's Encryption role ID (ClickHouse Cloud console: service settings, "
    "Transparent Data Encryption), an IAM role ARN in a ClickHouse account."
)
# Terraform: the example that creates a ClickHouse service, its key and the association in one
# apply (the profile variable and the statement-only output are TfVar.PROFILE and
# TfOutput.CLICKHOUSE_STATEMENT_JSON).
TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2 = f"{TERRAFORM_EXAMPLES_DIR}/clickhouse-provider-v2"
CLICKHOUSE_PROVIDER_SOURCE = "ClickHouse/clickhouse"
# transparent_data_encryption.role_id and the key association resource arrived in 3.5.0.
CLICKHOUSE_PROVIDER_VERSION = ">= 3.5.0, < 4.0.0"


# --- Where the links point (issue 6, V2-CFN): the one publish layout ------------------------------
# `cmek publish` writes each template under `<prefix>/<version>/cloudformation/<file>` and the
# combined template also at the stable `<prefix>/cmek.yaml` the console links have always opened.
# Links built before publishing (render/links.py) and after it (publish.py) use this one rule.
def template_path(stack: Stack, version: str) -> str:
    """A template's path under the template URL base (the publish prefix)."""
    if stack in PUBLISH_STABLE_STACKS:
        return stack.filename
    return f"{version}/{stack.path}"


# --- Terraform, CMEK v2 (issue 6, V2-TF): the profile, the ClickHouse provider example -------
# Profiles that grant a role in the customer's account (trust and role policies); v2 grants the
# service's own role on the key alone, so for it those two outputs are null.
TF_ROLE_PROFILES: tuple[str, ...] = (V1.name,)
# The v1 role's name: given as a v2 principal, in ClickHouse's account or (copied wrongly) in the
# customer's own, it is a mistake the modules reject.
CLICKHOUSE_V1_ROLE_NAME = CLICKHOUSE_PRINCIPAL.split(":role/", 1)[1]
# The ClickHouse provider's local name, and the cloud of the service the example creates.
CLICKHOUSE_PROVIDER_NAME = "clickhouse"
CLICKHOUSE_CLOUD_PROVIDER = "aws"
# The example's inputs and outputs, in order (the region serves both providers: the key must live
# in the service's region).
TF_V2_EXAMPLE_INPUTS: tuple[TfVar, ...] = (
    TfVar.REGION,
    TfVar.ORGANIZATION_ID,
    TfVar.TOKEN_KEY,
    TfVar.TOKEN_SECRET,
    TfVar.SERVICE_NAME,
    TfVar.SERVICE_PASSWORD_HASH,
    TfVar.IP_ACCESS,
    TfVar.ALIAS_NAME,
    TfVar.KEY_ADMINISTRATOR_ARNS,
)
TF_V2_EXAMPLE_OUTPUTS: tuple[TfOutput, ...] = (
    TfOutput.SERVICE_ID,
    TfOutput.ENCRYPTION_ROLE_ID,
    *TF_OUTPUTS[TfModule.NEW_KEY],
)
# The ClickHouse provider's password_hash: base64 of a SHA-256 digest (32 bytes, one `=` pad).
SHA256_BASE64_PATTERN = r"[A-Za-z0-9+/]{43}="
# The ClickHouse provider's resources the example wires together (provider docs, >= 3.5.0).
CLICKHOUSE_SERVICE_RESOURCE = "clickhouse_service"
CLICKHOUSE_TDE_ASSOCIATION_RESOURCE = (
    "clickhouse_service_transparent_data_encryption_key_association"
)
# The service's encryption role, as an attribute path of clickhouse_service.
CLICKHOUSE_ROLE_ID_ATTRIBUTE = "transparent_data_encryption.role_id"
# Every provider a Terraform configuration here may require: local name -> (source, version).
TF_PROVIDER_PINS: dict[str, tuple[str, str]] = {
    "aws": (AWS_PROVIDER_SOURCE, AWS_PROVIDER_VERSION),
    CLICKHOUSE_PROVIDER_NAME: (CLICKHOUSE_PROVIDER_SOURCE, CLICKHOUSE_PROVIDER_VERSION),
}
# cmek-policy's local that maps a profile to its own principal (only v1 has one).
TF_DEFAULT_PRINCIPALS_LOCAL = "default_principals"
# A scanner rule the Terraform files meet by a written suppression instead of a change:
# `# cmek:suppress RULE: reason` in the resource block (CloudFormation: the resource's Metadata).
SUPPRESS_MARKER = "cmek:suppress"

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


# --- Input safety (issue 12): AWS's own naming rules, and how much cmek reads ------------------
# IAM (botocore's iam shapes roleNameType and pathType): a role name is 1-64 of [\w+=,.@-]
# (ROLE_NAME_PATTERN); its path is "/" or "/seg/.../" of at most 512 characters, no empty segment.
ROLE_PATH_MAX = 512
# S3 general purpose bucket naming rules (S3 user guide, "General purpose bucket naming rules").
S3_BUCKET_MIN = 3
S3_BUCKET_MAX = 63
S3_BUCKET_CHARS_PATTERN = r"[a-z0-9][a-z0-9.-]*[a-z0-9]"
S3_BUCKET_RESERVED_PREFIXES: tuple[str, ...] = ("xn--", "sthree-", "amzn-s3-demo-")
S3_BUCKET_RESERVED_SUFFIXES: tuple[str, ...] = (
    "-s3alias",
    "--ol-s3",
    ".mrap",
    "--x-s3",
    "--table-s3",
)
# Two adjacent periods are refused by S3; "-." and ".-" make a DNS label start or end with a
# hyphen, which breaks the bucket's host name (virtual-hosted URLs, TLS).
S3_BUCKET_FORBIDDEN_PARTS: tuple[str, ...] = ("..", ".-", "-.")
S3_BUCKET_IP_PATTERN = r"[0-9]{1,3}(\.[0-9]{1,3}){3}"
# Reading caps. A config file is a few lines of TOML.
CONFIG_FILE_MAX_BYTES = 65_536
# CloudFormation reads a template body of at most 1 MB from S3 (51,200 bytes inline).
TEMPLATE_URL_BODY_MAX_BYTES = 1_048_576
# Per kind of file in a dist directory (by name suffix, longest first): templates and JSON up to
# CloudFormation's S3 template limit; Terraform, HCL and Markdown sources are a few KB each, and
# 256 KB leaves ample room. Anything else falls back to DIST_FILE_DEFAULT_MAX_BYTES.
DIST_FILE_MAX_BYTES: dict[str, int] = {
    ".yaml": TEMPLATE_URL_BODY_MAX_BYTES,
    ".json": TEMPLATE_URL_BODY_MAX_BYTES,
    ".html": TEMPLATE_URL_BODY_MAX_BYTES,
    ".md": 262_144,
    ".tf": 262_144,
    ".hcl": 262_144,
    ".tfvars.example": 262_144,
}
DIST_FILE_DEFAULT_MAX_BYTES = TEMPLATE_URL_BODY_MAX_BYTES
# A build writes about a hundred entries; walking stops (a finding) beyond this many.
DIST_ENTRIES_MAX = 2_000
# `cmek build` writes a manifest naming this generator; a folder is a previous build only if so.
MANIFEST_GENERATOR = "cmek"

# --- The launch page (issue 9) -------------------------------------------------------------------
# One self-contained HTML file in a build; `cmek publish` also puts it at `<prefix>/index.html`.
PAGE_FILE = "index.html"
# The Role keeps its inline policy (moving it to a managed policy would change every v1 stack's
# resources on update); AWS Guard's rule is suppressed on it with this reason, in the template.
GUARD_INLINE_POLICY_RULE = "IAM_NO_INLINE_POLICY_CHECK"
GUARD_INLINE_POLICY_REASON = (
    f"{ROLE_POLICY_NAME} exists only for this role, whose one job is ClickHouse's use of the keys "
    f"in {Param.KEY_ARNS.value}: it is created, changed and deleted with the role and attached "
    "nowhere else. A managed policy would add a resource to every published v1 stack."
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
TF_INVENTORY: dict[str, tuple[TfBlock, ...]] = {
    TfModule.POLICY.path: (),
    TfModule.EXISTING_KEY.path: (
        *_TF_IDENTITY,
        TfBlock(
            "module",
            ("policy",),
            (
                "source",
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
            (
                "source",
                TfVar.PROFILE,
                TfVar.CLICKHOUSE_ROLE_ARN,
                TfVar.ACCOUNT_ID,
                TfVar.PARTITION,
                TfVar.KEY_ADMINISTRATOR_ARNS,
            ),
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
        TfBlock(
            "provider",
            (CLICKHOUSE_PROVIDER_NAME,),
            (TfVar.ORGANIZATION_ID, TfVar.TOKEN_KEY, TfVar.TOKEN_SECRET),
        ),
        TfBlock(
            "resource",
            (CLICKHOUSE_SERVICE_RESOURCE, "this"),
            (
                "name",
                "cloud_provider",
                TfVar.REGION,
                "password_hash",
                TfVar.IP_ACCESS,
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
