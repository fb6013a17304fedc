"""Model -> the GCP files under terraform/: cmek-gcp-policy (with its native tests), cmek-gcp-key,
cmek-gcp-grant and the clickhouse-provider-gcp example, with their READMEs.

Kept apart from `tf_modules` (the AWS modules): the same shared templates (variables, outputs,
versions, tables, tfvars), GCP's own bodies and READMEs, the interface from `tf_gcp_interface`.
"""

from __future__ import annotations

import posixpath
from types import SimpleNamespace
from typing import Any

from cmek import model
from cmek.config import Config
from cmek.model import GcpTfModule, GcpTfOutput, GcpTfVar
from cmek.render import templating
from cmek.render.hcl import Hcl, hcl_comment, hcl_identifier, hcl_value, only_hcl
from cmek.render.tf_gcp_interface import (
    example_outputs,
    example_variables,
    gcp_ref,
    module_outputs,
    module_variables,
)

GOOGLE_PROVIDER = (model.GOOGLE_PROVIDER_NAME, *model.TF_PROVIDER_PINS[model.GOOGLE_PROVIDER_NAME])
CLICKHOUSE_PROVIDER = (
    model.CLICKHOUSE_PROVIDER_NAME,
    *model.TF_PROVIDER_PINS[model.CLICKHOUSE_PROVIDER_NAME],
)
EXAMPLE_PATH = model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP
EXAMPLE_TFVARS: dict[GcpTfVar, Any] = {
    GcpTfVar.REGION: model.EXAMPLE_GCP_LOCATION,
    GcpTfVar.PROJECT_ID: model.EXAMPLE_GCP_PROJECT,
    GcpTfVar.ORGANIZATION_ID: model.EXAMPLE_CLICKHOUSE_ORGANIZATION_ID,
    GcpTfVar.TOKEN_KEY: "EXAMPLEKEYID",
    GcpTfVar.SERVICE_NAME: "cmek-gcp",
    GcpTfVar.IP_ACCESS: [{"source": "192.0.2.0/24", "description": "Office (example range)"}],
    GcpTfVar.KEY_RING_NAME: model.EXAMPLE_GCP_KEY_RING,
    GcpTfVar.KEY_NAME: model.EXAMPLE_GCP_KEY,
}
EXAMPLE_OPTIONAL: dict[GcpTfVar, Any] = {
    GcpTfVar.ROTATION_PERIOD: model.EXAMPLE_GCP_ROTATION_PERIOD,
}


def _summaries() -> dict[GcpTfModule, str]:
    key_path = model.GCP_KEY_PATH_FORM.format(project="P", location="L", key_ring="R", key="K")
    return {
        GcpTfModule.POLICY: (
            "What ClickHouse is granted on a Cloud KMS key, and nothing else: the service "
            "account as an IAM member and exactly its roles, validated. No provider and no "
            "resources, so Terraform can test it offline; the other GCP modules take their "
            "grants from it."
        ),
        GcpTfModule.KEY: (
            "A new Cloud KMS key ring and key (symmetric, software, rotated every 90 days by "
            "default, `prevent_destroy`) in your project and the service's region, with "
            "ClickHouse's two roles on the key for the service's encryption service account."
        ),
        GcpTfModule.GRANT: (
            f"ClickHouse's two roles on an existing Cloud KMS key (`{key_path}`) for the "
            "service's encryption service account."
        ),
    }


def _usage() -> dict[GcpTfModule, dict[GcpTfVar, Any]]:
    V = GcpTfVar
    email = model.EXAMPLE_GCP_SERVICE_ACCOUNT
    return {
        GcpTfModule.POLICY: {
            V.SERVICE_ACCOUNT_EMAIL: email,
            V.CRYPTO_KEY_ID: model.EXAMPLE_GCP_KEY_PATH,
        },
        GcpTfModule.KEY: {
            V.PROJECT_ID: model.EXAMPLE_GCP_PROJECT,
            V.LOCATION: model.EXAMPLE_GCP_LOCATION,
            V.KEY_RING_NAME: model.EXAMPLE_GCP_KEY_RING,
            V.KEY_NAME: model.EXAMPLE_GCP_KEY,
            V.SERVICE_ACCOUNT_EMAIL: email,
        },
        GcpTfModule.GRANT: {
            V.CRYPTO_KEY_ID: model.EXAMPLE_GCP_KEY_PATH,
            V.SERVICE_ACCOUNT_EMAIL: email,
        },
    }


def _notes() -> tuple[str, ...]:
    return (
        f"The service account is the service's {model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD}, "
        f"shown in {model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE} of the ClickHouse Cloud console. "
        f"Paste `{GcpTfOutput.KEY_ID.value}` in {model.KEY_CONSOLE_SECTION}.",
    )


def _environments():
    """Two environments over templates/terraform: strict HCL, and Markdown."""

    def make(**extra: Any):
        env = templating.environment(
            model.TERRAFORM_DIR, trim_blocks=True, lstrip_blocks=True, **extra
        )
        env.filters.update(
            hcl=hcl_value,
            ident=hcl_identifier,
            comment=hcl_comment,
            # A reference built from the model's own names (never from input): code as is.
            hcl_code=Hcl,
            md=lambda value: str(value).replace("|", "\\|").replace("\n", " "),
        )
        return env

    return make(finalize=only_hcl), make()


def _context(config: Config) -> dict[str, Any]:
    return {
        "version": hcl_comment(model.VERSION),
        "notice": hcl_comment(templating.GENERATED_NOTICE),
        "model": model,
        "GV": GcpTfVar,
        "GO": GcpTfOutput,
        "GM": GcpTfModule,
        "gvar": {v.name: Hcl(gcp_ref(v)) for v in GcpTfVar},
        # A person's e-mail (not a service account) and a key ring's path: refused inputs.
        "gcp_bad_email": "someone@example.com",
        "gcp_key_ring_path": model.EXAMPLE_GCP_KEY_PATH.rsplit("/cryptoKeys/", 1)[0],
        "example_source": posixpath.relpath(GcpTfModule.KEY.path, EXAMPLE_PATH),
    }


def _module_files(envs, context: dict[str, Any], module: GcpTfModule, config: Config):
    hcl_env, md_env = envs
    providers = () if module is GcpTfModule.POLICY else (GOOGLE_PROVIDER,)
    path = module.path
    variables = module_variables(config)[module]
    outputs = module_outputs()[module]

    def hcl(template: str, **extra: Any) -> str:
        return hcl_env.get_template(template).render(context, **extra)

    files = {
        f"{path}/main.tf": hcl(
            f"gcp_{module.name.lower()}.main.tf.j2",
            policy_source=posixpath.relpath(GcpTfModule.POLICY.path, path),
        ),
        f"{path}/variables.tf": hcl("variables.tf.j2", variables=variables),
        f"{path}/outputs.tf": hcl("outputs.tf.j2", outputs=outputs),
        f"{path}/versions.tf": hcl("versions.tf.j2", providers=providers),
        f"{path}/README.md": md_env.get_template("gcp.module.README.md.j2").render(
            context,
            module=module,
            summary=_summaries()[module],
            usage=_usage()[module],
            notes=_notes(),
            variables=variables,
            outputs=outputs,
            providers=providers,
        ),
    }
    if module is GcpTfModule.POLICY:
        tests = f"{path}/{model.TERRAFORM_TESTS_DIR}/{module.value}{model.TF_TESTS_SUFFIX}"
        files[tests] = hcl("gcp_policy.tftest.hcl.j2")
    return files


def _example_files(envs, context: dict[str, Any], config: Config) -> dict[str, str]:
    hcl_env, md_env = envs
    variables = example_variables(config)
    outputs = example_outputs()
    providers = (GOOGLE_PROVIDER, CLICKHOUSE_PROVIDER)
    example = SimpleNamespace(tfvars=EXAMPLE_TFVARS, optional=EXAMPLE_OPTIONAL)
    path = EXAMPLE_PATH

    def hcl(template: str, **extra: Any) -> str:
        return hcl_env.get_template(template).render(context, **extra)

    return {
        f"{path}/main.tf": hcl("clickhouse_provider_gcp.main.tf.j2"),
        f"{path}/variables.tf": hcl("variables.tf.j2", variables=variables),
        f"{path}/outputs.tf": hcl("outputs.tf.j2", outputs=outputs),
        f"{path}/versions.tf": hcl("versions.tf.j2", providers=providers),
        f"{path}/terraform.tfvars.example": hcl(
            "terraform.tfvars.example.j2",
            example=example,
            variables={v.name: v for v in variables},
        ),
        f"{path}/README.md": md_env.get_template("gcp.example.README.md.j2").render(
            context,
            name=posixpath.basename(path),
            variables=variables,
            outputs=outputs,
            providers=providers,
        ),
    }


def artifacts(config: Config) -> dict[str, str]:
    """Every GCP file under terraform/."""
    envs = _environments()
    context = _context(config)
    files: dict[str, str] = {}
    for module in GcpTfModule:
        files.update(_module_files(envs, context, module, config))
    files.update(_example_files(envs, context, config))
    return files
