"""Quick-create console links: one per template and mode, in every configured region.

The format is the one ClickHouse already publishes (`#/stacks/quickcreate?templateURL=...`), so the
default link for us-west-2 is byte-identical to the link in ClickHouse's docs. Each link opens an
object `cmek publish` creates (model.template_path): the stable `cmek.yaml` for the combined stack,
`<version>/cloudformation/<file>` for the others, under the configured template URL base.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import quote

from cmek import contract, model, validate
from cmek.config import Config
from cmek.model import Mode, Param, Profile, Stack
from cmek.render.dist_json import to_json

# Characters left readable in the fragment: ARNs and S3 URLs stay as users recognise them.
_SAFE = ":/,"


@dataclass(frozen=True)
class Link:
    region: str
    template: str
    mode: str
    profile: str
    url: str


@dataclass(frozen=True)
class StackInputs:
    """Values a customer may pre-fill in a link (validated before they reach a URL).

    `encryption_role_arn` is a v2 service's Encryption role ID; without it (and without a v2
    config principal) v2 links carry no role parameter and the console asks for it.
    """

    stack_name: str = model.DEFAULT_STACK_NAME
    key_arns: tuple[str, ...] = ()
    external_id: str = ""
    encryption_role_arn: str = ""

    def __post_init__(self) -> None:
        validate.stack_name(self.stack_name, "stack name")
        if self.key_arns:
            validate.key_arns(list(self.key_arns), "key ARNs")
        validate.external_id(self.external_id, "external ID")
        if self.encryption_role_arn:
            contract.check_principal(model.V2, self.encryption_role_arn, "encryption role ARN")


def quick_create_url(
    region: str, template_url: str, stack_name: str, params: dict[str, str]
) -> str:
    """The console's quick-create link; `params` are parameter names and values, in order."""
    query = [("templateURL", template_url), ("stackName", stack_name)]
    query += [(f"param_{name}", value) for name, value in params.items()]
    fragment = "&".join(f"{k}={quote(v, safe=_SAFE)}" for k, v in query)
    return (
        f"https://{model.CONSOLE_HOST.format(region=region)}/cloudformation/home?region={region}"
        f"#{model.QUICK_CREATE_ROUTE}?{fragment}"
    )


def principal(profile: Profile, config: Config, inputs: StackInputs) -> str:
    """The principal a `profile` template's links pre-fill ("" for none): the config's when it
    is that profile's, else the profile's own (v1) or the given encryption role (v2)."""
    if profile.per_service_role and inputs.encryption_role_arn:
        return inputs.encryption_role_arn
    return contract.principal_for(profile, config) or ""


def link_params(stack: Stack, mode: Mode, config: Config, inputs: StackInputs) -> dict[str, str]:
    """The `param_` values of one link, in the order ClickHouse's published link uses."""
    params: dict[str, str] = {}
    role = principal(stack.profile, config, inputs)
    if stack.profile.per_service_role:
        if role:
            params[model.PARAM_ENCRYPTION_ROLE_ARN] = role
        return params
    if stack.combined:
        params[Param.KMS_CREATE.value] = model.KMS_CREATE_VALUE[mode]
    params[Param.CLICKHOUSE_ROLE.value] = role
    if mode is Mode.EXISTING_KEY:
        if inputs.key_arns:
            params[Param.KEY_ARNS.value] = ",".join(inputs.key_arns)
        if inputs.external_id:
            params[Param.EXTERNAL_ID.value] = inputs.external_id
    return params


def stacks(profile: Profile | None = None) -> tuple[Stack, ...]:
    """The stacks with links: all, or only `profile`'s templates."""
    return tuple(s for s in model.STACKS if profile is None or s.profile == profile)


def template_url(config: Config, stack: Stack) -> str:
    """The URL of the object `cmek publish` creates for `stack` (this package's version)."""
    return config.templates.url(model.template_path(stack, model.VERSION))


def links(
    config: Config, inputs: StackInputs | None = None, profile: Profile | None = None
) -> list[Link]:
    """Every link, region by region, for all stacks or only `profile`'s; each stack's only in the
    regions its version is offered in (model.link_regions)."""
    inputs = inputs or StackInputs()
    offered = {p: model.link_regions(p, config.regions) for p in model.PROFILES.values()}
    result = []
    for region in config.regions:
        for stack in stacks(profile):
            if region not in offered[stack.profile]:
                continue
            url = template_url(config, stack)
            for mode in stack.modes:
                params = link_params(stack, mode, config, inputs)
                result.append(
                    Link(
                        region,
                        stack.filename,
                        mode.value,
                        stack.profile.name,
                        quick_create_url(region, url, inputs.stack_name, params),
                    )
                )
    return result


def layout_comment(config: Config) -> str:
    """One line saying where the links assume the templates are (`cmek links` prints it)."""
    stable = ", ".join(s.filename for s in model.PUBLISH_STABLE_STACKS)
    return (
        f"# templates under {config.templates.base}: {stable} (stable), the others under "
        f"{model.VERSION}/{model.CLOUDFORMATION_DIR}/ (as `cmek publish --version "
        f"{model.VERSION}` writes them)"
    )


def document(
    config: Config, inputs: StackInputs | None = None, profile: Profile | None = None
) -> dict:
    return {
        "version": model.VERSION,
        "stack_name": (inputs or StackInputs()).stack_name,
        "template_url_base": config.templates.base,
        "templates": {s.filename: template_url(config, s) for s in stacks(profile)},
        "links": [asdict(link) for link in links(config, inputs, profile)],
    }


def artifacts(config: Config, inputs: StackInputs | None = None) -> dict[str, str]:
    return {model.LINKS_FILE: to_json(document(config, inputs))}
