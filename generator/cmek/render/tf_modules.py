"""Model -> the files under terraform/: modules, their native tests, examples and READMEs.

The interface of each module (variables, outputs) is data in `tf_interface`; module bodies
(`main.tf`), the native tests and the READMEs are templates under templates/terraform.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from cmek import model
from cmek.config import Config
from cmek.model import TfModule, TfOutput, TfVar
from cmek.render import templating
from cmek.render.hcl import Hcl, hcl_comment, hcl_identifier, hcl_value, only_hcl
from cmek.render.tf_interface import (
    TfOutputSpec,
    Variable,
    clickhouse_region_variable,
    module_outputs,
    module_variables,
    ref,
    service_alias_variable,
    v1_principal,
    variables,
)

# The one local name each provider module gives the cmek-policy module block.
POLICY_MODULE_NAME = "policy"
# The one local name each example gives its module block.
EXAMPLE_MODULE_NAME = "cmek"


@dataclass(frozen=True)
class ModuleDoc:
    """What a module README says besides its tables: the summary, a usage block and notes."""

    summary: str
    twin: str
    usage: dict[TfVar, Any]
    notes: tuple[str, ...] = ()


def _v2_usage() -> tuple[dict[TfVar, Any], str]:
    """v2 first in the usage blocks: what a customer sets up today. Without the ClickHouse
    provider, the role is the service's Encryption role ID pasted as a string."""
    V = TfVar
    service = f"{model.CLICKHOUSE_SERVICE_RESOURCE}.{RESOURCE_NAME}"
    usage = {
        V.PROFILE: model.V2.name,
        V.CLICKHOUSE_ROLE_ARN: Hcl(f"{service}.{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}"),
    }
    note = (
        f'With `{V.PROFILE.value} = "{model.V2.name}"` (the default) the key policy grants the '
        f"service's own encryption role (Sid `{model.V2.key_policy_sid}`) and "
        f"`{V.CLICKHOUSE_ROLE_ARN.value}` is required: the {model.ENCRYPTION_ROLE_CONSOLE_FIELD} "
        f"in {model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE}. `{model.V1.name}` is legacy and chosen "
        f'explicitly (`{V.PROFILE.value} = "{model.V1.name}"`); with it the role may stay null '
        "for ClickHouse's shared v1 role."
    )
    return usage, note


def module_docs() -> dict[TfModule, ModuleDoc]:
    V = TfVar
    data_sources = {
        V.ACCOUNT_ID: Hcl("data.aws_caller_identity.current.account_id"),
        V.PARTITION: Hcl("data.aws_partition.current.partition"),
    }
    existing, new, v2 = model.STACK_EXISTING_KEY, model.STACK_NEW_KEY, model.STACK_V2_NEW_KEY
    v2_example = model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2
    v2_role, no_role = _v2_usage()
    existing_service = model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE
    return {
        TfModule.POLICY: ModuleDoc(
            "The policy documents of ClickHouse's access, and nothing else: no provider and no "
            "resources, so Terraform can test and apply it offline. The other modules take their "
            "policies from it.",
            "the policies of every template",
            {**v2_role, **data_sources},
            (
                no_role,
                f"`{TfOutput.TRUST_POLICY_JSON.value}` and `{TfOutput.ROLE_POLICY_JSON.value}` "
                f"are null with `{model.V2.name}`: v2 creates no role in your account.",
                f"`{V.ADDITIONAL_KEY_POLICY_DOCUMENTS.value}` appends your own statements to "
                f"`{TfOutput.KEY_POLICY_JSON.value}`, for a key whose policy is replaced whole "
                f"([`{posixpath.basename(existing_service)}`]"
                f"({posixpath.relpath(existing_service, TfModule.POLICY.path)})).",
            ),
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
            f"`{v2.filename}` ({model.V2.name}), `{new.filename}` ({model.V1.name})",
            {**v2_role, V.ALIAS_NAME: f"{model.ALIAS_PREFIX}{model.DEFAULT_STACK_NAME}"},
            (
                no_role,
                f"[`{posixpath.basename(v2_example)}`]"
                f"({posixpath.relpath(v2_example, TfModule.NEW_KEY.path)}) creates the service, "
                "this key and the association in one `terraform apply`.",
                "The key has `prevent_destroy`, as the stack's key is retained: deleting it "
                "destroys the ClickHouse service and its backups, so `terraform destroy` fails "
                "until you remove that block on purpose.",
                f"Paste `{TfOutput.KEY_ARN.value}` into the ClickHouse Cloud console.",
            ),
        ),
    }


# (local name, source, version) of each provider a configuration requires.
AWS_PROVIDER = ("aws", *model.TF_PROVIDER_PINS["aws"])
# The one local name the ClickHouse provider example gives each of its resources.
RESOURCE_NAME = "this"


def _clickhouse_provider(path: str) -> tuple[str, str, str]:
    """The ClickHouse provider's (local name, source, version) as the example at `path` pins it."""
    name = model.CLICKHOUSE_PROVIDER_NAME
    return (name, *model.tf_provider_pin(path, name))


@dataclass(frozen=True)
class Example:
    """A root module a user copies: providers, one module call, its outputs, maybe resources.

    `inputs` are module arguments passed from variables of the same name; `own` are variables
    only the example's own resources read; `outputs` are printed before the module's.
    """

    path: str
    module: TfModule
    summary: str
    inputs: tuple[TfVar, ...]
    tfvars: dict[TfVar, Any]
    optional: dict[TfVar, Any]
    template: str = "example.main.tf.j2"
    own: tuple[TfVar, ...] = ()
    outputs: dict[TfOutput, tuple[str, Hcl]] = field(default_factory=dict)
    providers: tuple[tuple[str, str, str], ...] = (AWS_PROVIDER,)
    # The module's outputs the example prints after its own (None: every one).
    printed: tuple[TfOutput, ...] | None = None
    # Variables that differ from the shared specification in this example (same name).
    overrides: tuple[Variable, ...] = ()

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def source(self) -> str:
        return posixpath.relpath(self.module.path, self.path)


def _mode_example(mode: model.Mode, inputs: tuple[TfVar, ...], tfvars: dict, optional: dict):
    return Example(
        model.TF_EXAMPLE_PATHS[mode],
        model.TF_MODULE_BY_MODE[mode],
        next(s.summary for s in model.STACKS if s.modes == (mode,) and s.profile.legacy),
        inputs,
        tfvars,
        optional,
    )


def clickhouse_provider_example() -> Example:
    """The service, its v2 key and the association, after ClickHouse's examples/full/tde/aws."""
    V = TfVar
    service = f"{model.CLICKHOUSE_SERVICE_RESOURCE}.{RESOURCE_NAME}"
    return Example(
        model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2,
        TfModule.NEW_KEY,
        "A ClickHouse service with Transparent Data Encryption, a new KMS key whose policy grants "
        "the service's own encryption role (CMEK v2), and the association that puts the service "
        "on the key: one `terraform apply`.",
        (V.ALIAS_NAME, V.KEY_ADMINISTRATOR_ARNS),
        {
            V.REGION: model.EXAMPLE_REGION,
            V.ORGANIZATION_ID: model.EXAMPLE_CLICKHOUSE_ORGANIZATION_ID,
            V.TOKEN_KEY: "EXAMPLEKEYID",
            V.SERVICE_NAME: "cmek-v2",
            V.IP_ACCESS: [{"source": "192.0.2.0/24", "description": "Office (example range)"}],
        },
        {V.KEY_ADMINISTRATOR_ARNS: [model.EXAMPLE_ROLE_ARN]},
        template="clickhouse_provider_v2.main.tf.j2",
        own=(
            *model.TF_CLICKHOUSE_SERVICE_INPUTS,
            V.MIN_REPLICA_MEMORY_GB,
            V.MAX_REPLICA_MEMORY_GB,
        ),
        outputs={
            TfOutput.SERVICE_ID: ("ID of the ClickHouse service.", Hcl(f"{service}.id")),
            TfOutput.ENCRYPTION_ROLE_ID: (
                "The service's encryption role, which the key policy grants.",
                Hcl(f"{service}.{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}"),
            ),
        },
        providers=(AWS_PROVIDER, _clickhouse_provider(model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2)),
        overrides=(clickhouse_region_variable(), service_alias_variable()),
    )


def existing_service_example() -> Example:
    """An existing service's role (read through the provider's data source) granted on an
    existing key whose policy this example then owns, and the association."""
    V = TfVar
    data = f"data.{model.CLICKHOUSE_SERVICE_DATA_SOURCE}.{RESOURCE_NAME}"
    return Example(
        model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE,
        TfModule.POLICY,
        "An existing ClickHouse service with Transparent Data Encryption, an existing KMS key: "
        "the key policy grants the service's own encryption role (CMEK v2), read through the "
        "provider's data source, and the association puts the service on the key.",
        (V.KEY_ADMINISTRATOR_ARNS, V.ADDITIONAL_KEY_POLICY_DOCUMENTS),
        {
            V.REGION: model.EXAMPLE_REGION,
            V.ORGANIZATION_ID: model.EXAMPLE_CLICKHOUSE_ORGANIZATION_ID,
            V.TOKEN_KEY: "EXAMPLEKEYID",
            V.SERVICE_ID: "11111111-2222-4333-8444-555555555555",
            V.KMS_KEY_ARN: model.EXAMPLE_KEY_ARN,
        },
        {V.KEY_ADMINISTRATOR_ARNS: [model.EXAMPLE_ROLE_ARN]},
        template="existing_service.main.tf.j2",
        own=(*model.TF_CLICKHOUSE_PROVIDER_INPUTS, V.SERVICE_ID, V.KMS_KEY_ARN),
        outputs={
            TfOutput.ENCRYPTION_ROLE_ID: (
                "The service's encryption role, which the key policy grants.",
                Hcl(f"{data}.{model.CLICKHOUSE_DATA_ROLE_ATTRIBUTE}"),
            ),
            TfOutput.KEY_ARN: ("The key the service is put on.", Hcl(ref(V.KMS_KEY_ARN))),
            TfOutput.KEY_POLICY_JSON: (
                "The key's whole policy as applied: this module's statements, then yours.",
                Hcl("aws_kms_key_policy.this.policy"),
            ),
        },
        providers=(
            AWS_PROVIDER,
            _clickhouse_provider(model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE),
        ),
        printed=(),
        overrides=(clickhouse_region_variable(),),
    )


def examples(config: Config) -> list[Example]:
    V = TfVar
    return [
        _mode_example(
            model.Mode.EXISTING_KEY,
            (V.CLICKHOUSE_ROLE_ARN, V.KMS_KEY_ARNS, V.EXTERNAL_ID),
            {
                V.REGION: model.EXAMPLE_REGION,
                V.CLICKHOUSE_ROLE_ARN: v1_principal(config),
                V.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN],
            },
            {V.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID},
        ),
        _mode_example(
            model.Mode.NEW_KEY,
            (V.PROFILE, V.CLICKHOUSE_ROLE_ARN, V.ALIAS_NAME, V.KEY_ADMINISTRATOR_ARNS),
            {
                V.REGION: model.EXAMPLE_REGION,
                V.PROFILE: model.CURRENT_PROFILE,
                V.CLICKHOUSE_ROLE_ARN: model.EXAMPLE_ROLE_ARN,
                V.ALIAS_NAME: f"{model.ALIAS_PREFIX}{model.DEFAULT_STACK_NAME}",
            },
            {V.KEY_ADMINISTRATOR_ARNS: [model.EXAMPLE_ROLE_ARN]},
        ),
        clickhouse_provider_example(),
        existing_service_example(),
    ]


# --- Rendering ----------------------------------------------------------------------------------
def _environments():
    """Two environments over templates/terraform: strict HCL, and Markdown."""

    def make(**extra: Any):
        env = templating.environment(
            model.TERRAFORM_DIR, trim_blocks=True, lstrip_blocks=True, **extra
        )
        env.filters.update(
            hcl=hcl_value, ident=hcl_identifier, comment=hcl_comment, md=_md_cell, rel=_relative
        )
        return env

    return make(finalize=only_hcl), make()


def _md_cell(value: Any) -> str:
    """Text for a Markdown table cell: a pipe would start a new cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _relative(path: str) -> str:
    """A dist path as seen from terraform/README.md."""
    return posixpath.relpath(path, model.TERRAFORM_DIR)


def _test_context() -> dict[str, Any]:
    """Values the native tests feed cmek-policy: valid examples and deliberately bad ones."""
    key_prefix = model.EXAMPLE_KEY_ARN[: model.EXAMPLE_KEY_ARN.index(":key/") + len(":key/")]
    key_suffix = model.EXAMPLE_KEY_ARN[len(key_prefix) + 8 :]
    return {
        "partitions": model.PARTITIONS,
        "example_role_arn": model.EXAMPLE_ROLE_ARN,
        # An 11-digit account: one character short of a valid role ARN.
        "malformed_role_arn": model.EXAMPLE_ROLE_ARN.replace(
            f":{model.EXAMPLE_ACCOUNT}:", ":12345678901:"
        ),
        "example_alias_arn": f"{key_prefix[: -len('key/')]}alias/example",
        # The v1 role copied with the customer's own account ID: still not a v2 role.
        "v1_role_in_own_account": model.CLICKHOUSE_PRINCIPAL.replace(
            f":{model.CLICKHOUSE_V1_ACCOUNT}:", f":{model.EXAMPLE_ACCOUNT}:"
        ),
        "unknown_profile": f"v{len(model.PROFILES) + 1}",
        # Enough distinct key ARNs that the role policy cannot fit IAM's inline-policy limit.
        "too_many_keys": model.ROLE_POLICIES_MAX_CHARS // len(model.EXAMPLE_KEY_ARN) + 1,
        "key_arn_format": f"{key_prefix}%08x{key_suffix}",
        # A customer's own statement, kept beside ClickHouse's; and one reusing the root Sid.
        "additional_document": json.dumps(_customer_document("Allow auditors")),
        "additional_reusing_sid": json.dumps(_customer_document(model.KEY_POLICY_ROOT_SID)),
    }


def _customer_document(sid: str) -> dict[str, Any]:
    """A key-policy document a customer keeps: one read-only statement for their auditors."""
    return {
        "Version": model.POLICY_VERSION,
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": model.EXAMPLE_ROLE_ARN},
                "Action": ["kms:DescribeKey"],
                "Resource": "*",
            }
        ],
    }


def _context(config: Config) -> dict[str, Any]:
    """What every template may read: the model, the config, names and example values."""
    return {
        "version": hcl_comment(model.VERSION),
        "notice": hcl_comment(templating.GENERATED_NOTICE),
        "model": model,
        "profile": config.profile,
        "principal": config.principal,
        "v1_principal": v1_principal(config),
        "V": TfVar,
        "O": TfOutput,
        "M": TfModule,
        "var": {v.name: Hcl(ref(v)) for v in TfVar},
        "policy_module": POLICY_MODULE_NAME,
        "policy": {
            o.name: Hcl(f"module.{POLICY_MODULE_NAME}.{o.value}")
            for o in model.TF_OUTPUTS[TfModule.POLICY]
        },
        "example_module": EXAMPLE_MODULE_NAME,
        "resource_name": RESOURCE_NAME,
        "service_ref": Hcl(f"{model.CLICKHOUSE_SERVICE_RESOURCE}.{RESOURCE_NAME}"),
        "role_id": Hcl(model.CLICKHOUSE_ROLE_ID_ATTRIBUTE),
        "examples": examples(config),
        "docs": module_docs(),
        "example_account": model.EXAMPLE_ACCOUNT,
        "example_key_arn": model.EXAMPLE_KEY_ARN,
        "example_external_id": model.EXAMPLE_EXTERNAL_ID,
        **_test_context(),
    }


class _Renderer:
    """The two environments, the shared context and the interfaces: `hcl(...)` and `md(...)`
    render one file."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._hcl_env, self._md_env = _environments()
        self.context = _context(config)
        self.variables = module_variables(config)
        self.outputs = module_outputs()

    def hcl(self, template: str, **extra: Any) -> str:
        return self._hcl_env.get_template(template).render(self.context, **extra)

    def md(self, template: str, **extra: Any) -> str:
        return self._md_env.get_template(template).render(self.context, **extra)


def _module_files(render: _Renderer, module: TfModule) -> dict[str, str]:
    providers = () if module is TfModule.POLICY else (AWS_PROVIDER,)
    path = module.path
    module_vars = render.variables[module]
    outputs = render.outputs[module]
    files = {
        f"{path}/main.tf": render.hcl(
            f"{module.name.lower()}.main.tf.j2",
            policy_source=posixpath.relpath(TfModule.POLICY.path, path),
        ),
        f"{path}/variables.tf": render.hcl("variables.tf.j2", variables=module_vars),
        f"{path}/outputs.tf": render.hcl("outputs.tf.j2", outputs=outputs),
        f"{path}/versions.tf": render.hcl("versions.tf.j2", providers=providers),
        f"{path}/README.md": render.md(
            "module.README.md.j2",
            module=module,
            doc=render.context["docs"][module],
            variables=module_vars,
            outputs=outputs,
            providers=providers,
        ),
    }
    if module is TfModule.POLICY:
        tests = f"{path}/{model.TERRAFORM_TESTS_DIR}/{module.value}{model.TF_TESTS_SUFFIX}"
        files[tests] = render.hcl("policy.tftest.hcl.j2")
    return files


def _example_files(render: _Renderer, example: Example) -> dict[str, str]:
    every = variables(render.config)
    by_name = {v.name: v for v in render.variables[example.module]}
    overrides = {v.name: v for v in example.overrides}
    example_vars = [
        overrides.get(TfVar.REGION, every[TfVar.REGION]),
        *(overrides.get(v, every[v]) for v in example.own),
        *(overrides.get(v, by_name[v]) for v in example.inputs),
    ]
    printed = render.outputs[example.module]
    if example.printed is not None:
        printed = [o for o in printed if o.name in example.printed]
    outputs = [
        *(TfOutputSpec(name, text, value) for name, (text, value) in example.outputs.items()),
        *(
            TfOutputSpec(o.name, o.description, Hcl(f"module.{EXAMPLE_MODULE_NAME}.{o.name}"))
            for o in printed
        ),
    ]
    path = example.path
    return {
        f"{path}/main.tf": render.hcl(example.template, example=example),
        f"{path}/variables.tf": render.hcl("variables.tf.j2", variables=example_vars),
        f"{path}/outputs.tf": render.hcl("outputs.tf.j2", outputs=outputs),
        f"{path}/versions.tf": render.hcl("versions.tf.j2", providers=example.providers),
        f"{path}/terraform.tfvars.example": render.hcl(
            "terraform.tfvars.example.j2",
            example=example,
            variables={v.name: v for v in example_vars},
        ),
        f"{path}/README.md": render.md(
            "example.README.md.j2", example=example, variables=example_vars, outputs=outputs
        ),
    }


def artifacts(config: Config) -> dict[str, str]:
    """Every file under terraform/: the modules (with the policy tests), examples and a README."""
    render = _Renderer(config)
    files: dict[str, str] = {}
    for module in TfModule:
        files.update(_module_files(render, module))
    for example in examples(config):
        files.update(_example_files(render, example))
    files[f"{model.TERRAFORM_DIR}/README.md"] = render.md("README.md.j2")
    return files
