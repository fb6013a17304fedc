"""Terraform artifact names: modules, variables, outputs, file sets, provider pins."""

from __future__ import annotations

import enum

from cmek.model.cloudformation import Mode, Output
from cmek.model.contract import CURRENT_PROFILE, PROFILES, V1

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
# The profile a module grants when none is given: the one ClickHouse runs today. v1 is legacy and
# chosen explicitly (`profile = "v1"`), so a v2 role passed without a profile still gets v2's grant.
TF_DEFAULT_PROFILE = CURRENT_PROFILE
TF_DEFAULT_PROFILE_SID = PROFILES[TF_DEFAULT_PROFILE].key_policy_sid


class _ModuleDir(enum.StrEnum):
    """A module directory under terraform/modules (its members are the subclasses')."""

    @property
    def path(self) -> str:
        return f"{TERRAFORM_MODULES_DIR}/{self.value}"


class TfModule(_ModuleDir):
    """Module directories under terraform/modules; `source` paths and the docs use them."""

    POLICY = "cmek-policy"
    EXISTING_KEY = "cmek-existing-key"
    NEW_KEY = "cmek-new-key"


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
    # ClickHouse requires per-replica memory on create for every tier but development (>= 3.19.0).
    MIN_REPLICA_MEMORY_GB = "min_replica_memory_gb"
    MAX_REPLICA_MEMORY_GB = "max_replica_memory_gb"
    # The existing-service example's: the service to read, the key to grant it on, and the
    # customer's own key-policy statements, kept because the key policy is replaced whole.
    SERVICE_ID = "service_id"
    KMS_KEY_ARN = "kms_key_arn"
    ADDITIONAL_KEY_POLICY_DOCUMENTS = "additional_key_policy_documents"


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
        TfVar.ADDITIONAL_KEY_POLICY_DOCUMENTS,
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
# Terraform: the example that creates a ClickHouse service, its key and the association in one
# apply (the profile variable and the statement-only output are TfVar.PROFILE and
# TfOutput.CLICKHOUSE_STATEMENT_JSON).
TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2 = f"{TERRAFORM_EXAMPLES_DIR}/clickhouse-provider-v2"
CLICKHOUSE_PROVIDER_SOURCE = "ClickHouse/clickhouse"
# transparent_data_encryption.role_id and the key association resource arrived in 3.5.0.
CLICKHOUSE_PROVIDER_VERSION = ">= 3.5.0, < 4.0.0"
# Terraform: the example that grants an existing service's role on an existing key; it reads the
# role through the data source clickhouse_service (encryption_role_id), which arrived in 3.21.0.
TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE = (
    f"{TERRAFORM_EXAMPLES_DIR}/clickhouse-provider-v2-existing-key"
)
CLICKHOUSE_PROVIDER_VERSION_DATA_SOURCE = ">= 3.21.0, < 4.0.0"


# --- Terraform, CMEK v2 (issue 6, V2-TF): the profile, the ClickHouse provider example -------
# Profiles that grant a role in the customer's account (trust and role policies); v2 grants the
# service's own role on the key alone, so for it those two outputs are null.
TF_ROLE_PROFILES: tuple[str, ...] = (V1.name,)
# The ClickHouse provider's local name, and the cloud of the service the example creates.
CLICKHOUSE_PROVIDER_NAME = "clickhouse"
CLICKHOUSE_CLOUD_PROVIDER = "aws"
# The example's inputs and outputs, in order (the region serves both providers: the key must live
# in the service's region).
# The ClickHouse provider's credentials, and with them the service's own inputs: every ClickHouse
# provider example declares them alike (the GCP example under the same names).
TF_CLICKHOUSE_PROVIDER_INPUTS: tuple[TfVar, ...] = (
    TfVar.ORGANIZATION_ID,
    TfVar.TOKEN_KEY,
    TfVar.TOKEN_SECRET,
)
TF_CLICKHOUSE_SERVICE_INPUTS: tuple[TfVar, ...] = (
    *TF_CLICKHOUSE_PROVIDER_INPUTS,
    TfVar.SERVICE_NAME,
    TfVar.SERVICE_PASSWORD_HASH,
    TfVar.IP_ACCESS,
)
TF_V2_EXAMPLE_INPUTS: tuple[TfVar, ...] = (
    TfVar.REGION,
    *TF_CLICKHOUSE_SERVICE_INPUTS,
    TfVar.MIN_REPLICA_MEMORY_GB,
    TfVar.MAX_REPLICA_MEMORY_GB,
    TfVar.ALIAS_NAME,
    TfVar.KEY_ADMINISTRATOR_ARNS,
)
TF_V2_EXAMPLE_OUTPUTS: tuple[TfOutput, ...] = (
    TfOutput.SERVICE_ID,
    TfOutput.ENCRYPTION_ROLE_ID,
    *TF_OUTPUTS[TfModule.NEW_KEY],
)
TF_EXISTING_SERVICE_EXAMPLE_INPUTS: tuple[TfVar, ...] = (
    TfVar.REGION,
    *TF_CLICKHOUSE_PROVIDER_INPUTS,
    TfVar.SERVICE_ID,
    TfVar.KMS_KEY_ARN,
    TfVar.KEY_ADMINISTRATOR_ARNS,
    TfVar.ADDITIONAL_KEY_POLICY_DOCUMENTS,
)
TF_EXISTING_SERVICE_EXAMPLE_OUTPUTS: tuple[TfOutput, ...] = (
    TfOutput.ENCRYPTION_ROLE_ID,
    TfOutput.KEY_ARN,
    TfOutput.KEY_POLICY_JSON,
)
# ClickHouse's own TDE example (examples/full/tde/aws, provider v3.25.3) sizes the service so; the
# provider requires both on create for every tier but development since v3.19.0.
CLICKHOUSE_TDE_MIN_REPLICA_MEMORY_GB = 8
CLICKHOUSE_TDE_MAX_REPLICA_MEMORY_GB = 120
# Arguments ClickHouse's TDE example sets on clickhouse_service that the one-apply example leaves
# out, each with the reason (rendered into the example's README; the conformance test reads it).
TF_V2_EXAMPLE_LEFT_OUT: dict[str, str] = {
    "release_channel": "the provider's default channel (`default`) is ClickHouse's own default; "
    "`fast` or `slow` is a choice for the service, not for encryption",
    "idle_scaling": "idling is a cost choice for the service, not needed for encryption; "
    "ClickHouse's default applies",
    "idle_timeout_minutes": "only meaningful with `idle_scaling`",
    "backup_configuration": "ClickHouse's default backup schedule applies (the example's 24-hour "
    "retention is a test setting); backups are encrypted with the service's key either way",
}
# A ClickHouse service ID (the provider imports a service by it): a UUID.
CLICKHOUSE_SERVICE_ID_PATTERN = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
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
# The data source clickhouse_service (>= 3.21.0): the same role and whether TDE is on.
CLICKHOUSE_SERVICE_DATA_SOURCE = "clickhouse_service"
CLICKHOUSE_DATA_ROLE_ATTRIBUTE = "encryption_role_id"
CLICKHOUSE_DATA_TDE_ATTRIBUTE = "has_transparent_data_encryption"
# Every provider a Terraform configuration here may require: local name -> (source, version).
TF_PROVIDER_PINS: dict[str, tuple[str, str]] = {
    "aws": (AWS_PROVIDER_SOURCE, AWS_PROVIDER_VERSION),
    CLICKHOUSE_PROVIDER_NAME: (CLICKHOUSE_PROVIDER_SOURCE, CLICKHOUSE_PROVIDER_VERSION),
}
# Where a directory's pin differs from TF_PROVIDER_PINS: path -> local name -> (source, version).
TF_PROVIDER_PIN_OVERRIDES: dict[str, dict[str, tuple[str, str]]] = {
    TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE: {
        CLICKHOUSE_PROVIDER_NAME: (
            CLICKHOUSE_PROVIDER_SOURCE,
            CLICKHOUSE_PROVIDER_VERSION_DATA_SOURCE,
        )
    },
}


def tf_provider_pin(path: str, name: str) -> tuple[str, str]:
    """The (source, version) a directory under dist pins the provider `name` to."""
    return TF_PROVIDER_PIN_OVERRIDES.get(path, {}).get(name, TF_PROVIDER_PINS[name])


# cmek-policy's local that maps a profile to its own principal (only v1 has one).
TF_DEFAULT_PRINCIPALS_LOCAL = "default_principals"
# A scanner rule the Terraform files meet by a written suppression instead of a change:
# `# cmek:suppress RULE: reason` in the resource block (CloudFormation: the resource's Metadata).
SUPPRESS_MARKER = "cmek:suppress"


# --- Terraform, GCP (issue 18): Cloud KMS modules and the ClickHouse provider example -----------
# hashicorp/google 6.x has every resource and argument the GCP modules use (read from its schema).
GOOGLE_PROVIDER_NAME = "google"
GOOGLE_PROVIDER_SOURCE = "hashicorp/google"
GOOGLE_PROVIDER_VERSION = ">= 6.0, < 7.0"
TF_PROVIDER_PINS[GOOGLE_PROVIDER_NAME] = (GOOGLE_PROVIDER_SOURCE, GOOGLE_PROVIDER_VERSION)
# The only grant resource: non-authoritative, it adds one member to one role on one key and leaves
# every other member alone (an _iam_binding or _iam_policy would remove the customer's own).
GOOGLE_KMS_IAM_MEMBER_RESOURCE = "google_kms_crypto_key_iam_member"
GOOGLE_KMS_KEY_RING_RESOURCE = "google_kms_key_ring"
GOOGLE_KMS_CRYPTO_KEY_RESOURCE = "google_kms_crypto_key"
# Suffixes of Google's authoritative IAM resources (any resource type): never in a cmek artifact.
GOOGLE_AUTHORITATIVE_IAM_SUFFIXES: tuple[str, ...] = ("_iam_binding", "_iam_policy")
CLICKHOUSE_GCP_CLOUD_PROVIDER = "gcp"
# The one local name of the grant resources and the ClickHouse data source of the example.
GCP_GRANT_RESOURCE_NAME = "clickhouse"
CLICKHOUSE_API_KEY_DATA_SOURCE = "clickhouse_api_key_id"


class GcpTfModule(_ModuleDir):
    """The GCP module directories (kept apart from TfModule: the AWS renderers iterate that)."""

    POLICY = "cmek-gcp-policy"
    KEY = "cmek-gcp-key"
    GRANT = "cmek-gcp-grant"


# Every module folder a build writes under terraform/modules (the published archive holds them all).
TERRAFORM_MODULES: tuple[str, ...] = tuple(m.value for m in (*TfModule, *GcpTfModule))


class GcpTfVar(enum.StrEnum):
    SERVICE_ACCOUNT_EMAIL = "service_account_email"
    CRYPTO_KEY_ID = "crypto_key_id"
    PROJECT_ID = "project_id"
    LOCATION = "location"
    KEY_RING_NAME = "key_ring_name"
    KEY_NAME = "key_name"
    ROTATION_PERIOD = "rotation_period"
    LABELS = "labels"
    REGION = "region"
    ORGANIZATION_ID = "organization_id"
    TOKEN_KEY = "token_key"
    TOKEN_SECRET = "token_secret"
    SERVICE_NAME = "service_name"
    SERVICE_PASSWORD_HASH = "service_password_hash"
    IP_ACCESS = "ip_access"
    RELEASE_CHANNEL = "release_channel"


class GcpTfOutput(enum.StrEnum):
    MEMBER = "member"
    ROLES = "roles"
    IAM_BINDINGS_JSON = "iam_bindings_json"
    KEY_ID = "key_id"
    KEY_RING_ID = "key_ring_id"
    SERVICE_ID = "service_id"
    SERVICE_ACCOUNT_EMAIL = "service_account_email"


GCP_TF_INPUTS: dict[GcpTfModule, tuple[GcpTfVar, ...]] = {
    GcpTfModule.POLICY: (GcpTfVar.SERVICE_ACCOUNT_EMAIL, GcpTfVar.CRYPTO_KEY_ID),
    GcpTfModule.KEY: (
        GcpTfVar.PROJECT_ID,
        GcpTfVar.LOCATION,
        GcpTfVar.KEY_RING_NAME,
        GcpTfVar.KEY_NAME,
        GcpTfVar.SERVICE_ACCOUNT_EMAIL,
        GcpTfVar.ROTATION_PERIOD,
        GcpTfVar.LABELS,
    ),
    GcpTfModule.GRANT: (GcpTfVar.CRYPTO_KEY_ID, GcpTfVar.SERVICE_ACCOUNT_EMAIL),
}
GCP_TF_OUTPUTS: dict[GcpTfModule, tuple[GcpTfOutput, ...]] = {
    GcpTfModule.POLICY: (
        GcpTfOutput.MEMBER,
        GcpTfOutput.ROLES,
        GcpTfOutput.IAM_BINDINGS_JSON,
        GcpTfOutput.KEY_ID,
    ),
    GcpTfModule.KEY: (GcpTfOutput.KEY_ID, GcpTfOutput.KEY_RING_ID, GcpTfOutput.MEMBER),
    GcpTfModule.GRANT: (GcpTfOutput.KEY_ID, GcpTfOutput.MEMBER),
}
# cmek-gcp-policy's native tests: a valid grant, then each refusal (an e-mail given as a member,
# a malformed e-mail, a key ring path, a key version path). `cmek check` asserts this exact count.
GCP_TERRAFORM_TEST_RUNS = 5
TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP = f"{TERRAFORM_EXAMPLES_DIR}/clickhouse-provider-gcp"
GCP_TF_EXAMPLE_INPUTS: tuple[GcpTfVar, ...] = (
    GcpTfVar.REGION,
    GcpTfVar.PROJECT_ID,
    *(GcpTfVar[v.name] for v in TF_CLICKHOUSE_SERVICE_INPUTS),
    GcpTfVar.RELEASE_CHANNEL,
    GcpTfVar.KEY_RING_NAME,
    GcpTfVar.KEY_NAME,
    GcpTfVar.ROTATION_PERIOD,
)
GCP_TF_EXAMPLE_OUTPUTS: tuple[GcpTfOutput, ...] = (
    GcpTfOutput.SERVICE_ID,
    GcpTfOutput.SERVICE_ACCOUNT_EMAIL,
    *GCP_TF_OUTPUTS[GcpTfModule.KEY],
)
# The service settings of ClickHouse's examples/full/tde/gcp beyond name, region, password and
# IP access (which are variables) and TDE: the example sets each of them, with these values.
CLICKHOUSE_GCP_RELEASE_CHANNELS: tuple[str, ...] = ("default", "fast", "slow")
CLICKHOUSE_GCP_SERVICE_SETTINGS: dict[str, object] = {
    "idle_scaling": True,
    "idle_timeout_minutes": 5,
    "min_replica_memory_gb": 8,
    "max_replica_memory_gb": 120,
    "endpoints": {"mysql": {"enabled": True}},
    "backup_configuration": {"backup_retention_period_in_hours": 48},
}
CLICKHOUSE_GCP_QUERY_API_ROLES: tuple[str, ...] = ("sql_console_admin",)
