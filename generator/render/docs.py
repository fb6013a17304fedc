"""dist/README.md: what each published artifact is, rendered from the model with Jinja2."""

from __future__ import annotations

from pathlib import Path

from generator import model
from generator.config import Config
from generator.render import links, templating


def render(config: Config, files: dict[str, str]) -> str:
    from generator.render import cloudformation

    region_links: dict[str, dict[str, str]] = {}
    for link in links.links(config):
        if link.template == model.STACK_COMBINED.filename:
            region_links.setdefault(link.region, {})[link.mode] = link.url
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
            profile=config.profile,
            principal=config.principal,
            stacks=model.STACKS,
            stack_params=stack_params,
            stack_outputs=stack_outputs,
            labels=model.PARAM_LABELS,
            descriptions=model.PARAM_DESCRIPTIONS,
            combined=model.STACK_COMBINED.filename,
            template_url_base=config.templates.base,
            region_links=region_links,
            links_file=model.LINKS_FILE,
            external_id_param=model.Param.EXTERNAL_ID.value,
            snippet_file=model.SNIPPET_FILE,
            terraform_files=terraform_dirs,
        )
    )


def artifacts(config: Config, files: dict[str, str]) -> dict[str, str]:
    return {model.DOCS_FILE: render(config, files)}
