"""dist/index.html: the launch page, one self-contained file rendered from the model.

The page carries its script and style inline, each allowed by the sha256 of its exact text in the
page's own Content-Security-Policy, so it works from S3, from disk (file://) and offline. What the
script needs is data rendered here from the same functions `cmek links`, `cmek snippet` and
`cmek grant` use: each link as its rendered head (region as a token) plus its `param_` values in
order, the role's slot marked; the statement, the Terraform block and the grant command split
around the role. The script only fills in the region and the role (URL-encoded exactly like
`urllib.parse.quote(v, safe=":/,")`), so its links equal `cmek links` for the same inputs.
The Google Cloud section, between AWS v2 and legacy v1, comes from `page_gcp`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from cmek import model
from cmek.config import Config
from cmek.render import links, snippet, templating
from cmek.render.hcl import hcl_identifier, hcl_string

PAGE_FILE = model.PAGE_FILE
# Stands for the region and for the role while rendering; the page's script replaces them.
REGION_TOKEN = "{region}"
ROLE_SENTINEL = model.EXAMPLE_ROLE_ARN
# Shown where the role goes until a valid one is entered (v2 has no default).
ROLE_PLACEHOLDER = model.ROLE_PLACEHOLDER
KEY_ARN_PLACEHOLDER = "YOUR_KEY_ARN"
TERRAFORM_MODULE_NAME = "clickhouse_cmek"
MODE_LABELS: dict[model.Mode, str] = {
    model.Mode.NEW_KEY: "Create a new key",
    model.Mode.EXISTING_KEY: "Use keys you have (IAM role)",
}
DEFAULT_REGION = model.EXAMPLE_REGION


def csp_hash(text: str) -> str:
    """A CSP source expression allowing exactly this inline script or style text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str, style: str) -> str:
    """Nothing but this page's own script and style; no network, no frames, no forms."""
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {csp_hash(script)}",
            f"style-src {csp_hash(style)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def split_on(text: str, sentinel: str) -> list[str]:
    """`text` as [before, after] the one occurrence of `sentinel` (the role's slot)."""
    parts = text.split(sentinel)
    if len(parts) != 2:
        raise ValueError(f"expected the role exactly once in {text!r}")
    return parts


def link_kinds(config: Config, profile: model.Profile) -> list[dict[str, Any]]:
    """Each link of `profile` as the script builds it: head and `param_` pairs, role as None."""
    v1_config = dataclasses.replace(config, profile=model.V1, principal=ROLE_SENTINEL)
    inputs = links.StackInputs(encryption_role_arn=ROLE_SENTINEL)
    kinds = []
    for stack in links.stacks(profile):
        head = links.quick_create_url(
            REGION_TOKEN, links.template_url(config, stack), inputs.stack_name, {}
        )
        for mode in stack.modes:
            params = links.link_params(stack, mode, v1_config, inputs)
            kinds.append(
                {
                    "template": stack.filename,
                    "mode": mode.value,
                    "label": MODE_LABELS[mode],
                    "head": head,
                    "params": [[k, None if v == ROLE_SENTINEL else v] for k, v in params.items()],
                }
            )
    return kinds


def module_block(values: dict[str, str]) -> str:
    """A `module` block of string arguments, aligned as `terraform fmt` aligns them."""
    width = max(map(len, values))
    lines = [f"  {hcl_identifier(name, width)} = {hcl_string(v)}" for name, v in values.items()]
    return f"module {hcl_string(TERRAFORM_MODULE_NAME)} {{\n" + "\n".join(lines) + "\n}\n"


def published_module_source(config: Config, module: str) -> str:
    """A module of this version's published archive (`cmek publish` creates it)."""
    archive = config.templates.url(f"{model.VERSION}/{model.MODULES_ZIP}")
    return model.module_source(archive, module)


def terraform_block(config: Config, profile: model.Profile, role: str) -> str:
    """The module block to copy: cmek-new-key from this version's published module archive."""
    return module_block(
        {
            "source": published_module_source(config, model.TfModule.NEW_KEY),
            model.TfVar.PROFILE.value: profile.name,
            model.TfVar.CLICKHOUSE_ROLE_ARN.value: role,
        }
    )


def grant_command(profile: model.Profile, role: str) -> str:
    return (
        f"cmek grant --cmek-version {profile.name} --principal {role} "
        f"--key-arn {KEY_ARN_PLACEHOLDER}\n"
    )


def profile_data(config: Config, profile: model.Profile) -> dict[str, Any]:
    """What the script needs for one profile's section."""
    statement_config = dataclasses.replace(config, profile=profile, principal=ROLE_SENTINEL)
    return {
        "name": profile.name,
        "defaultRole": links.principal(profile, config, links.StackInputs()),
        "links": link_kinds(config, profile),
        "statement": split_on(snippet.render(statement_config), ROLE_SENTINEL),
        "terraform": split_on(terraform_block(config, profile, ROLE_SENTINEL), ROLE_SENTINEL),
        "grant": split_on(grant_command(profile, ROLE_SENTINEL), ROLE_SENTINEL),
    }


def page_data(config: Config) -> dict[str, Any]:
    # Imported here: page_gcp writes its module blocks with this module's block writer.
    from cmek.render import page_gcp

    return {
        "rolePattern": model.ROLE_ARN_PATTERN,
        "partition": model.COMMERCIAL_PARTITION,
        "partitions": list(model.PARTITIONS),
        "exampleRole": model.EXAMPLE_ROLE_ARN,
        "roleWhere": model.ENCRYPTION_ROLE_WHERE,
        "v1Principal": model.V1.principal,
        "v1Account": model.CLICKHOUSE_V1_ACCOUNT,
        "regionToken": REGION_TOKEN,
        "placeholder": ROLE_PLACEHOLDER,
        "profiles": {p.name: profile_data(config, p) for p in (model.V2, model.V1)},
        "gcp": page_gcp.data(config),
    }


def fill(parts: list[str], role: str) -> str:
    return parts[0] + (role or ROLE_PLACEHOLDER) + parts[1]


def section(config: Config, profile: model.Profile, data: dict[str, Any]) -> dict[str, Any]:
    """One profile's server-rendered state: defaults in the default region, and every region's
    default links for readers without JavaScript."""
    offered = model.link_regions(profile, config.regions)
    region = DEFAULT_REGION if DEFAULT_REGION in offered else next(iter(offered), None)
    default = data["profiles"][profile.name]
    by_region: dict[str, list[links.Link]] = {}
    for link in links.links(config, None, profile):
        by_region.setdefault(link.region, []).append(link)
    return {
        "profile": profile,
        "region": region,
        "role": default["defaultRole"],
        "regions": offered,
        "links": [
            {**kind, "url": link.url}
            for kind, link in zip(default["links"], by_region.get(region, []), strict=True)
        ]
        if region
        else [],
        "by_region": by_region,
        "labels": {(k["template"], k["mode"]): k["label"] for k in default["links"]},
        "statement": fill(default["statement"], default["defaultRole"]),
        "terraform": fill(default["terraform"], default["defaultRole"]),
        "grant": fill(default["grant"], default["defaultRole"]),
    }


def file_hashes(config: Config, files: dict[str, str]) -> list[dict[str, str]]:
    """Every other file of the build with its sha256 (as manifest.json lists it) and its URL
    once published under this version."""
    return [
        {
            "path": path,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "url": config.templates.url(f"{model.VERSION}/{path}"),
        }
        for path, text in sorted(files.items())
        if path not in (PAGE_FILE, model.MANIFEST_FILE)
    ]


def render(config: Config, files: dict[str, str]) -> str:
    from markupsafe import Markup

    from cmek.render import page_gcp

    env = templating.environment("page", autoescape=True)
    script = env.get_template("page.js.j2").render()
    style = env.get_template("page.css.j2").render()
    for text, tag in ((script, "</script"), (style, "</style")):
        if tag in text.lower():
            raise ValueError(f"inline text must not contain {tag}")
    data = page_data(config)
    return env.get_template("index.html.j2").render(
        version=model.VERSION,
        csp=content_security_policy(script, style),
        script=Markup(script),
        style=Markup(style),
        data=data,
        sections=[section(config, p, data) for p in (model.V2, model.V1)],
        gcp=page_gcp.section(data["gcp"]),
        v1_end_date=model.CMEK_V1_END_DATE,
        files=file_hashes(config, files),
        manifest_file=model.MANIFEST_FILE,
        page_file=PAGE_FILE,
        role_pattern=model.ROLE_ARN_PATTERN,
        example_role=model.EXAMPLE_ROLE_ARN,
        role_description=model.ENCRYPTION_ROLE_DESCRIPTION,
        v1_principal=model.V1.principal,
    )


def artifacts(config: Config, files: dict[str, str]) -> dict[str, str]:
    return {PAGE_FILE: render(config, files)}
