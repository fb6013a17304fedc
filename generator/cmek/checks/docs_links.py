"""Every file a user receives is judged: links.json field by field, and every link in every README
and in the launch page.

A console link or an S3 URL that points elsewhere sends a customer to a template someone else
controls, so each URL in a README (Markdown links, autolinks, URLs in code) and each href or src of
dist/index.html must be one the model produces for this config: a quick-create link `cmek links`
prints, an object `cmek publish` creates under the template URL base, or a file of the build. The
page's scripts, styles and meta tags (its Content-Security-Policy) must be the build's own.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from typing import Any

from cmek import model
from cmek.checks import ArtifactError, DistDir, Problems, check, html_elements, sources
from cmek.checks.links import parse
from cmek.config import Config
from cmek.errors import InputError
from cmek.model import Param
from cmek.render.links import StackInputs

# Any absolute URL (scheme://...), up to a character that ends it in Markdown, HTML or code.
URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`)\]\\]+")
_MD_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
URL_TRAILING = ".,:;!?"


@cache
def _rendered(config: Config, inputs: StackInputs) -> dict[str, str]:
    from cmek import build

    return build.artifacts(config, inputs)


def customer_inputs(links: dict[str, Any]) -> StackInputs:
    """The pre-filled values a build for one customer put in its links (stack name, key ARNs,
    external ID), read back so that build can be rendered again and compared. A v2 role is never
    read back: a pre-filled role would be granted the key, so only the config may name one."""
    existing = model.STACK_EXISTING_KEY.filename
    query: dict[str, str] = {}
    for link in links.get("links", []):
        if isinstance(link, dict) and link.get("template") == existing:
            query = parse(str(link.get("url", "")))[2]
            break
    arns = query.get(f"param_{Param.KEY_ARNS.value}", "")
    try:
        return StackInputs(
            stack_name=str(links.get("stack_name", model.DEFAULT_STACK_NAME)),
            key_arns=tuple(arns.split(",")) if arns else (),
            external_id=query.get(f"param_{Param.EXTERNAL_ID.value}", ""),
        )
    except InputError:
        return StackInputs()


def expected_artifacts(dist: DistDir) -> dict[str, str]:
    """What a build with this config (and the customer inputs its links.json shows) writes."""
    try:
        inputs = customer_inputs(dist.links)
    except ArtifactError:
        inputs = StackInputs()
    return _rendered(dist.config, inputs)


def _links_document(dist: DistDir) -> dict[str, Any]:
    return json.loads(expected_artifacts(dist)[model.LINKS_FILE])


def _link_key(link: Any) -> tuple[str, ...]:
    if not isinstance(link, dict):
        return ("(not an object)",)
    return tuple(str(link.get(k)) for k in ("region", "template", "mode"))


def _links_problems(got: list[Any], want: list[dict[str, Any]]) -> Iterator[str]:
    expected = {_link_key(link): link for link in want}
    seen: set[tuple[str, ...]] = set()
    for link in got:
        key = _link_key(link)
        where = " ".join(key)
        if key in seen:
            yield f"link {where} appears twice"
        seen.add(key)
        if key not in expected:
            yield f"link {where} is not one the model produces"
        elif link != expected[key]:
            fields = sorted(
                k for k in set(link) | set(expected[key]) if link.get(k) != expected[key].get(k)
            )
            verb = "differs" if len(fields) == 1 else "differ"
            yield f"link {where}: {', '.join(fields)} {verb} from the model's"
    for key in sorted(set(expected) - seen):
        yield f"link {' '.join(key)} of the model is missing"


@check(
    "CMEK-DOC-001",
    "links.json holds exactly the model's fields: version, stack name, template URL base, the "
    "templates map and every link, each equal to what `cmek links` produces.",
    sources.CFN_QUICK_CREATE,
)
def links_file(dist: DistDir) -> Problems:
    got, want = dist.links, _links_document(dist)
    for key in sorted(set(got) - set(want)):
        yield model.LINKS_FILE, f"field {key!r} is not in the model"
    for key in sorted(set(want) - set(got)):
        yield model.LINKS_FILE, f"field {key!r} of the model is missing"
    for key in ("version", "stack_name", "template_url_base"):
        if key in got and got[key] != want[key]:
            yield (
                model.LINKS_FILE,
                f"{key} is {str(got[key])[:120]!r}, the model says {want[key]!r}",
            )
    templates = got.get("templates")
    if isinstance(templates, dict):
        for name in sorted(set(templates) | set(want["templates"])):
            if templates.get(name) != want["templates"].get(name):
                shown = str(templates.get(name))[:120]
                yield model.LINKS_FILE, f"templates[{name!r}] is {shown!r}, not the model's URL"
    elif "templates" in got:
        yield model.LINKS_FILE, "templates is not a JSON object"
    for problem in _links_problems(got["links"], want["links"]):
        yield model.LINKS_FILE, problem


@cache
def allowed_urls(config: Config, files: frozenset[str]) -> frozenset[str]:
    """Every absolute URL a build's documents may hold: the quick-create links, and the objects
    `cmek publish` creates (each file of the build, the module archive and each module in it, the
    stable templates)."""
    from cmek.render import links

    urls = {link.url for link in links.links(config)}
    objects = {f"{model.VERSION}/{path}" for path in files}
    objects.add(f"{model.VERSION}/{model.MODULES_ZIP}")
    objects |= {model.template_path(stack, model.VERSION) for stack in model.STACKS}
    urls |= {config.templates.url(path) for path in objects}
    archive = config.templates.url(f"{model.VERSION}/{model.MODULES_ZIP}")
    urls |= {model.module_source(archive, module) for module in model.TERRAFORM_MODULES}
    urls.add(config.templates.base)
    return frozenset(urls)


def _relative_ok(relpath: str, target: str, files: frozenset[str]) -> bool:
    """A relative link resolves, inside DIR, to a file of the build or a folder holding some."""
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return True
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(relpath), path))
    if joined.startswith("..") or joined.startswith("/"):
        return False
    return joined in files or any(f.startswith(f"{joined}/") for f in files)


def _url_problems(relpath: str, text: str, allowed: frozenset[str]) -> Iterator[str]:
    """Every URL left once the model's own are taken out (longest first: an allowed URL may hold
    any character its template URL base allows, and the base is a prefix of the others)."""
    for url in sorted(allowed, key=len, reverse=True):
        text = text.replace(url, " ")
    for match in URL_PATTERN.finditer(text):
        url = match.group().rstrip(URL_TRAILING)
        if url not in allowed:
            yield f"links to {url[:160]!r}, not a URL the model produces"


def _markdown_problems(relpath: str, text: str, dist: DistDir, allowed: frozenset[str]):
    yield from _url_problems(relpath, text, allowed)
    for match in _MD_TARGET.finditer(text):
        target = match.group(1)
        if URL_PATTERN.match(target) or target.startswith("#"):
            continue
        if ":" in target.split("/", 1)[0] or not _relative_ok(relpath, target, dist.expected_files):
            yield f"links to {target[:160]!r}, not a file of the build"


class _Page(HTMLParser):
    """The parts of the page the check judges: link targets, text, scripts, styles, and every
    element with all its attributes (what the page's script reads, the meta tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.text: list[str] = []
        self.blocks: list[tuple[str, str]] = []
        self.elements: list[html_elements.Element] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(html_elements.element(tag, attrs))
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "data"):
                self.targets.append(value or "")
        if tag in ("script", "style"):
            self._inside = tag
            self.blocks.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)
        else:
            self.text.append(data)


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _page_problems(dist: DistDir, allowed: frozenset[str]) -> Iterator[str]:
    got = _page(dist.read(model.PAGE_FILE))
    want = _page(expected_artifacts(dist)[model.PAGE_FILE])
    if got.blocks != want.blocks:
        yield "its scripts or styles differ from the build's (the page's code and data)"
    if got.text != want.text:
        yield "its text differs from the build's (statements, commands or instructions edited)"
    # Every element with all its attributes: the meta tags (Content-Security-Policy) included.
    yield from html_elements.differences(got.elements, want.elements)
    for target in got.targets:
        if target.startswith("#") or target in allowed:
            continue
        if URL_PATTERN.match(target) or ":" in target.split("/", 1)[0] or target.startswith("//"):
            yield f"links to {target[:160]!r}, not a URL the model produces"
        elif not _relative_ok(model.PAGE_FILE, target, dist.expected_files):
            yield f"links to {target[:160]!r}, not a file of the build"
    yield from _url_problems(model.PAGE_FILE, "\n".join(got.text), allowed)


@check(
    "CMEK-DOC-002",
    "Every link in every README and in index.html (Markdown links, URLs, hrefs) is a console "
    "link or S3 object the model produces, or a file of the build; the page's scripts, styles, "
    "text and every element with all its attributes (option values, data-*, meta tags) are the "
    "build's.",
    sources.CFN_QUICK_CREATE,
)
def documents(dist: DistDir) -> Problems:
    allowed = allowed_urls(dist.config, dist.expected_files)
    for relpath in sorted(dist.files):
        if relpath.endswith(".md") and relpath in dist.expected_files:
            for problem in _markdown_problems(relpath, dist.read(relpath), dist, allowed):
                yield relpath, problem
    if dist.exists(model.PAGE_FILE) and model.PAGE_FILE in dist.expected_artifacts:
        for problem in _page_problems(dist, allowed):
            yield model.PAGE_FILE, problem
