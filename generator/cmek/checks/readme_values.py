"""Every link and every command a README shows is the build's.

CMEK-DOC-002 judges each URL against the set the model produces; a README can still send a user
elsewhere through a link form a regex misses (a reference definition `[x]: url`, raw HTML), or
tell them to run something else (a changed `cmek grant`, an added `curl ... | sh`). Here each
README, parsed as CommonMark (markdown-it-py), is compared with the same file rendered fresh from
the model: every link target (inline, reference definitions, autolinks, images, raw HTML
attributes, bare URLs) and every line of code (fenced and indented blocks, inline code) the user
receives must be one the build writes, as many times as it does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.docs_links import URL_PATTERN, URL_TRAILING

_LINK, _CODE = "link", "code"
# Attributes of raw HTML whose value a browser follows or loads.
_HTML_TARGETS = ("href", "src", "srcset", "action", "formaction", "poster", "data", "cite")
_SHOWN = 160


class _Targets(HTMLParser):
    """The URL-bearing attribute values of a fragment of raw HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(value or "" for name, value in attrs if name in _HTML_TARGETS)


def _html_targets(fragment: str) -> list[str]:
    parser = _Targets()
    parser.feed(fragment)
    parser.close()
    return parser.found


def _token_items(tokens: list[Any]) -> Iterator[tuple[str, str]]:
    for token in tokens:
        if token.type in ("fence", "code_block", "code_inline"):
            lines = (line.strip() for line in token.content.splitlines())
            yield from ((_CODE, line) for line in lines if line)
        elif token.type in ("html_block", "html_inline"):
            yield from ((_LINK, url) for url in _html_targets(token.content))
        elif token.type == "link_open":
            yield _LINK, str(token.attrs.get("href", ""))
        elif token.type == "image":
            yield _LINK, str(token.attrs.get("src", ""))
        if token.children:
            yield from _token_items(token.children)


def items(text: str) -> Counter[tuple[str, str]]:
    """Every (kind, value) a README shows: link targets and lines of code, with their counts.

    Reference definitions count whether or not a link uses them; bare URLs count as written."""
    from markdown_it import MarkdownIt

    env: dict[str, Any] = {}
    tokens = MarkdownIt("commonmark").parse(text, env)
    found: Counter[tuple[str, str]] = Counter(_token_items(tokens))
    found.update((_LINK, ref["href"]) for ref in env.get("references", {}).values())
    bare = (match.group().rstrip(URL_TRAILING) for match in URL_PATTERN.finditer(text))
    found.update(("bare URL", url) for url in bare)
    return found


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else f"{value[:_SHOWN]}...")


def readme_problems(got: str, want: str) -> Iterator[str]:
    """One problem per link target or line of code the README shows more often than the build's
    (a target once, however many forms carry it)."""
    extra = items(got) - items(want)
    for value in sorted({value for kind, value in extra if kind == _CODE}):
        yield f"shows the code line {_shown(value)}, which the build's README does not"
    for value in sorted({value for kind, value in extra if kind != _CODE}):
        yield f"links to {_shown(value)}, which the build's README does not"


@check(
    "CMEK-DOC-003",
    "Every README holds only the build's links (inline, reference definitions, autolinks, images, "
    "raw HTML, bare URLs) and code lines (fenced, indented, inline: the commands a user runs), as "
    "a fresh render from the model writes them.",
    sources.CFN_QUICK_CREATE,
)
def readmes(dist: DistDir) -> Problems:
    expected = dist.expected_artifacts
    for relpath in sorted(dist.files):
        if relpath.endswith(".md") and relpath in expected:
            for problem in readme_problems(dist.read(relpath), expected[relpath]):
                yield relpath, problem
