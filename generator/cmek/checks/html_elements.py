"""Comparing a page's elements, each with every attribute, with the build's page.

The launch page's script reads attributes (an `<option value>` becomes a link's region, a `data-*`
attribute the profile, an `href` where a link goes): any of them edited can send every Launch
Stack link, with the role the user typed, elsewhere. The elements are aligned with difflib so that
one inserted element is one finding, not a shift of every element after it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

Element = tuple[str, tuple[tuple[str, str | None], ...]]
_SHOWN = 160


def element(tag: str, attrs: list[tuple[str, str | None]]) -> Element:
    """A start tag as compared: its name and its attributes in the order written."""
    return tag, tuple(attrs)


def _shown(item: Element) -> str:
    tag, attrs = item
    shown = (f' {name}="{value}"' if value is not None else f" {name}" for name, value in attrs)
    text = f"<{tag}{''.join(shown)}>"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def _changed(got: Element, want: Element) -> str:
    """What differs between two elements at the same place: the tag or the first attribute."""
    if got[0] != want[0]:
        return f"{_shown(got)} stands where the build has {_shown(want)}"
    ours, theirs = dict(got[1]), dict(want[1])
    for name in [*theirs, *(n for n in ours if n not in theirs)]:
        if name not in ours:
            return f"{_shown(got)} lacks the build's attribute {name}"
        if name not in theirs:
            return f"{_shown(got)} has attribute {name}, the build's has not"
        if ours[name] != theirs[name]:
            return f"<{got[0]}> attribute {name} is {ours[name]!r}, the build's is {theirs[name]!r}"
    return f"{_shown(got)} has attributes repeated or reordered from the build's {_shown(want)}"


def differences(got: list[Element], want: list[Element]) -> Iterator[str]:
    """One message per element added, missing or changed, in the page's order."""
    matcher = difflib.SequenceMatcher(None, got, want, autojunk=False)
    for op, g1, g2, w1, w2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(g2 - g1, w2 - w1) if op == "replace" else 0
        for offset in range(pairs):
            yield _changed(got[g1 + offset], want[w1 + offset])
        for item in got[g1 + pairs : g2]:
            yield f"{_shown(item)} is not in the build's page"
        for item in want[w1 + pairs : w2]:
            yield f"{_shown(item)} of the build's page is missing"
