"""dist/README.md: what each published artifact is, rendered from the model with Jinja2.

It leads with v2 (what a customer sets up today) and labels v1 as legacy; every name, action and
link comes from the model and the links renderer.
"""

from __future__ import annotations

from pathlib import Path

from cmek import contract, model
from cmek.config import Config
from cmek.render import links, templating


def _region_links(config: Config) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({region: {mode: url}} of the combined v1 template, {region: url} of the v2 template)."""
    combined: dict[str, dict[str, str]] = {}
    v2: dict[str, str] = {}
    for link in links.links(config):
        if link.template == model.STACK_COMBINED.filename:
            combined.setdefault(link.region, {})[link.mode] = link.url
        elif link.template == model.STACK_V2_NEW_KEY.filename:
            v2[link.region] = link.url
    return combined, v2


def _gcp() -> dict[str, object]:
    """The Google Cloud steps' facts: roles, where the service account is shown, the modules."""
    G = model.GcpTfModule
    return {
        "titles": model.GCP_ROLE_TITLES,
        "where": (
            f'"{model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD}" in '
            f"{model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE}"
        ),
        "location_rule": model.GCP_KEY_LOCATION_RULE,
        "add_binding": model.GCLOUD_ADD_BINDING,
        "describe": model.GCLOUD_DESCRIBE,
        "get_policy": model.GCLOUD_GET_POLICY,
        "json_format": model.GCLOUD_JSON_FORMAT,
        "iam_member": model.GOOGLE_KMS_IAM_MEMBER_RESOURCE,
        **{name: module.value for name, module in (("grant", G.GRANT), ("key", G.KEY))},
        "grant_path": G.GRANT.path,
        "key_path": G.KEY.path,
        "policy": G.POLICY.value,
        "example": model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP,
        "example_name": model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_GCP.rsplit("/", 1)[-1],
        "key_form": model.GCP_KEY_PATH_FORM.format(
            project="P", location="L", key_ring="R", key="K"
        ),
        "purpose": model.GCP_KEY_PURPOSE,
        "algorithm": model.GCP_KEY_ALGORITHM,
        "enabled": model.GCP_KEY_VERSION_ENABLED,
    }


def render(config: Config, files: dict[str, str]) -> str:
    from cmek.render import cloudformation

    region_links, v2_links = _region_links(config)
    stack_params = {}
    stack_outputs = {}
    for stack in model.STACKS:
        template = cloudformation.build(stack, config)
        stack_params[stack.slug] = [f"`{name}`" for name in template.parameters]
        stack_outputs[stack.slug] = [f"`{name}`" for name in template.outputs]
    terraform_dirs = sorted(
        {str(Path(p).parent) for p in files if p.startswith("terraform/") and p.endswith(".tf")}
    )
    return (
        templating.environment("docs")
        .get_template("README.md.j2")
        .render(
            version=model.VERSION,
            v1=model.V1,
            v2=model.V2,
            v1_principal=contract.principal_for(model.V1, config),
            v2_stack=model.STACK_V2_NEW_KEY,
            v1_stacks=[s for s in model.STACKS if s.profile.legacy],
            stack_params=stack_params,
            stack_outputs=stack_outputs,
            labels=model.PARAM_LABELS,
            descriptions=model.PARAM_DESCRIPTIONS,
            role_param=model.PARAM_ENCRYPTION_ROLE_ARN,
            keep_param=model.PARAM_KEEP_V1_ACCESS,
            keep_values=model.KEEP_V1_ACCESS_VALUES,
            role_label=model.ENCRYPTION_ROLE_LABEL,
            role_description=model.ENCRYPTION_ROLE_DESCRIPTION,
            keep_description=model.KEEP_V1_ACCESS_DESCRIPTION,
            key_arn_output=model.Output.KEY_ARN.value,
            v2_sid=model.KEY_POLICY_V2_SID,
            reencrypt=model.REENCRYPT_ACTIONS[0],
            reencrypt_covers=" and ".join(f"`{a}`" for a in model.REENCRYPT_COVERS),
            check_minutes=model.CLICKHOUSE_CHECK_INTERVAL_SECONDS // 60,
            combined=model.STACK_COMBINED.filename,
            layout=links.layout_comment(config).removeprefix("# "),
            region_links=region_links,
            v2_links=v2_links,
            links_file=model.LINKS_FILE,
            external_id_param=model.Param.EXTERNAL_ID.value,
            snippet_file=model.SNIPPET_FILE,
            snippet_v2_file=model.SNIPPET_V2_FILE,
            role_placeholder=model.ROLE_PLACEHOLDER,
            role_where=model.ENCRYPTION_ROLE_WHERE,
            key_section=model.KEY_CONSOLE_SECTION,
            v1_end_date=model.CMEK_V1_END_DATE,
            kms_create=model.Param.KMS_CREATE.value,
            switches_rule=model.SWITCHES_NEED_NEW_KEY_DESCRIPTION,
            association=model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE,
            terraform_files=terraform_dirs,
            gcp=_gcp(),
            page_file=model.PAGE_FILE,
        )
    )


def artifacts(config: Config, files: dict[str, str]) -> dict[str, str]:
    return {model.DOCS_FILE: render(config, files)}
