"""Quick-create console links: one per template and mode, in every configured region.

The format is the one ClickHouse already publishes (`#/stacks/quickcreate?templateURL=...`), so the
default link for us-west-2 is byte-identical to the link in ClickHouse's docs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import quote

from generator import model, validate
from generator.config import Config
from generator.model import Mode, Param, Stack
from generator.render.dist_json import to_json

# Characters left readable in the fragment: ARNs and S3 URLs stay as users recognise them.
_SAFE = ":/,"


@dataclass(frozen=True)
class Link:
    region: str
    template: str
    mode: str
    url: str


@dataclass(frozen=True)
class StackInputs:
    """Values a customer may pre-fill in a link (validated before they reach a URL)."""

    stack_name: str = model.DEFAULT_STACK_NAME
    key_arns: tuple[str, ...] = ()
    external_id: str = ""

    def __post_init__(self) -> None:
        validate.stack_name(self.stack_name, "stack name")
        if self.key_arns:
            validate.key_arns(list(self.key_arns), "key ARNs")
        validate.external_id(self.external_id, "external ID")


def quick_create_url(
    region: str, template_url: str, stack_name: str, params: dict[str, str]
) -> str:
    query = [("templateURL", template_url), ("stackName", stack_name)]
    query += [(f"param_{name}", value) for name, value in params.items()]
    fragment = "&".join(f"{k}={quote(v, safe=_SAFE)}" for k, v in query)
    return (
        f"https://{model.CONSOLE_HOST.format(region=region)}/cloudformation/home?region={region}"
        f"#{model.QUICK_CREATE_ROUTE}?{fragment}"
    )


def link_params(stack: Stack, mode: Mode, config: Config, inputs: StackInputs) -> dict[str, str]:
    """The `param_` values of one link, in the order ClickHouse's published link uses."""
    params: dict[str, str] = {}
    if stack.combined:
        params[Param.KMS_CREATE.value] = model.KMS_CREATE_VALUE[mode]
    params[Param.CLICKHOUSE_ROLE.value] = config.principal
    if mode is Mode.EXISTING_KEY:
        if inputs.key_arns:
            params[Param.KEY_ARNS.value] = ",".join(inputs.key_arns)
        if inputs.external_id:
            params[Param.EXTERNAL_ID.value] = inputs.external_id
    return params


def links(config: Config, inputs: StackInputs | None = None) -> list[Link]:
    inputs = inputs or StackInputs()
    result = []
    for region in config.regions:
        for stack in model.STACKS:
            url = config.templates.url(stack.filename)
            for mode in stack.modes:
                params = link_params(stack, mode, config, inputs)
                result.append(
                    Link(
                        region,
                        stack.filename,
                        mode.value,
                        quick_create_url(region, url, inputs.stack_name, params),
                    )
                )
    return result


def document(config: Config, inputs: StackInputs | None = None) -> dict:
    return {
        "stack_name": (inputs or StackInputs()).stack_name,
        "template_url_base": config.templates.base,
        "templates": {s.filename: config.templates.url(s.filename) for s in model.STACKS},
        "links": [asdict(link) for link in links(config, inputs)],
    }


def artifacts(config: Config, inputs: StackInputs | None = None) -> dict[str, str]:
    return {model.LINKS_FILE: to_json(document(config, inputs))}
