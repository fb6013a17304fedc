"""The interface of every Terraform module and example: variables and outputs as data.

The `variables.tf`/`outputs.tf` files and the README tables are rendered from these same
specifications, so they can never disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from cmek import contract, model
from cmek.config import Config
from cmek.model import TfModule, TfOutput, TfVar
from cmek.render.hcl import Hcl, hcl_string, hcl_value

# RE2 (Terraform's regex engine) rejects counted repetition above 1000, so the external ID's upper
# bound moves from the pattern into a length() test.
EXTERNAL_ID_RE2_PATTERN = model.EXTERNAL_ID_PATTERN.replace(f",{model.EXTERNAL_ID_MAX}}}", ",}")
# "aws, aws-cn or aws-us-gov"
PARTITIONS_TEXT = f"{', '.join(model.PARTITIONS[:-1])} or {model.PARTITIONS[-1]}"


# --- Specifications ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Validation:
    condition: Hcl
    error_message: str


_REQUIRED = object()


@dataclass(frozen=True)
class Variable:
    """One `variable` block; `default` is a Python value, `_REQUIRED` for none."""

    name: TfVar
    type: Hcl
    description: str
    default: Any = _REQUIRED
    nullable: bool = True
    validations: tuple[Validation, ...] = ()
    # Terraform keeps a sensitive value out of plans and logs (API secrets, password hashes).
    sensitive: bool = False

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def default_hcl(self) -> Hcl:
        return hcl_value(self.default)


@dataclass(frozen=True)
class Precondition:
    condition: Hcl
    error_message: str


@dataclass(frozen=True)
class TfOutputSpec:
    name: TfOutput
    description: str
    value: Hcl
    preconditions: tuple[Precondition, ...] = ()


def ref(name: TfVar) -> str:
    return f"var.{name.value}"


def _matches(name: TfVar, pattern: str) -> Hcl:
    return Hcl(f"can(regex({hcl_string(f'^{pattern}$')}, {ref(name)}))")


def _all_match(name: TfVar, pattern: str) -> Hcl:
    anchored = hcl_string(f"^{pattern}$")
    return Hcl(f"alltrue([for value in {ref(name)} : can(regex({anchored}, value))])")


def _null_or(name: TfVar, condition: str) -> Hcl:
    # `||` does not short-circuit in Terraform before 1.12: a conditional keeps null away from it.
    return Hcl(f"{ref(name)} == null ? true : {condition}")


def v1_principal(config: Config) -> str:
    """The principal v1 falls back to: the config's when it configures v1, else the model's.

    A v2 config names one service's role; that is never a default for the legacy profile.
    """
    return contract.principal_for(model.V1, config) or ""


def _names(values: tuple[str, ...] | list[str]) -> Hcl:
    return hcl_value(list(values))


def _profile_variable() -> Variable:
    """Which of ClickHouse's contracts the key policy grants (model.PROFILES).

    The default is the one ClickHouse runs today; the legacy one is chosen explicitly, so a v2 role
    passed without a profile never gets v1's grant.
    """
    V = TfVar
    current_first = sorted(model.PROFILES.values(), key=lambda p: p.legacy)
    choices = " ".join(
        f'"{p.name}"{" (legacy: set it explicitly)" if p.legacy else " (the default)"}: {p.summary}'
        for p in current_first
    )
    return Variable(
        V.PROFILE,
        Hcl("string"),
        f"Which ClickHouse CMEK contract the key policy grants. {choices}",
        default=model.TF_DEFAULT_PROFILE,
        nullable=False,
        validations=(
            Validation(
                Hcl(f"contains({_names(list(model.PROFILES))}, {ref(V.PROFILE)})"),
                f"The {V.PROFILE.value} must be one of {', '.join(model.PROFILES)}.",
            ),
        ),
    )


def _profile_role_variable(config: Config) -> Variable:
    """The principal under a profile: v1 falls back to its shared role; v2 must be given its own.

    Null, not the v1 role, is the default, so the v1 default can never silently apply to v2.
    """
    V, arn = TfVar, ref(TfVar.CLICKHOUSE_ROLE_ARN)
    no_default = _names([p.name for p in model.PROFILES.values() if p.principal is None])
    v1_roles = _names(sorted({v1_principal(config), model.CLICKHOUSE_PRINCIPAL}))
    v1_suffix = hcl_string(f":role/{model.CLICKHOUSE_V1_ROLE_NAME}")
    return Variable(
        V.CLICKHOUSE_ROLE_ARN,
        Hcl("string"),
        f"ARN of the role the key policy grants. With {V.PROFILE.value} {model.V2.name} (the "
        f"default): required, {model.ENCRYPTION_ROLE_DESCRIPTION[0].lower()}"
        f"{model.ENCRYPTION_ROLE_DESCRIPTION[1:]} With {model.V1.name} (legacy): null means "
        f"ClickHouse's role {v1_principal(config)}.",
        default=None,
        validations=(
            Validation(
                _null_or(
                    V.CLICKHOUSE_ROLE_ARN, _matches(V.CLICKHOUSE_ROLE_ARN, model.ROLE_ARN_PATTERN)
                ),
                f"The {V.CLICKHOUSE_ROLE_ARN.value} must be an IAM role ARN like "
                f"{model.EXAMPLE_ROLE_ARN}.",
            ),
            Validation(
                Hcl(f"contains({no_default}, {ref(V.PROFILE)}) ? {arn} != null : true"),
                f"With {V.PROFILE.value} {model.V2.name} (the default), "
                f"{V.CLICKHOUSE_ROLE_ARN.value} is required: your service's "
                f"{model.ENCRYPTION_ROLE_CONSOLE_FIELD} in the ClickHouse Cloud console, "
                f"{model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE} (Terraform: "
                f"{model.CLICKHOUSE_SERVICE_RESOURCE}.<name>."
                f"{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}). "
                f'For the legacy {model.V1.name} grant set {V.PROFILE.value} = "{model.V1.name}".',
            ),
            Validation(
                _null_or(
                    V.CLICKHOUSE_ROLE_ARN,
                    f"(contains({no_default}, {ref(V.PROFILE)}) ? !contains({v1_roles}, {arn}) "
                    f"&& !endswith({arn}, {v1_suffix}) : true)",
                ),
                f"With {V.PROFILE.value} {model.V2.name}, {V.CLICKHOUSE_ROLE_ARN.value} must be "
                f"your service's own encryption role, not ClickHouse's v1 role "
                f"{model.CLICKHOUSE_V1_ROLE_NAME} (in any account).",
            ),
        ),
    )


def _principal_variables(config: Config) -> list[Variable]:
    """Whom the policies name: ClickHouse's role, the key owner's account and partition."""
    V = TfVar
    return [
        Variable(
            V.CLICKHOUSE_ROLE_ARN,
            Hcl("string"),
            model.PARAM_DESCRIPTIONS[model.Param.CLICKHOUSE_ROLE],
            default=v1_principal(config),
            nullable=False,
            validations=(
                Validation(
                    _matches(V.CLICKHOUSE_ROLE_ARN, model.ROLE_ARN_PATTERN),
                    f"The {V.CLICKHOUSE_ROLE_ARN.value} must be an IAM role ARN like "
                    f"{model.EXAMPLE_ROLE_ARN}.",
                ),
            ),
        ),
        Variable(
            V.ACCOUNT_ID,
            Hcl("string"),
            "ID of the AWS account that owns the key: its root is the key policy's administrator. "
            "Provider modules pass data.aws_caller_identity.",
            nullable=False,
            validations=(
                Validation(
                    _matches(V.ACCOUNT_ID, model.ACCOUNT_PATTERN),
                    f"The {V.ACCOUNT_ID.value} must be 12 digits.",
                ),
            ),
        ),
        Variable(
            V.PARTITION,
            Hcl("string"),
            f"AWS partition of the account ({PARTITIONS_TEXT}), used in the root ARN. "
            "Provider modules pass data.aws_partition.",
            default=model.COMMERCIAL_PARTITION,
            nullable=False,
            validations=(
                Validation(
                    _matches(V.PARTITION, model.PARTITION_PATTERN),
                    f"The {V.PARTITION.value} must be {PARTITIONS_TEXT}.",
                ),
            ),
        ),
    ]


def _grant_variables() -> list[Variable]:
    """What is granted: the keys, the external ID and the key administrators."""
    V = TfVar
    return [
        Variable(
            V.KMS_KEY_ARNS,
            Hcl("list(string)"),
            "ARNs of the existing KMS keys ClickHouse may use. Empty gives no role policy.",
            default=[],
            nullable=False,
            validations=(
                Validation(
                    _all_match(V.KMS_KEY_ARNS, model.KEY_ARN_PATTERN),
                    f"Every element of {V.KMS_KEY_ARNS.value} must be KMS key ARNs (keys, not "
                    f"aliases) like {model.EXAMPLE_KEY_ARN}.",
                ),
            ),
        ),
        Variable(
            V.EXTERNAL_ID,
            Hcl("string"),
            model.PARAM_DESCRIPTIONS[model.Param.EXTERNAL_ID] + " Null also means none.",
            default=None,
            validations=(
                Validation(
                    _null_or(
                        V.EXTERNAL_ID,
                        f"(length({ref(V.EXTERNAL_ID)}) <= {model.EXTERNAL_ID_MAX} && "
                        f"{_matches(V.EXTERNAL_ID, EXTERNAL_ID_RE2_PATTERN)})",
                    ),
                    f"The {V.EXTERNAL_ID.value} must be empty or {model.EXTERNAL_ID_MIN}-"
                    f"{model.EXTERNAL_ID_MAX} characters of {model.EXTERNAL_ID_CHARS_TEXT}.",
                ),
            ),
        ),
        Variable(
            V.KEY_ADMINISTRATOR_ARNS,
            Hcl("list(string)"),
            "IAM roles or users that may manage (not use) the key, as in the KMS console's key "
            "administrators statement. The account root can always manage it.",
            default=[],
            nullable=False,
            validations=(
                Validation(
                    _all_match(V.KEY_ADMINISTRATOR_ARNS, model.KEY_ADMIN_ARN_PATTERN),
                    f"Every element of {V.KEY_ADMINISTRATOR_ARNS.value} must be an IAM role or "
                    "user ARN.",
                ),
            ),
        ),
    ]


def _role_name_variables() -> list[Variable]:
    """How the role is named."""
    V = TfVar
    return [
        Variable(
            V.ROLE_NAME,
            Hcl("string"),
            f"Name of the IAM role. Null gives a unique name starting with "
            f"{V.ROLE_NAME_PREFIX.value}.",
            default=None,
            validations=(
                Validation(
                    _null_or(V.ROLE_NAME, _matches(V.ROLE_NAME, model.ROLE_NAME_PATTERN)),
                    f"The {V.ROLE_NAME.value} must be 1-{model.ROLE_NAME_MAX} letters, digits "
                    "and +=,.@_-.",
                ),
            ),
        ),
        Variable(
            V.ROLE_NAME_PREFIX,
            Hcl("string"),
            f"Prefix of the generated role name when {V.ROLE_NAME.value} is null; Terraform "
            f"appends {model.TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH} unique characters.",
            default=model.ROLE_NAME_PREFIX,
            nullable=False,
            validations=(
                Validation(
                    _matches(V.ROLE_NAME_PREFIX, model.ROLE_NAME_PREFIX_PATTERN),
                    f"The {V.ROLE_NAME_PREFIX.value} must be 1-"
                    f"{model.ROLE_NAME_MAX - model.TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH} letters, "
                    "digits and +=,.@_-.",
                ),
            ),
        ),
    ]


def _role_variables() -> list[Variable]:
    """Where the role lives and what bounds it."""
    V = TfVar
    return [
        Variable(
            V.ROLE_PATH,
            Hcl("string"),
            "IAM path of the role.",
            default="/",
            nullable=False,
            validations=(
                Validation(
                    _matches(V.ROLE_PATH, model.ROLE_PATH_PATTERN),
                    f"The {V.ROLE_PATH.value} must be / or start and end with / (printable ASCII).",
                ),
            ),
        ),
        Variable(
            V.ROLE_PERMISSIONS_BOUNDARY,
            Hcl("string"),
            "ARN of the managed policy that bounds the role's permissions, if your organisation "
            "requires one.",
            default=None,
            validations=(
                Validation(
                    _null_or(
                        V.ROLE_PERMISSIONS_BOUNDARY,
                        _matches(V.ROLE_PERMISSIONS_BOUNDARY, model.POLICY_ARN_PATTERN),
                    ),
                    f"The {V.ROLE_PERMISSIONS_BOUNDARY.value} must be an IAM policy ARN.",
                ),
            ),
        ),
    ]


def _key_variables() -> list[Variable]:
    """The new key's alias and description (null: the profile's title, so a v2 key says v2)."""
    V = TfVar
    return [
        Variable(
            V.ALIAS_NAME,
            Hcl("string"),
            "Alias of the new key, the name people find it by in the console.",
            default=f"{model.ALIAS_PREFIX}{model.DEFAULT_STACK_NAME}",
            nullable=False,
            validations=(
                Validation(
                    Hcl(
                        f"{_matches(V.ALIAS_NAME, model.KMS_ALIAS_PATTERN)} && "
                        f"!startswith({ref(V.ALIAS_NAME)}, "
                        f"{hcl_string(model.KMS_ALIAS_RESERVED_PREFIX)})"
                    ),
                    f"The {V.ALIAS_NAME.value} must start with alias/, not "
                    f"{model.KMS_ALIAS_RESERVED_PREFIX}, and hold only letters, digits and :/_-.",
                ),
            ),
        ),
        Variable(
            V.DESCRIPTION,
            Hcl("string"),
            f'Description of the new key. Null gives the {V.PROFILE.value}\'s title and "key" '
            f'("{model.V2.title} key" with {model.V2.name}).',
            default=None,
            validations=(
                Validation(
                    _null_or(
                        V.DESCRIPTION,
                        f"length({ref(V.DESCRIPTION)}) <= {model.KMS_DESCRIPTION_MAX}",
                    ),
                    f"The {V.DESCRIPTION.value} must be at most {model.KMS_DESCRIPTION_MAX} "
                    "characters.",
                ),
            ),
        ),
    ]


def _key_lifecycle_variables() -> list[Variable]:
    """Whether the new key is multi-Region and how long it stays recoverable."""
    V = TfVar
    return [
        Variable(
            V.MULTI_REGION,
            Hcl("bool"),
            "Create a multi-Region primary key, so replicas in other Regions can decrypt.",
            default=False,
            nullable=False,
        ),
        Variable(
            V.DELETION_WINDOW_IN_DAYS,
            Hcl("number"),
            "Days a deleted key stays recoverable. Deleting the key destroys the service and its "
            "backups, hence the longest window by default.",
            default=model.PENDING_WINDOW_DAYS,
            nullable=False,
            validations=(
                Validation(
                    Hcl(
                        f"{ref(V.DELETION_WINDOW_IN_DAYS)} >= {model.PENDING_WINDOW_MIN_DAYS} && "
                        f"{ref(V.DELETION_WINDOW_IN_DAYS)} <= {model.PENDING_WINDOW_MAX_DAYS} && "
                        f"floor({ref(V.DELETION_WINDOW_IN_DAYS)}) == "
                        f"{ref(V.DELETION_WINDOW_IN_DAYS)}"
                    ),
                    f"The {V.DELETION_WINDOW_IN_DAYS.value} must be a whole number from "
                    f"{model.PENDING_WINDOW_MIN_DAYS} to {model.PENDING_WINDOW_MAX_DAYS}.",
                ),
            ),
        ),
    ]


def _root_variables() -> list[Variable]:
    """What every resource and every example takes: tags, and the Region."""
    V = TfVar
    return [
        Variable(
            V.TAGS,
            Hcl("map(string)"),
            "Tags for every resource the module creates.",
            default={},
            nullable=False,
        ),
        Variable(
            V.REGION,
            Hcl("string"),
            "AWS Region to create the resources in.",
            nullable=False,
            validations=(
                Validation(
                    _matches(V.REGION, model.REGION_PATTERN),
                    f"The {V.REGION.value} must be a Region name like {model.EXAMPLE_REGION}.",
                ),
            ),
        ),
    ]


def clickhouse_region_variable() -> Variable:
    """The Region of a ClickHouse example: one of ClickHouse Cloud's AWS Regions (the key must
    live in the service's Region)."""
    V = TfVar
    return Variable(
        V.REGION,
        Hcl("string"),
        "AWS Region of the ClickHouse service and its key (one of ClickHouse Cloud's AWS Regions).",
        nullable=False,
        validations=(
            Validation(
                Hcl(f"contains({_names(model.CLICKHOUSE_AWS_REGIONS)}, {ref(V.REGION)})"),
                f"The {V.REGION.value} must be one of ClickHouse Cloud's AWS Regions: "
                f"{', '.join(model.CLICKHOUSE_AWS_REGIONS)}.",
            ),
        ),
    )


def service_alias_variable() -> Variable:
    """The alias of a key made for one service: null gives one named after the service's ID, so
    two services' keys never compete for one alias."""
    V = TfVar
    return Variable(
        V.ALIAS_NAME,
        Hcl("string"),
        f"Alias of the new key. Null gives {model.ALIAS_PREFIX}<service ID>, unique per service.",
        default=None,
        validations=(
            Validation(
                _null_or(
                    V.ALIAS_NAME,
                    f"{_matches(V.ALIAS_NAME, model.KMS_ALIAS_PATTERN)} && "
                    f"!startswith({ref(V.ALIAS_NAME)}, "
                    f"{hcl_string(model.KMS_ALIAS_RESERVED_PREFIX)})",
                ),
                f"The {V.ALIAS_NAME.value} must start with alias/, not "
                f"{model.KMS_ALIAS_RESERVED_PREFIX}, and hold only letters, digits and :/_-.",
            ),
        ),
    )


def _memory_variables() -> list[Variable]:
    """Per-replica memory: the provider requires both on create for every tier but development."""
    V = TfVar
    low, high = ref(V.MIN_REPLICA_MEMORY_GB), ref(V.MAX_REPLICA_MEMORY_GB)

    def whole(name: TfVar, default: int, what: str, extra: tuple[Validation, ...] = ()) -> Variable:
        return Variable(
            name,
            Hcl("number"),
            f"{what} memory of one replica of the service, in GiB (ClickHouse's TDE example: "
            f"{default}).",
            default=default,
            nullable=False,
            validations=(
                Validation(
                    Hcl(f"{ref(name)} > 0 && floor({ref(name)}) == {ref(name)}"),
                    f"The {name.value} must be a whole number of GiB above 0.",
                ),
                *extra,
            ),
        )

    return [
        whole(V.MIN_REPLICA_MEMORY_GB, model.CLICKHOUSE_TDE_MIN_REPLICA_MEMORY_GB, "Minimum"),
        whole(
            V.MAX_REPLICA_MEMORY_GB,
            model.CLICKHOUSE_TDE_MAX_REPLICA_MEMORY_GB,
            "Maximum",
            (
                Validation(
                    Hcl(f"{high} >= {low}"),
                    f"The {V.MAX_REPLICA_MEMORY_GB.value} must be at least the "
                    f"{V.MIN_REPLICA_MEMORY_GB.value}.",
                ),
            ),
        ),
    ]


def _existing_service_variables() -> list[Variable]:
    """The service whose role is granted, and the existing key in the service's Region."""
    V = TfVar
    key = ref(V.KMS_KEY_ARN)
    return [
        Variable(
            V.SERVICE_ID,
            Hcl("string"),
            "ID of the existing ClickHouse service (created with Transparent Data Encryption).",
            nullable=False,
            validations=(
                Validation(
                    _matches(V.SERVICE_ID, model.CLICKHOUSE_SERVICE_ID_PATTERN),
                    f"The {V.SERVICE_ID.value} must be a service ID (a UUID).",
                ),
            ),
        ),
        Variable(
            V.KMS_KEY_ARN,
            Hcl("string"),
            "ARN of the existing KMS key, in the service's Region and your AWS provider's account.",
            nullable=False,
            validations=(
                Validation(
                    Hcl(
                        f"{_matches(V.KMS_KEY_ARN, model.KEY_ARN_PATTERN)} ? "
                        f'split(":", {key})[3] == {ref(V.REGION)} : false'
                    ),
                    f"The {V.KMS_KEY_ARN.value} must be a KMS key ARN (a key, not an alias) in "
                    f"the {V.REGION.value}, like {model.EXAMPLE_KEY_ARN}.",
                ),
            ),
        ),
    ]


def _additional_documents_variable() -> Variable:
    """The customer's own key-policy statements, kept in a policy this module's output replaces."""
    V = TfVar
    docs = ref(V.ADDITIONAL_KEY_POLICY_DOCUMENTS)
    ours = sorted(
        {
            model.KEY_POLICY_ROOT_SID,
            model.KEY_POLICY_ADMIN_SID,
            *(p.key_policy_sid for p in model.PROFILES.values()),
        }
    )
    statements = f"flatten([for doc in {docs} : try(jsondecode(doc).Statement, [])])"
    return Variable(
        V.ADDITIONAL_KEY_POLICY_DOCUMENTS,
        Hcl("list(string)"),
        "Key-policy documents (JSON) whose statements are appended to the key policy after this "
        "module's: your own statements, kept when the key policy is replaced whole.",
        default=[],
        nullable=False,
        validations=(
            Validation(
                Hcl(f"alltrue([for doc in {docs} : can(jsondecode(doc).Statement[0])])"),
                f"Every element of {V.ADDITIONAL_KEY_POLICY_DOCUMENTS.value} must be a JSON "
                'policy document with a "Statement" list.',
            ),
            Validation(
                Hcl(
                    f'alltrue([for s in {statements} : !contains({_names(ours)}, try(s.Sid, ""))])'
                ),
                f"Statements in {V.ADDITIONAL_KEY_POLICY_DOCUMENTS.value} must not use the Sids "
                f"this module writes ({', '.join(ours)}): leave your copies of those out.",
            ),
        ),
    )


def _clickhouse_provider_variables() -> list[Variable]:
    """The ClickHouse provider example's own inputs: the API credentials and the service."""
    V = TfVar

    def text(name: TfVar, description: str, sensitive: bool = False) -> Variable:
        return Variable(name, Hcl("string"), description, nullable=False, sensitive=sensitive)

    return [
        text(V.ORGANIZATION_ID, "ID of your ClickHouse Cloud organization (provider argument)."),
        text(V.TOKEN_KEY, "Key ID of a ClickHouse Cloud API key that may create services."),
        text(V.TOKEN_SECRET, "Secret of that API key; pass it as TF_VAR_token_secret.", True),
        text(
            V.SERVICE_NAME,
            "Name of the ClickHouse service to create, with Transparent Data Encryption "
            "(Enterprise plan).",
        ),
        Variable(
            V.SERVICE_PASSWORD_HASH,
            Hcl("string"),
            "Base64 of the SHA-256 of the default user's password (the provider's password_hash); "
            "pass it as TF_VAR_service_password_hash.",
            nullable=False,
            sensitive=True,
            validations=(
                Validation(
                    _matches(V.SERVICE_PASSWORD_HASH, model.SHA256_BASE64_PATTERN),
                    f"The {V.SERVICE_PASSWORD_HASH.value} must be a base64 SHA-256 digest "
                    "(44 characters ending in =).",
                ),
            ),
        ),
        Variable(
            V.IP_ACCESS,
            Hcl("list(object({ source = string, description = string }))"),
            "Addresses (IP or CIDR) allowed to connect to the service, each with a description.",
            nullable=False,
        ),
    ]


def variables(config: Config) -> dict[TfVar, Variable]:
    """Every variable any module or example declares, validated where a value can be wrong."""
    specs = [
        _profile_variable(),
        *_principal_variables(config),
        *_grant_variables(),
        *_role_name_variables(),
        *_role_variables(),
        *_key_variables(),
        *_key_lifecycle_variables(),
        *_root_variables(),
        *_clickhouse_provider_variables(),
        *_memory_variables(),
        *_existing_service_variables(),
        _additional_documents_variable(),
    ]
    return {spec.name: spec for spec in specs}


def module_variables(config: Config) -> dict[TfModule, list[Variable]]:
    specs = variables(config)
    keys = specs[TfVar.KMS_KEY_ARNS]
    # The role module exists to use existing keys: at least one, as the stack's Rule demands.
    specs_by_module = {module: dict(specs) for module in TfModule}
    # The modules with a profile take their principal under it; the role module stays v1's.
    for module in (TfModule.POLICY, TfModule.NEW_KEY):
        specs_by_module[module][TfVar.CLICKHOUSE_ROLE_ARN] = _profile_role_variable(config)
    specs_by_module[TfModule.EXISTING_KEY][TfVar.KMS_KEY_ARNS] = dataclasses.replace(
        keys,
        description="ARNs of the existing KMS keys ClickHouse may use (keys, not aliases).",
        default=_REQUIRED,
        validations=(
            Validation(
                Hcl(f"length({ref(TfVar.KMS_KEY_ARNS)}) > 0"),
                f"The {TfVar.KMS_KEY_ARNS.value} must list at least one KMS key ARN.",
            ),
            *keys.validations,
        ),
    )
    return {
        module: [specs_by_module[module][name] for name in model.TF_INPUTS[module]]
        for module in TfModule
    }


def _policy_outputs() -> list[TfOutputSpec]:
    out = TfOutput

    def within(local: str, maximum: int, what: str) -> tuple[Precondition, ...]:
        # Whitespace does not count towards the limits, and jsonencode writes none.
        return (
            Precondition(
                Hcl(f"length(jsonencode(local.{local})) <= {maximum}"),
                f"{what} is longer than the limit of {maximum} characters.",
            ),
        )

    # Trust and role policies exist only for profiles that grant a role in the customer's account.
    has_role = f"contains({_names(model.TF_ROLE_PROFILES)}, {ref(TfVar.PROFILE)})"
    no_role = (
        f"Null with {TfVar.PROFILE.value} {model.V2.name}, which creates no role in your account."
    )
    return [
        TfOutputSpec(
            out.KEY_POLICY_JSON,
            "Key policy for a new key: the account root (so IAM policies apply), any key "
            "administrators, and ClickHouse with the profile's actions and Sid.",
            Hcl("jsonencode(local.key_policy)"),
            within("key_policy", model.KEY_POLICY_MAX_BYTES, "The key policy"),
        ),
        TfOutputSpec(
            out.CLICKHOUSE_STATEMENT_JSON,
            "A policy document holding only ClickHouse's key-policy statement (the profile's Sid, "
            "actions and principal), for a key policy you build yourself: pass it in "
            "source_policy_documents of data.aws_iam_policy_document.",
            Hcl("jsonencode(local.clickhouse_statement_policy)"),
        ),
        TfOutputSpec(
            out.TRUST_POLICY_JSON,
            "Trust policy of the role ClickHouse assumes, with the sts:ExternalId condition when "
            f"an external ID is set. {no_role}",
            Hcl(f"{has_role} ? jsonencode(local.trust_policy) : null"),
            within("trust_policy", model.TRUST_POLICY_MAX_CHARS, "The trust policy"),
        ),
        TfOutputSpec(
            out.ROLE_POLICY_JSON,
            "Inline policy of that role: the profile's actions on exactly the given keys. Null "
            f'when there are no keys, so Resource is never "*". {no_role}',
            Hcl(
                f"{has_role} && length({ref(TfVar.KMS_KEY_ARNS)}) > 0 ? "
                "jsonencode(local.role_policy) : null"
            ),
            within("role_policy", model.ROLE_POLICIES_MAX_CHARS, "The role policy"),
        ),
    ]


def module_outputs() -> dict[TfModule, list[TfOutputSpec]]:
    out = TfOutput
    descriptions = {o: model.OUTPUT_DESCRIPTIONS[c] for c, o in model.TF_OUTPUT_BY_OUTPUT.items()}
    return {
        TfModule.POLICY: _policy_outputs(),
        TfModule.EXISTING_KEY: [
            TfOutputSpec(out.ROLE_ARN, descriptions[out.ROLE_ARN], Hcl("aws_iam_role.this.arn")),
            TfOutputSpec(
                out.KEY_ARN,
                f"{descriptions[out.KEY_ARN]} The first of {TfVar.KMS_KEY_ARNS.value}.",
                Hcl(f"{ref(TfVar.KMS_KEY_ARNS)}[0]"),
            ),
            TfOutputSpec(out.KEY_ARNS, "All keys the role may use.", Hcl(ref(TfVar.KMS_KEY_ARNS))),
        ],
        TfModule.NEW_KEY: [
            TfOutputSpec(out.KEY_ARN, descriptions[out.KEY_ARN], Hcl("aws_kms_key.this.arn")),
            TfOutputSpec(out.KEY_ID, "ID of the new key.", Hcl("aws_kms_key.this.key_id")),
            TfOutputSpec(out.ALIAS_NAME, "Alias of the new key.", Hcl("aws_kms_alias.this.name")),
            TfOutputSpec(out.ALIAS_ARN, "ARN of the alias.", Hcl("aws_kms_alias.this.arn")),
        ],
    }
