"""Writing values into HCL source: every value that reaches a Terraform file goes through here.

`hcl_value` turns a Python value into an HCL expression; the HCL environment's `finalize` refuses
any `{{ ... }}` result that is not already `Hcl` text, so a template cannot write a raw string by
forgetting a filter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters written as \u escapes: controls, format characters, separators other than the plain
# space, private-use and unassigned code points. They are legal inside an HCL string but invisible
# or confusing in a file a reviewer reads.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"})


class Hcl(str):
    """HCL source text that is safe to write as is: an escaped value or code from this module."""


def hcl_string(value: str) -> Hcl:
    """`value` as a quoted HCL string literal that Terraform reads back as exactly `value`.

    Escapes backslash, quote and control characters, and doubles the `$`/`%` of `${`/`%{` so a
    value can never start an interpolation or a template directive. HCL normalises every string
    literal to Unicode NFC (escapes included, measured with Terraform 1.11), so a non-NFC value
    cannot survive the round trip and is refused rather than silently changed; lone surrogates
    cannot be written as UTF-8 and are refused too.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected a string to write as HCL, got {type(value).__name__}")
    if unicodedata.normalize("NFC", value) != value:
        raise ValueError(f"{value!r} is not NFC-normalised; HCL would change it")
    out = []
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError(f"{value!r} holds a lone surrogate, which is not text")
        elif char != " " and unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    text = "".join(out).replace("${", "$${").replace("%{", "%%{")
    return Hcl(f'"{text}"')


def hcl_value(value: Any) -> Hcl:
    """A Python value as an HCL expression on one line (strings through `hcl_string`)."""
    if isinstance(value, Hcl):
        return value
    if value is None:
        return Hcl("null")
    if isinstance(value, bool):
        return Hcl("true" if value else "false")
    if isinstance(value, int):
        return Hcl(str(value))
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Mapping):
        if not value:
            return Hcl("{}")
        items = ", ".join(f"{_key(k)} = {hcl_value(v)}" for k, v in value.items())
        return Hcl(f"{{ {items} }}")
    if isinstance(value, Sequence):
        return Hcl("[" + ", ".join(hcl_value(v) for v in value) + "]")
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _key(name: str) -> Hcl:
    """An object key: bare when it is an identifier (an attribute name, as the providers' docs and
    examples write it and schema tools read it), else a quoted string."""
    return Hcl(name) if _IDENTIFIER.fullmatch(name) else hcl_string(name)


def hcl_identifier(name: str, width: int = 0) -> Hcl:
    """A block label or attribute name, padded to `width` (what `terraform fmt` aligns)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not an HCL identifier")
    return Hcl(str(name).ljust(width))


def hcl_comment(text: str) -> Hcl:
    """Text for a `#` comment line: a line break would end the comment and start code."""
    if "\n" in text or "\r" in text:
        raise ValueError(f"{text!r} cannot be a one-line comment")
    return Hcl(text)


def only_hcl(value: Any) -> Hcl:
    if isinstance(value, Hcl):
        return value
    raise TypeError(f"unescaped value {value!r} in an HCL template: pipe it through | hcl")
