"""Model -> Terraform modules and examples, through the Jinja2 templates under templates/terraform/.

The variables and outputs of every module are data here (`Variable`, `TfOutputSpec`), so the
`variables.tf`/`outputs.tf` files and the README tables are rendered from the same facts and can
never disagree. Module bodies (`main.tf`) and the native tests are templates.

Every value that reaches an HCL file goes through `hcl_value`: the HCL environment's `finalize`
refuses any `{{ ... }}` result that is not already `Hcl` text, so a template cannot write a raw
string by forgetting a filter.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import model
from generator.config import Config
from generator.model import TfModule, TfOutput, TfVar
from generator.render.docs import TEMPLATES_DIR

# Example values for tfvars, the native tests and the READMEs: AWS's documentation ARNs, reused
# from the validation messages so that one example account exists in the project.

# RE2 (Terraform's regex engine) rejects counted repetition above 1000, so the external ID's upper
# bound moves from the pattern into a length() test.
EXTERNAL_ID_RE2_PATTERN = model.EXTERNAL_ID_PATTERN.replace(f",{model.EXTERNAL_ID_MAX}}}", ",}")

# The one local name each provider module gives the cmek-policy module block.
POLICY_MODULE_NAME = "policy"
# The one local name each example gives its module block.
EXAMPLE_MODULE_NAME = "cmek"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters written as \u escapes: controls, format characters, separators other than the plain
# space, private-use and unassigned code points. They are legal inside an HCL string but invisible
# or confusing in a file a reviewer reads.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"})


class Hcl(str):
    """HCL source text that is safe to write as is: an escaped value or code from this module."""


def hcl_string(value: str) -> Hcl:
    """`value` as a quoted HCL string literal that Terraform reads back as exactly `value`.

    Escapes backslash, quote and control characters, and doubles the `$`/`%` of `${`/`%{` so a
    value can never start an interpolation or a template directive. HCL normalises every string
    literal to Unicode NFC (escapes included, measured with Terraform 1.11), so a non-NFC value
    cannot survive the round trip and is refused rather than silently changed; lone surrogates
    cannot be written as UTF-8 and are refused too.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected a string to write as HCL, got {type(value).__name__}")
    if unicodedata.normalize("NFC", value) != value:
        raise ValueError(f"{value!r} is not NFC-normalised; HCL would change it")
    out = []
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError(f"{value!r} holds a lone surrogate, which is not text")
        elif char != " " and unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    text = "".join(out).replace("${", "$${").replace("%{", "%%{")
    return Hcl(f'"{text}"')


def hcl_value(value: Any) -> Hcl:
    """A Python value as an HCL expression on one line (strings through `hcl_string`)."""
    if isinstance(value, Hcl):
        return value
    if value is None:
        return Hcl("null")
    if isinstance(value, bool):
        return Hcl("true" if value else "false")
    if isinstance(value, int):
        return Hcl(str(value))
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Mapping):
        if not value:
            return Hcl("{}")
        items = ", ".join(f"{hcl_string(k)} = {hcl_value(v)}" for k, v in value.items())
        return Hcl(f"{{ {items} }}")
    if isinstance(value, Sequence):
        return Hcl("[" + ", ".join(hcl_value(v) for v in value) + "]")
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def hcl_identifier(name: str, width: int = 0) -> Hcl:
    """A block label or attribute name, padded to `width` (what `terraform fmt` aligns)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not an HCL identifier")
    return Hcl(str(name).ljust(width))


def hcl_comment(text: str) -> Hcl:
    """Text for a `#` comment line: a line break would end the comment and start code."""
    if "\n" in text or "\r" in text:
        raise ValueError(f"{text!r} cannot be a one-line comment")
    return Hcl(text)


def _only_hcl(value: Any) -> Hcl:
    if isinstance(value, Hcl):
        return value
    raise TypeError(f"unescaped value {value!r} in an HCL template: pipe it through | hcl")


# --- Interfaces ---------------------------------------------------------------------------------
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


def _ref(name: TfVar) -> str:
    return f"var.{name.value}"


def _matches(name: TfVar, pattern: str) -> Hcl:
    return Hcl(f"can(regex({hcl_string(f'^{pattern}$')}, {_ref(name)}))")


def _all_match(name: TfVar, pattern: str) -> Hcl:
    anchored = hcl_string(f"^{pattern}$")
    return Hcl(f"alltrue([for value in {_ref(name)} : can(regex({anchored}, value))])")


def _null_or(name: TfVar, condition: str) -> Hcl:
    # `||` does not short-circuit in Terraform before 1.12: a conditional keeps null away from it.
    return Hcl(f"{_ref(name)} == null ? true : {condition}")


def _variables(config: Config) -> dict[TfVar, Variable]:
    """Every variable any module or example declares, validated where a value can be wrong."""
    V = TfVar
    role_arn_rule = f"must be an IAM role ARN like {model.EXAMPLE_ROLE_ARN}."
    key_arn_rule = f"must be KMS key ARNs (keys, not aliases) like {model.EXAMPLE_KEY_ARN}."
    window = (model.PENDING_WINDOW_MIN_DAYS, model.PENDING_WINDOW_MAX_DAYS)
    specs = [
        Variable(
            V.CLICKHOUSE_ROLE_ARN,
            Hcl("string"),
            model.PARAM_DESCRIPTIONS[model.Param.CLICKHOUSE_ROLE],
            default=config.principal,
            nullable=False,
            validations=(
                Validation(
                    _matches(V.CLICKHOUSE_ROLE_ARN, model.ROLE_ARN_PATTERN),
                    f"The {V.CLICKHOUSE_ROLE_ARN.value} {role_arn_rule}",
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
            "AWS partition of the account (aws, aws-cn or aws-us-gov), used in the root ARN. "
            "Provider modules pass data.aws_partition.",
            default=model.COMMERCIAL_PARTITION,
            nullable=False,
            validations=(
                Validation(
                    _matches(V.PARTITION, model.PARTITION_PATTERN),
                    f"The {V.PARTITION.value} must be aws, aws-cn or aws-us-gov.",
                ),
            ),
        ),
        Variable(
            V.KMS_KEY_ARNS,
            Hcl("list(string)"),
            "ARNs of the existing KMS keys ClickHouse may use. Empty gives no role policy.",
            default=[],
            nullable=False,
            validations=(
                Validation(
                    _all_match(V.KMS_KEY_ARNS, model.KEY_ARN_PATTERN),
                    f"Every element of {V.KMS_KEY_ARNS.value} {key_arn_rule}",
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
                        f"(length({_ref(V.EXTERNAL_ID)}) <= {model.EXTERNAL_ID_MAX} && "
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
                        f"!startswith({_ref(V.ALIAS_NAME)}, "
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
            "Description of the new key.",
            default=f"{config.profile.title} key",
            nullable=False,
            validations=(
                Validation(
                    Hcl(f"length({_ref(V.DESCRIPTION)}) <= {model.KMS_DESCRIPTION_MAX}"),
                    f"The {V.DESCRIPTION.value} must be at most {model.KMS_DESCRIPTION_MAX} "
                    "characters.",
                ),
            ),
        ),
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
                        f"{_ref(V.DELETION_WINDOW_IN_DAYS)} >= {window[0]} && "
                        f"{_ref(V.DELETION_WINDOW_IN_DAYS)} <= {window[1]} && "
                        f"floor({_ref(V.DELETION_WINDOW_IN_DAYS)}) == "
                        f"{_ref(V.DELETION_WINDOW_IN_DAYS)}"
                    ),
                    f"The {V.DELETION_WINDOW_IN_DAYS.value} must be a whole number from "
                    f"{window[0]} to {window[1]}.",
                ),
            ),
        ),
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
    return {spec.name: spec for spec in specs}


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

    return [
        TfOutputSpec(
            out.KEY_POLICY_JSON,
            "Key policy for a new key: the account root (so IAM policies apply), any key "
            "administrators, and ClickHouse with the profile's actions.",
            Hcl("jsonencode(local.key_policy)"),
            within("key_policy", model.KEY_POLICY_MAX_BYTES, "The key policy"),
        ),
        TfOutputSpec(
            out.TRUST_POLICY_JSON,
            "Trust policy of the role ClickHouse assumes, with the sts:ExternalId condition when "
            "an external ID is set.",
            Hcl("jsonencode(local.trust_policy)"),
            within("trust_policy", model.TRUST_POLICY_MAX_CHARS, "The trust policy"),
        ),
        TfOutputSpec(
            out.ROLE_POLICY_JSON,
            "Inline policy of that role: the profile's actions on exactly the given keys. Null "
            'when there are no keys, so Resource is never "*".',
            Hcl(f"length({_ref(TfVar.KMS_KEY_ARNS)}) > 0 ? jsonencode(local.role_policy) : null"),
            within("role_policy", model.ROLE_POLICIES_MAX_CHARS, "The role policy"),
        ),
    ]


def _module_outputs() -> dict[TfModule, list[TfOutputSpec]]:
    out = TfOutput
    descriptions = {o: model.OUTPUT_DESCRIPTIONS[c] for c, o in model.TF_OUTPUT_BY_OUTPUT.items()}
    return {
        TfModule.POLICY: _policy_outputs(),
        TfModule.EXISTING_KEY: [
            TfOutputSpec(out.ROLE_ARN, descriptions[out.ROLE_ARN], Hcl("aws_iam_role.this.arn")),
            TfOutputSpec(
                out.KEY_ARN,
                f"{descriptions[out.KEY_ARN]} The first of {TfVar.KMS_KEY_ARNS.value}.",
                Hcl(f"{_ref(TfVar.KMS_KEY_ARNS)}[0]"),
            ),
            TfOutputSpec(out.KEY_ARNS, "All keys the role may use.", Hcl(_ref(TfVar.KMS_KEY_ARNS))),
        ],
        TfModule.NEW_KEY: [
            TfOutputSpec(out.KEY_ARN, descriptions[out.KEY_ARN], Hcl("aws_kms_key.this.arn")),
            TfOutputSpec(out.KEY_ID, "ID of the new key.", Hcl("aws_kms_key.this.key_id")),
            TfOutputSpec(out.ALIAS_NAME, "Alias of the new key.", Hcl("aws_kms_alias.this.name")),
            TfOutputSpec(out.ALIAS_ARN, "ARN of the alias.", Hcl("aws_kms_alias.this.arn")),
        ],
    }


@dataclass(frozen=True)
class ModuleDoc:
    """What a module README says besides its tables: the summary, a usage block and notes."""

    summary: str
    twin: str
    usage: dict[TfVar, Any]
    notes: tuple[str, ...] = ()


def _module_docs() -> dict[TfModule, ModuleDoc]:
    V = TfVar
    data_sources = {
        V.ACCOUNT_ID: Hcl("data.aws_caller_identity.current.account_id"),
        V.PARTITION: Hcl("data.aws_partition.current.partition"),
    }
    existing, new = model.STACK_EXISTING_KEY, model.STACK_NEW_KEY
    return {
        TfModule.POLICY: ModuleDoc(
            "The policy documents of ClickHouse's access, and nothing else: no provider and no "
            "resources, so Terraform can test and apply it offline. The other modules take their "
            "policies from it.",
            "the policies of all three templates",
            {**data_sources, V.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN]},
        ),
        TfModule.EXISTING_KEY: ModuleDoc(
            existing.summary,
            f"`{existing.filename}`",
            {V.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN]},
            (
                "Each key's own key policy must let IAM policies grant access (the default key "
                "policy's account-root statement does); otherwise add ClickHouse's statement to it "
                f"by hand, as `{model.SNIPPET_FILE}` shows.",
                f"Paste `{TfOutput.ROLE_ARN.value}` and `{TfOutput.KEY_ARN.value}` into the "
                "ClickHouse Cloud console.",
            ),
        ),
        TfModule.NEW_KEY: ModuleDoc(
            new.summary,
            f"`{new.filename}`",
            {V.ALIAS_NAME: f"{model.ALIAS_PREFIX}{model.DEFAULT_STACK_NAME}"},
            (
                "The key has `prevent_destroy`, as the stack's key is retained: deleting it "
                "destroys the ClickHouse service and its backups, so `terraform destroy` fails "
                "until you remove that block on purpose.",
                f"Paste `{TfOutput.KEY_ARN.value}` into the ClickHouse Cloud console.",
            ),
        ),
    }


@dataclass(frozen=True)
class Example:
    """A root module a user copies: a provider block, one module call and its outputs."""

    mode: model.Mode
    inputs: tuple[TfVar, ...]
    tfvars: dict[TfVar, Any]
    optional: dict[TfVar, Any]

    @property
    def module(self) -> TfModule:
        return model.TF_MODULE_BY_MODE[self.mode]

    @property
    def path(self) -> str:
        return f"{model.TERRAFORM_EXAMPLES_DIR}/{self.mode.value}"

    @property
    def source(self) -> str:
        return posixpath.relpath(self.module.path, self.path)

    @property
    def summary(self) -> str:
        return next(s.summary for s in model.STACKS if s.modes == (self.mode,))


def _examples(config: Config) -> list[Example]:
    V = TfVar
    common = {V.REGION: model.EXAMPLE_REGION, V.CLICKHOUSE_ROLE_ARN: config.principal}
    return [
        Example(
            model.Mode.EXISTING_KEY,
            (V.CLICKHOUSE_ROLE_ARN, V.KMS_KEY_ARNS, V.EXTERNAL_ID),
            {**common, V.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN]},
            {V.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID},
        ),
        Example(
            model.Mode.NEW_KEY,
            (V.CLICKHOUSE_ROLE_ARN, V.ALIAS_NAME, V.KEY_ADMINISTRATOR_ARNS),
            {**common, V.ALIAS_NAME: f"{model.ALIAS_PREFIX}{model.DEFAULT_STACK_NAME}"},
            {V.KEY_ADMINISTRATOR_ARNS: [model.EXAMPLE_ROLE_ARN]},
        ),
    ]


def partitions() -> tuple[str, ...]:
    """The partitions `model.PARTITION_PATTERN` accepts, read off its `base(-a|-b)?` form."""
    m = re.fullmatch(r"([a-z]+)\(((?:-[a-z-]+\|?)+)\)\?", model.PARTITION_PATTERN)
    if not m:
        raise ValueError(f"cannot expand PARTITION_PATTERN {model.PARTITION_PATTERN!r}")
    base, suffixes = m.groups()
    return (base, *(base + suffix for suffix in suffixes.split("|")))


# --- Rendering ----------------------------------------------------------------------------------
def _environments():
    """Two Jinja2 environments over templates/terraform: strict HCL, and Markdown."""
    import jinja2

    def make(**extra: Any) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR / model.TERRAFORM_DIR),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
            **extra,
        )
        env.filters.update(
            hcl=hcl_value, ident=hcl_identifier, comment=hcl_comment, md=_md_cell, rel=_relative
        )
        return env

    return make(finalize=_only_hcl), make()


def _md_cell(value: Any) -> str:
    """Text for a Markdown table cell: a pipe would start a new cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _relative(path: str) -> str:
    """A dist path as seen from terraform/README.md."""
    return posixpath.relpath(path, model.TERRAFORM_DIR)


def _module_variables(config: Config) -> dict[TfModule, list[Variable]]:
    specs = _variables(config)
    keys = specs[TfVar.KMS_KEY_ARNS]
    # The role module exists to use existing keys: at least one, as the stack's Rule demands.
    specs_by_module = {module: dict(specs) for module in TfModule}
    specs_by_module[TfModule.EXISTING_KEY][TfVar.KMS_KEY_ARNS] = dataclasses.replace(
        keys,
        description="ARNs of the existing KMS keys ClickHouse may use (keys, not aliases).",
        default=_REQUIRED,
        validations=(
            Validation(
                Hcl(f"length({_ref(TfVar.KMS_KEY_ARNS)}) > 0"),
                f"The {TfVar.KMS_KEY_ARNS.value} must list at least one KMS key ARN.",
            ),
            *keys.validations,
        ),
    )
    return {
        module: [specs_by_module[module][name] for name in model.TF_INPUTS[module]]
        for module in TfModule
    }


def _test_context() -> dict[str, Any]:
    """Values the native tests feed cmek-policy: valid examples and deliberately bad ones."""
    key_prefix = model.EXAMPLE_KEY_ARN[: model.EXAMPLE_KEY_ARN.index(":key/") + len(":key/")]
    key_suffix = model.EXAMPLE_KEY_ARN[len(key_prefix) + 8 :]
    return {
        "partitions": partitions(),
        "example_role_arn": model.EXAMPLE_ROLE_ARN,
        # An 11-digit account: one character short of a valid role ARN.
        "malformed_role_arn": model.EXAMPLE_ROLE_ARN.replace(
            f":{model.EXAMPLE_ACCOUNT}:", ":12345678901:"
        ),
        "example_alias_arn": f"{key_prefix[: -len('key/')]}alias/example",
        # Enough distinct key ARNs that the role policy cannot fit IAM's inline-policy limit.
        "too_many_keys": model.ROLE_POLICIES_MAX_CHARS // len(model.EXAMPLE_KEY_ARN) + 1,
        "key_arn_format": f"{key_prefix}%08x{key_suffix}",
    }


def artifacts(config: Config) -> dict[str, str]:
    """Every file under terraform/: the modules (with the policy tests), examples and a README."""
    hcl_env, md_env = _environments()
    module_variables = _module_variables(config)
    outputs = _module_outputs()
    examples = _examples(config)
    docs = _module_docs()
    context = {
        "version": hcl_comment(model.VERSION),
        "model": model,
        "profile": config.profile,
        "principal": config.principal,
        "V": TfVar,
        "O": TfOutput,
        "M": TfModule,
        "var": {v.name: Hcl(_ref(v)) for v in TfVar},
        "policy_module": POLICY_MODULE_NAME,
        "policy": {
            o.name: Hcl(f"module.{POLICY_MODULE_NAME}.{o.value}")
            for o in model.TF_OUTPUTS[TfModule.POLICY]
        },
        "example_module": EXAMPLE_MODULE_NAME,
        "examples": examples,
        "docs": docs,
        "example_account": model.EXAMPLE_ACCOUNT,
        "example_key_arn": model.EXAMPLE_KEY_ARN,
        "example_external_id": model.EXAMPLE_EXTERNAL_ID,
        **_test_context(),
    }

    def hcl(template: str, **extra: Any) -> str:
        return hcl_env.get_template(template).render(context, **extra)

    def md(template: str, **extra: Any) -> str:
        return md_env.get_template(template).render(context, **extra)

    files: dict[str, str] = {}
    for module in TfModule:
        provider = module is not TfModule.POLICY
        path = module.path
        files[f"{path}/main.tf"] = hcl(
            f"{module.name.lower()}.main.tf.j2",
            policy_source=posixpath.relpath(TfModule.POLICY.path, path),
        )
        files[f"{path}/variables.tf"] = hcl("variables.tf.j2", variables=module_variables[module])
        files[f"{path}/outputs.tf"] = hcl("outputs.tf.j2", outputs=outputs[module])
        files[f"{path}/versions.tf"] = hcl("versions.tf.j2", provider=provider)
        files[f"{path}/README.md"] = md(
            "module.README.md.j2",
            module=module,
            doc=docs[module],
            variables=module_variables[module],
            outputs=outputs[module],
            provider=provider,
        )
    policy = TfModule.POLICY
    files[f"{policy.path}/{model.TERRAFORM_TESTS_DIR}/{policy.value}.tftest.hcl"] = hcl(
        "policy.tftest.hcl.j2"
    )
    for example in examples:
        by_name = {v.name: v for v in module_variables[example.module]}
        variables = [_variables(config)[TfVar.REGION], *(by_name[v] for v in example.inputs)]
        example_outputs = [
            TfOutputSpec(o.name, o.description, Hcl(f"module.{EXAMPLE_MODULE_NAME}.{o.name}"))
            for o in outputs[example.module]
        ]
        path = example.path
        files[f"{path}/main.tf"] = hcl("example.main.tf.j2", example=example)
        files[f"{path}/variables.tf"] = hcl("variables.tf.j2", variables=variables)
        files[f"{path}/outputs.tf"] = hcl("outputs.tf.j2", outputs=example_outputs)
        files[f"{path}/versions.tf"] = hcl("versions.tf.j2", provider=True)
        files[f"{path}/terraform.tfvars.example"] = hcl(
            "terraform.tfvars.example.j2",
            example=example,
            variables={v.name: v for v in variables} | by_name,
        )
        files[f"{path}/README.md"] = md(
            "example.README.md.j2", example=example, variables=variables, outputs=example_outputs
        )
    files[f"{model.TERRAFORM_DIR}/README.md"] = md("README.md.j2")
    return files
