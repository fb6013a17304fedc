"""Checks of links.json: every quick-create link opens a real template with values it accepts."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cmek import model
from cmek.checks import DistDir, Problems, check, sources


def parse(url: str) -> tuple[str, str, dict[str, str]]:
    """(console host, fragment route, query of the fragment) of a quick-create link."""
    parts = urlsplit(url)
    route, _, query = parts.fragment.partition("?")
    return parts.netloc, route, dict(parse_qsl(query, keep_blank_values=True))


def value_error(spec: dict[str, Any], value: str) -> str | None:
    """Why CloudFormation would reject `value` for a parameter `spec`, or None if it accepts it."""
    values = value.split(",") if spec.get("Type") == "CommaDelimitedList" else [value]
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return f"not one of {spec['AllowedValues']}"
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        return f"longer than {spec['MaxLength']}"
    pattern = spec.get("AllowedPattern")
    for item in values:
        if pattern is not None and not re.fullmatch(pattern, item):
            return f"{item!r} does not match AllowedPattern {pattern}"
    return None


_STACKS = {stack.filename: stack for stack in model.STACKS}


@check(
    "CMEK-LINK-001",
    "Each link opens a template `cmek publish` creates, in a configured region, with a legal "
    "stack name.",
    sources.CFN_QUICK_CREATE,
)
def targets(dist: DistDir) -> Problems:
    for link in dist.links["links"]:
        host, route, query = parse(link["url"])
        region = link["region"]
        where = f"{model.LINKS_FILE} {region} {link['template']} {link['mode']}"
        if region not in dist.config.regions or host != model.CONSOLE_HOST.format(region=region):
            yield model.LINKS_FILE, f"{where}: host {host!r} is not a configured region's console"
        if route != model.QUICK_CREATE_ROUTE:
            yield model.LINKS_FILE, f"{where}: route {route!r} is not {model.QUICK_CREATE_ROUTE}"
        if not re.fullmatch(model.STACK_NAME_PATTERN, query.get("stackName", "")):
            yield model.LINKS_FILE, f"{where}: stackName {query.get('stackName')!r} is not legal"
        stack = _STACKS.get(link["template"])
        if stack is None or not dist.exists(stack.path):
            yield model.LINKS_FILE, f"{where}: template {link['template']!r} is not in dist"
            continue
        if region not in model.link_regions(stack.profile, dist.config.regions):
            yield model.LINKS_FILE, f"{where}: {stack.profile.name} is not offered in {region}"
        # Only objects `cmek publish` creates: this version's path, or the stable one.
        expected_url = dist.config.templates.url(model.template_path(stack, model.VERSION))
        if query.get("templateURL") != expected_url:
            yield model.LINKS_FILE, f"{where}: templateURL {query.get('templateURL')!r}"
        if link.get("profile") != stack.profile.name:
            yield model.LINKS_FILE, f"{where}: profile {link.get('profile')!r}"


@check(
    "CMEK-LINK-002",
    "Every param_ in a link names a real parameter of its template with a value it accepts.",
    sources.CFN_PARAMETERS,
)
def parameters(dist: DistDir) -> Problems:
    templates = {stack.filename: t for stack, t in dist.templates.items()}
    for link in dist.links["links"]:
        template = templates.get(link["template"])
        if template is None:
            continue
        where = f"{link['region']} {link['template']} {link['mode']}"
        specs = template.get("Parameters", {})
        _, _, query = parse(link["url"])
        for key, value in query.items():
            if not key.startswith("param_"):
                continue
            name = key.removeprefix("param_")
            if name not in specs:
                yield model.LINKS_FILE, f"{where}: {key} names no parameter of the template"
            elif reason := value_error(specs[name], value):
                yield model.LINKS_FILE, f"{where}: {key}={value[:60]!r} rejected: {reason}"


@check(
    "CMEK-LINK-003",
    "Every region a template's version is offered in (v1: every configured region; v2: those "
    "where ClickHouse Cloud runs) has a link for each mode, KMSCreate matching the mode.",
    sources.CFN_QUICK_CREATE,
)
def coverage(dist: DistDir) -> Problems:
    seen = {(x["region"], x["template"], x["mode"]): x for x in dist.links["links"]}
    for stack in model.STACKS:
        for region in model.link_regions(stack.profile, dist.config.regions):
            for mode in stack.modes:
                link = seen.get((region, stack.filename, mode.value))
                if link is None:
                    yield model.LINKS_FILE, f"no link for {region} {stack.filename} {mode.value}"
                    continue
                kms_create = parse(link["url"])[2].get(f"param_{model.Param.KMS_CREATE.value}")
                expected = model.KMS_CREATE_VALUE[mode] if stack.combined else None
                if kms_create != expected:
                    yield (
                        model.LINKS_FILE,
                        (f"{region} {stack.filename} {mode.value}: KMSCreate is {kms_create!r}"),
                    )
