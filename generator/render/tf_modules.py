"""Model -> the files under terraform/: modules, their native tests, examples and READMEs.

The interface of each module (variables, outputs) is data in `tf_interface`; module bodies
(`main.tf`), the native tests and the READMEs are templates under templates/terraform.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from generator import model
from generator.config import Config
from generator.model import TfModule, TfOutput, TfVar
from generator.render import templating
from generator.render.hcl import Hcl, hcl_comment, hcl_identifier, hcl_value, only_hcl
from generator.render.tf_interface import (
    TfOutputSpec,
    module_outputs,
    module_variables,
    ref,
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


def module_docs() -> dict[TfModule, ModuleDoc]:
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
        return model.TF_EXAMPLE_PATHS[self.mode]

    @property
    def source(self) -> str:
        return posixpath.relpath(self.module.path, self.path)

    @property
    def summary(self) -> str:
        return next(s.summary for s in model.STACKS if s.modes == (self.mode,))


def examples(config: Config) -> list[Example]:
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
        # Enough distinct key ARNs that the role policy cannot fit IAM's inline-policy limit.
        "too_many_keys": model.ROLE_POLICIES_MAX_CHARS // len(model.EXAMPLE_KEY_ARN) + 1,
        "key_arn_format": f"{key_prefix}%08x{key_suffix}",
    }


def _context(config: Config) -> dict[str, Any]:
    """What every template may read: the model, the config, names and example values."""
    return {
        "version": hcl_comment(model.VERSION),
        "notice": hcl_comment(templating.GENERATED_NOTICE),
        "model": model,
        "profile": config.profile,
        "principal": config.principal,
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
    provider = module is not TfModule.POLICY
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
        f"{path}/versions.tf": render.hcl("versions.tf.j2", provider=provider),
        f"{path}/README.md": render.md(
            "module.README.md.j2",
            module=module,
            doc=render.context["docs"][module],
            variables=module_vars,
            outputs=outputs,
            provider=provider,
        ),
    }
    if module is TfModule.POLICY:
        tests = f"{path}/{model.TERRAFORM_TESTS_DIR}/{module.value}{model.TF_TESTS_SUFFIX}"
        files[tests] = render.hcl("policy.tftest.hcl.j2")
    return files


def _example_files(render: _Renderer, example: Example) -> dict[str, str]:
    by_name = {v.name: v for v in render.variables[example.module]}
    example_vars = [variables(render.config)[TfVar.REGION], *(by_name[v] for v in example.inputs)]
    outputs = [
        TfOutputSpec(o.name, o.description, Hcl(f"module.{EXAMPLE_MODULE_NAME}.{o.name}"))
        for o in render.outputs[example.module]
    ]
    path = example.path
    return {
        f"{path}/main.tf": render.hcl("example.main.tf.j2", example=example),
        f"{path}/variables.tf": render.hcl("variables.tf.j2", variables=example_vars),
        f"{path}/outputs.tf": render.hcl("outputs.tf.j2", outputs=outputs),
        f"{path}/versions.tf": render.hcl("versions.tf.j2", provider=True),
        f"{path}/terraform.tfvars.example": render.hcl(
            "terraform.tfvars.example.j2",
            example=example,
            variables={v.name: v for v in example_vars} | by_name,
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
