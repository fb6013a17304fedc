"""Our Terraform checked against the providers' own published schemas, offline.

ClickHouse: the tfplugindocs pages of provider v3.25.3 (tests/vendor) and its TDE example.
hashicorp/aws 6.25.0: HashiCorp's prebuilt CDKTF bindings (`tests/schemas.py`), fetched with npm
into a gitignored cache; without npm the AWS tests skip locally and fail in CI.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
import schemas
from cmek import model
from cmek.checks.tf_files import blocks

VENDOR = Path(__file__).parent / "vendor" / "terraform-provider-clickhouse"
TDE_EXAMPLE = VENDOR / "examples" / "full" / "tde" / "aws" / "main.tf"
# Meta-arguments Terraform itself reads on every resource or data block.
META_ARGUMENTS = frozenset({"lifecycle", "depends_on", "count", "for_each", "provider"})

Block = tuple[str, str, str, dict[str, Any]]  # (file, kind, type, body)


def _our_blocks(built: Path, prefix: str) -> list[Block]:
    found = []
    for path in sorted((built / model.TERRAFORM_DIR).rglob("*.tf")):
        doc = hcl2.loads(path.read_text(encoding="utf-8"))
        for kind in ("resource", "data"):
            for labels, body in blocks(doc, kind):
                if labels[0].startswith(prefix):
                    found.append((str(path.relative_to(built)), kind, labels[0], body))
    return found


def _arguments(body: dict[str, Any]) -> set[str]:
    return {k for k in body if not k.startswith("__") and k not in META_ARGUMENTS}


def _nested_bodies(value: Any) -> list[dict[str, Any]]:
    """An object attribute (a dict) or nested blocks (a list of dicts); expressions give none."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def problems(where: str, body: dict[str, Any], schema: schemas.Schema) -> Iterator[str]:
    """Every argument exists and is settable, every required one is set, nested ones too."""
    given = _arguments(body)
    for name in sorted(given - schema.arguments):
        role = "read-only" if name in schema.read_only else "unknown"
        yield f"{where}: {name} is {role}"
    for name in sorted(schema.required - given):
        yield f"{where}: required {name} is not set"
    for name in sorted(given & set(schema.nested)):
        for inner in _nested_bodies(body[name]):
            yield from problems(f"{where}.{name}", inner, schema.nested[name])


def _clickhouse_schema(kind: str, type_name: str) -> schemas.Schema | None:
    """The docs page's schema; for a block whose page is not vendored (`clickhouse_api_key_id`,
    which ClickHouse's own GCP example reads), exactly the arguments ClickHouse's examples set."""
    folder = "resources" if kind == "resource" else "data-sources"
    page = VENDOR / "docs" / folder / f"{type_name.removeprefix('clickhouse_')}.md"
    if page.is_file():
        return schemas.tfplugindocs(page.read_text(encoding="utf-8"))
    examples = [
        _arguments(body)
        for path in sorted((VENDOR / "examples").rglob("*.tf"))
        for labels, body in blocks(hcl2.loads(path.read_text(encoding="utf-8")), kind)
        if labels[0] == type_name
    ]
    return schemas.Schema(optional=frozenset().union(*examples)) if examples else None


def _judge(found: list[Block], schema_of: Any) -> list[str]:
    result = []
    for file, kind, type_name, body in found:
        schema = schema_of(kind, type_name)
        if schema is None:
            result.append(f"{file}: {kind} {type_name} is not in the provider's schema")
        else:
            result.extend(problems(f"{file}: {kind} {type_name}", body, schema))
    return result


def test_tfplugindocs_parser_reads_roles_and_nested_schemas() -> None:
    service = _clickhouse_schema("resource", model.CLICKHOUSE_SERVICE_RESOURCE)
    assert service is not None
    assert {"name", "cloud_provider", "region", "ip_access"} == service.required
    assert {"min_replica_memory_gb", "max_replica_memory_gb"} <= service.optional
    assert "id" in service.read_only and "id" not in service.arguments
    tde = service.nested["transparent_data_encryption"]
    assert (tde.optional, tde.read_only) == ({"enabled"}, {"role_id"})
    assert service.nested["endpoints"].nested["mysql"].required == {"enabled"}


def test_every_clickhouse_block_and_argument_we_use_is_in_the_provider_schema(
    built: Path,
) -> None:
    found = _our_blocks(built, "clickhouse_")
    assert {t for _, _, t, _ in found} == {
        model.CLICKHOUSE_SERVICE_RESOURCE,
        model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE,
        model.CLICKHOUSE_API_KEY_DATA_SOURCE,
    }
    assert {k for _, k, _, _ in found} == {"resource", "data"}
    assert _judge(found, _clickhouse_schema) == []


def test_a_renamed_argument_is_caught(built: Path) -> None:
    found = copy.deepcopy(_our_blocks(built, model.CLICKHOUSE_SERVICE_RESOURCE))
    found = [b for b in found if b[0].startswith(model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2 + "/")]
    service = next(b for _, k, t, b in found if k == "resource" and t.endswith("_service"))
    service["min_replica_memory"] = service.pop("min_replica_memory_gb")
    assert _judge(found, _clickhouse_schema) == [
        f"{model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2}/main.tf: resource "
        f"{model.CLICKHOUSE_SERVICE_RESOURCE}: min_replica_memory is unknown"
    ]


def test_an_argument_clickhouse_examples_do_not_set_on_an_undocumented_block_is_caught(
    built: Path,
) -> None:
    found = copy.deepcopy(_our_blocks(built, model.CLICKHOUSE_API_KEY_DATA_SOURCE))
    assert found and _judge(found, _clickhouse_schema) == []
    found[0][3]["name"] = "x"
    assert _judge(found[:1], _clickhouse_schema) == [
        f"{found[0][0]}: data {model.CLICKHOUSE_API_KEY_DATA_SOURCE}: name is unknown"
    ]


def test_a_read_only_or_missing_required_argument_is_caught(built: Path) -> None:
    found = copy.deepcopy(_our_blocks(built, model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE))
    for _, _, _, body in found:
        del body["key_id"]
    found[0][3]["transparent_data_encryption"] = {"role_id": "x"}
    assert len(_judge(found, _clickhouse_schema)) == len(found) + 1


def _service_arguments(path: Path) -> set[str]:
    doc = hcl2.loads(path.read_text(encoding="utf-8"))
    bodies = [b for labels, b in blocks(doc, "resource") if labels[0] == "clickhouse_service"]
    assert len(bodies) == 1
    return _arguments(bodies[0])


def _left_out(readme: str) -> set[str]:
    """The arguments an example README lists as left out of ClickHouse's example."""
    section = readme.split("## Set as in ClickHouse's own TDE example", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([a-z0-9_]+)`: \S", section, re.MULTILINE))


def _missing_from_ours(ours: set[str], readme: str) -> set[str]:
    return _service_arguments(TDE_EXAMPLE) - ours - _left_out(readme)


def test_every_argument_clickhouse_sets_is_set_or_named_as_left_out(built: Path) -> None:
    example = built / model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2
    readme = (example / "README.md").read_text(encoding="utf-8")
    ours = _service_arguments(example / "main.tf")
    assert {"min_replica_memory_gb", "max_replica_memory_gb"} <= _service_arguments(TDE_EXAMPLE)
    assert _missing_from_ours(ours, readme) == set()
    # Nothing is both set and excused.
    assert not ours & _left_out(readme)


def test_a_dropped_memory_field_is_caught(built: Path) -> None:
    example = built / model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2
    readme = (example / "README.md").read_text(encoding="utf-8")
    ours = _service_arguments(example / "main.tf") - {"max_replica_memory_gb"}
    assert _missing_from_ours(ours, readme) == {"max_replica_memory_gb"}


def _package(package: str) -> Path:
    tarball = schemas.cdktf_package(package, schemas.CDKTF_PACKAGES[package])
    if tarball is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"npm is required in CI to fetch {package}")
        pytest.skip(f"npm is not installed: cannot fetch {package}")
    return tarball


@pytest.fixture(scope="module")
def aws_package() -> Path:
    return _package(schemas.CDKTF_AWS_PACKAGE)


@pytest.fixture(scope="module")
def google_package() -> Path:
    return _package(schemas.CDKTF_GOOGLE_PACKAGE)


def _judge_against(found: list[Block], tarball: Path) -> list[str]:
    wanted = sorted({(t, k == "data") for _, k, t, _ in found})
    by_type = dict(zip(wanted, _lookup(tarball, wanted), strict=True))
    return _judge(found, lambda kind, name: by_type[(name, kind == "data")])


def test_every_aws_block_and_argument_we_use_is_in_the_aws_provider_schema(
    built: Path, aws_package: Path
) -> None:
    found = _our_blocks(built, "aws_")
    assert ("aws_kms_key_policy", "resource") in {(t, k) for _, k, t, _ in found}
    assert _judge_against(found, aws_package) == []


def test_every_google_block_and_argument_we_use_is_in_the_google_provider_schema(
    built: Path, google_package: Path
) -> None:
    found = _our_blocks(built, "google_")
    assert {t for _, _, t, _ in found} == {
        model.GOOGLE_KMS_KEY_RING_RESOURCE,
        model.GOOGLE_KMS_CRYPTO_KEY_RESOURCE,
        model.GOOGLE_KMS_IAM_MEMBER_RESOURCE,
    }
    assert _judge_against(found, google_package) == []


def test_a_renamed_google_argument_is_caught(built: Path, google_package: Path) -> None:
    found = copy.deepcopy(_our_blocks(built, model.GOOGLE_KMS_IAM_MEMBER_RESOURCE))
    file, kind, type_name, body = found[0]
    body["members"] = body.pop("member")
    assert _judge_against(found[:1], google_package) == [
        f"{file}: {kind} {type_name}: members is unknown",
        f"{file}: {kind} {type_name}: required member is not set",
    ]


def _lookup(tarball: Path, types: list[tuple[str, bool]]) -> list[schemas.Schema | None]:
    # Resources and data sources can share a name (aws_kms_key): look them up separately.
    result = {}
    for data in (False, True):
        names = [(n, d) for n, d in types if d is data]
        result.update({(n, data): s for n, s in schemas.cdktf(tarball, names).items()})
    return [result[t] for t in types]


def test_the_aws_parser_knows_required_and_unknown_arguments(aws_package: Path) -> None:
    key_policy = schemas.cdktf(aws_package, [("aws_kms_key_policy", False)])["aws_kms_key_policy"]
    assert key_policy is not None and key_policy.required == {"key_id", "policy"}
    body = {"key_id": "k", "policy_json": "{}"}
    assert list(problems("p", body, key_policy)) == [
        "p: policy_json is unknown",
        "p: required policy is not set",
    ]
    assert schemas.cdktf(aws_package, [("aws_kms_no_such", False)]) == {"aws_kms_no_such": None}
