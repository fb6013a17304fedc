"""Terraform provider schemas read offline, one small parser per source, for conformance tests.

- `tfplugindocs(text)`: a provider's generated documentation page (its "Schema" section: Required,
  Optional, Read-Only and the nested schemas), as ClickHouse publishes it (tests/vendor).
- `cdktf(tarball, type_name)`: a resource's or data source's arguments from a prebuilt CDKTF
  provider package (`lib/<name>/index.js` synthesises every argument, `index.d.ts` marks the
  required ones), which HashiCorp generates from the provider's own schema. The package is fetched
  with `npm pack` into a gitignored cache (`python tests/schemas.py fetch`, as `.ci/run` does).

Nothing here knows cmek: the AWS and the GCP conformance tests both use it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# hashicorp/aws 6.25.0 and hashicorp/google 6.50.0, as HashiCorp's CDKTF bindings publish their
# schemas.
CDKTF_AWS_PACKAGE = "@cdktf/provider-aws"
CDKTF_AWS_VERSION = "21.22.1"
CDKTF_GOOGLE_PACKAGE = "@cdktf/provider-google"
CDKTF_GOOGLE_VERSION = "16.12.1"
CDKTF_PACKAGES: dict[str, str] = {
    CDKTF_AWS_PACKAGE: CDKTF_AWS_VERSION,
    CDKTF_GOOGLE_PACKAGE: CDKTF_GOOGLE_VERSION,
}
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "provider-schemas"


@dataclass(frozen=True)
class Schema:
    """One block's attributes by role, and its nested blocks or attributes by name."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()
    nested: Mapping[str, Schema] = field(default_factory=dict)

    @property
    def arguments(self) -> frozenset[str]:
        """What a configuration may set: the required and the optional attributes."""
        return self.required | self.optional


# --- tfplugindocs ---------------------------------------------------------------------------------
_SECTIONS = {"required": "required", "optional": "optional", "read-only": "read_only"}
_ITEM = re.compile(r"^- `([A-Za-z0-9_]+)` \(")
_NESTED = re.compile(r"^### Nested Schema for `([A-Za-z0-9_.]+)`")


def tfplugindocs(text: str) -> Schema:
    """The schema a tfplugindocs page states: its "## Schema" section and nested schemas."""
    if "\n## Schema" not in text:
        raise ValueError("no '## Schema' section")
    body = text.split("\n## Schema", 1)[1].split("\n## ", 1)[0]
    roles: dict[str, dict[str, set[str]]] = {"": {}}
    path, role = "", None
    for line in body.splitlines():
        line = line.strip()
        if match := _NESTED.match(line):
            path, role = match.group(1), None
            roles.setdefault(path, {})
        elif (name := line.lstrip("#").strip().rstrip(":").lower()) in _SECTIONS:
            role = _SECTIONS[name]
        elif (match := _ITEM.match(line)) and role:
            roles[path].setdefault(role, set()).add(match.group(1))
    return _tree(roles, "")


def _tree(roles: dict[str, dict[str, set[str]]], path: str) -> Schema:
    prefix = f"{path}." if path else ""
    children = {
        p[len(prefix) :]: _tree(roles, p)
        for p in roles
        if p.startswith(prefix) and p != path and "." not in p[len(prefix) :]
    }
    own = roles.get(path, {})
    return Schema(
        **{role: frozenset(own.get(role, ())) for role in _SECTIONS.values()}, nested=children
    )


# --- CDKTF prebuilt providers ---------------------------------------------------------------------
def cdktf_package(
    package: str = CDKTF_AWS_PACKAGE, version: str = CDKTF_AWS_VERSION, cache: Path = CACHE_DIR
) -> Path | None:
    """The package's tarball in `cache`, fetched with `npm pack` on first use; None without npm."""
    name = f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    tarball = cache / name
    if tarball.is_file():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", str(cache)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return tarball


_ENTRY = re.compile(r"^\s+([a-z0-9_]+): (.+?),?$")
_FIELD = re.compile(r"(?:this\._|struct\.|struct!\.)(\w+)")
_NESTED_FN = re.compile(r"(?<!cdktf\.)\b([a-z]\w*)ToTerraform\b")
_MEMBER = re.compile(r"^\s+readonly (\w+)(\??):", re.MULTILINE)


def _directory(type_name: str, data: bool) -> str:
    """lib/<directory> of a resource (aws_kms_key -> kms-key) or data source (data-aws-...)."""
    kebab = type_name.replace("_", "-")
    return f"data-{kebab}" if data else kebab.split("-", 1)[1]


def _returned(js: str, opening: str) -> str:
    """The object literal returned by the function that starts at `opening`."""
    start = js.index(opening)
    body = js[js.index("return {", start) + len("return {") :]
    return body[: body.index("};")]


def _members(dts: str, interface: str) -> dict[str, bool]:
    """Member name -> required, of one interface in index.d.ts."""
    start = re.search(rf"^export interface {interface}\b.*$", dts, re.MULTILINE)
    if start is None:
        return {}
    body = dts[start.end() : dts.index("\n}", start.end())]
    return {name: not optional for name, optional in _MEMBER.findall(body)}


def _struct(js: str, dts: str, opening: str, interface: str) -> Schema:
    members = _members(dts, interface)
    required, optional, nested = set(), set(), {}
    for line in _returned(js, opening).splitlines():
        if not (entry := _ENTRY.match(line)):
            continue
        name, value = entry.groups()
        camel = _FIELD.search(value)
        (required if camel and members.get(camel.group(1)) else optional).add(name)
        if fn := _NESTED_FN.search(value):
            inner = fn.group(1)
            opening_inner = f"function {inner}ToTerraform(struct)"
            nested[name] = _struct(js, dts, opening_inner, inner[0].upper() + inner[1:])
    return Schema(frozenset(required), frozenset(optional), nested=nested)


def cdktf(tarball: Path, types: Iterable[tuple[str, bool]]) -> dict[str, Schema | None]:
    """Each (type name, is a data source)'s arguments from a CDKTF provider package, read in one
    pass over the archive; None for a type the package does not have."""
    wanted = {
        f"package/lib/{_directory(name, data)}/{file}": name
        for name, data in types
        for file in ("index.js", "index.d.ts")
    }
    texts: dict[str, dict[str, str]] = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            if member.name in wanted and (handle := archive.extractfile(member)):
                texts.setdefault(wanted[member.name], {})[member.name.rsplit("/", 1)[1]] = (
                    handle.read().decode()
                )
    return {name: _parse_cdktf(name, texts.get(name, {})) for name in set(wanted.values())}


def _parse_cdktf(type_name: str, files: dict[str, str]) -> Schema | None:
    js, dts = files.get("index.js", ""), files.get("index.d.ts", "")
    if f'"{type_name}"' not in js:
        return None
    config = re.search(
        r"^export interface (\w+Config) extends cdktf\.TerraformMetaArguments", dts, re.MULTILINE
    )
    return _struct(js, dts, "synthesizeAttributes() {", config.group(1) if config else "")


if __name__ == "__main__":
    if sys.argv[1:] == ["fetch"]:
        for package, version in CDKTF_PACKAGES.items():
            path = cdktf_package(package, version)
            if path is None:
                sys.exit("npm is not installed")
            print(path)
    else:
        sys.exit("usage: python tests/schemas.py fetch")
