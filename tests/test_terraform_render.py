"""The Terraform renderer: file set, determinism, HCL escaping (checked by real Terraform), fmt."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

import hcl2
import pytest
from cmek import model, regions, terraform_runner
from cmek.config import Config
from cmek.model import TfModule
from cmek.render import tf_modules as render
from cmek.render.hcl import Hcl, hcl_comment, hcl_identifier, hcl_string, hcl_value
from cmek.render.tf_interface import EXTERNAL_ID_RE2_PATTERN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_renders_every_module_example_and_test_file() -> None:
    files = render.artifacts(Config())
    for module in TfModule:
        for name in model.TF_MODULE_FILES:
            assert f"{module.path}/{name}" in files
    tests_dir = f"{TfModule.POLICY.path}/{model.TERRAFORM_TESTS_DIR}/"
    tests = [p for p in files if p.startswith(tests_dir)]
    assert tests and all(p.endswith(".tftest.hcl") for p in tests)
    examples = [*model.TF_EXAMPLE_PATHS.values(), model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2]
    for example in examples:
        for name in model.TF_EXAMPLE_FILES:
            assert f"{example}/{name}" in files
    assert all(p.startswith(f"{model.TERRAFORM_DIR}/") for p in files)


def test_rendering_is_deterministic() -> None:
    assert render.artifacts(Config()) == render.artifacts(Config())


def _role_default(files: dict[str, str], module: TfModule) -> object:
    variables = hcl2.loads(files[f"{module.path}/variables.tf"])
    label = f'"{model.TfVar.CLICKHOUSE_ROLE_ARN.value}"'
    (body,) = [v[label] for v in variables["variable"] if label in v]
    return body["default"]


@pytest.mark.parametrize("profile", list(model.PROFILES.values()), ids=list(model.PROFILES))
def test_config_principal_is_the_v1_default_and_never_v2s(profile: model.Profile) -> None:
    # A v1 config's principal is v1's default (the role module's, and cmek-policy's fallback); the
    # modules with a profile default to null, so no principal silently applies to v2.
    principal = "arn:aws:iam::111122223333:role/clickhouse/other"
    files = render.artifacts(Config(profile=profile, principal=principal))
    v1 = principal if profile is model.V1 else model.CLICKHOUSE_PRINCIPAL
    assert _role_default(files, TfModule.EXISTING_KEY) == f'"{v1}"'
    assert _role_default(files, TfModule.POLICY) is None
    assert _role_default(files, TfModule.NEW_KEY) is None
    main = hcl2.loads(files[f"{TfModule.POLICY.path}/main.tf"])
    fallback = main["locals"][0][model.TF_DEFAULT_PRINCIPALS_LOCAL]
    assert fallback == {model.V1.name: f'"{v1}"'}


def test_policy_module_is_provider_free() -> None:
    files = render.artifacts(Config())
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        doc = hcl2.loads(files[f"{TfModule.POLICY.path}/{name}"])
        assert not {"provider", "resource", "data", "module"} & set(doc)
    assert "required_providers" not in files[f"{TfModule.POLICY.path}/versions.tf"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ("two\nlines\r\tend", r'"two\nlines\r\tend"'),
        ("${var.secret}", '"$${var.secret}"'),
        ("%{ if true }x%{ endif }", '"%%{ if true }x%%{ endif }"'),
        ("$${already}", '"$$${already}"'),
        ("nul\x00bell\x07", r'"nul\u0000bell\u0007"'),
        ("nbsp\u00a0zwsp\u200b", r'"nbsp\u00A0zwsp\u200B"'),
        ("\U000f0000", r'"\U000F0000"'),
        ("café ☕", '"café ☕"'),
    ],
)
def test_hcl_string_escapes(value: str, expected: str) -> None:
    assert hcl_string(value) == expected


@pytest.mark.parametrize("value", ["e\u0301", "\ud800"])
def test_hcl_string_refuses_text_hcl_would_change(value: str) -> None:
    # HCL normalises literals to NFC (even \u escapes); a lone surrogate is not text.
    with pytest.raises(ValueError):
        hcl_string(value)


def test_hcl_value_writes_python_values() -> None:
    assert hcl_value(None) == "null"
    assert hcl_value(True) == "true"
    assert hcl_value(30) == "30"
    assert hcl_value(["a", "${b}"]) == '["a", "$${b}"]'
    assert hcl_value({}) == "{}"
    assert hcl_value({"k": "v"}) == '{ k = "v" }'
    assert hcl_value({"a key": "v"}) == '{ "a key" = "v" }'
    assert hcl_value(Hcl("var.x")) == "var.x"
    with pytest.raises(TypeError):
        hcl_value(1.5)


def test_hcl_templates_refuse_unescaped_values() -> None:
    hcl_env, _ = render._environments()
    with pytest.raises(TypeError, match="unescaped"):
        hcl_env.from_string("x = {{ value }}").render(value='"; evil = "')
    assert hcl_env.from_string("x = {{ value | hcl }}").render(value='"') == r'x = "\""'


@pytest.mark.parametrize("bad", ["a\nb", "a\rb"])
def test_comments_and_identifiers_refuse_line_breaks(bad: str) -> None:
    with pytest.raises(ValueError):
        hcl_comment(bad)
    with pytest.raises(ValueError):
        hcl_identifier(bad)


def _nfc_text() -> st.SearchStrategy[str]:
    # Surrogates cannot be written as UTF-8; HCL itself rewrites non-NFC text (refused above).
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
    interesting = st.sampled_from(["${", "%{", "$${", "%%{", "\\", '"', "\n", "$", "%", "{"])
    pieces = st.lists(st.one_of(text, interesting), max_size=6).map("".join)
    return pieces.filter(lambda s: unicodedata.normalize("NFC", s) == s)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_nfc_text(), min_size=1, max_size=30))
def test_terraform_reads_escaped_strings_back_exactly(values: list[str]) -> None:
    """Real Terraform, not a re-implementation, is the judge of the escaping."""
    items = "".join(f"    {hcl_string(v)},\n" for v in values)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "main.tf").write_text(
            f'output "values" {{\n  value = [\n{items}  ]\n}}\n', encoding="utf-8"
        )
        assert terraform_runner.apply_outputs(Path(tmp), {})["values"] == values


def test_partitions_are_those_of_the_pattern_and_botocore() -> None:
    # The pattern is built from the tuple; botocore's endpoint data says which partitions exist.
    assert all(re.fullmatch(model.PARTITION_PATTERN, p) for p in model.PARTITIONS)
    known = {p for p in regions.partitions() if re.fullmatch(model.PARTITION_PATTERN, p)}
    assert set(model.PARTITIONS) == known


@pytest.mark.parametrize("length", [1, 2, 3, model.EXTERNAL_ID_MAX, model.EXTERNAL_ID_MAX + 1])
def test_external_id_rule_for_terraform_equals_the_model(length: int) -> None:
    value = "a" * length
    terraform_rule = bool(re.fullmatch(EXTERNAL_ID_RE2_PATTERN, value)) and (
        length <= model.EXTERNAL_ID_MAX
    )
    assert terraform_rule == bool(re.fullmatch(model.EXTERNAL_ID_PATTERN, value))


def test_no_rendered_regex_repeats_more_than_re2_allows() -> None:
    # RE2 rejects {n,m} above 1000; can(regex(...)) would then silently reject every value.
    files = render.artifacts(Config())
    patterns = [
        pattern
        for path, text in files.items()
        if path.endswith(".tf")
        for pattern in re.findall(r'regex\("((?:[^"\\]|\\.)*)"', text)
    ]
    bounds = [re.findall(r"\{(\d+)(?:,(\d*))?\}", pattern) for pattern in patterns]
    counts = [int(n) for found in bounds for pair in found for n in pair if n]
    assert counts and max(counts) <= 1000


def test_rendered_files_parse_and_are_fmt_clean(built: Path) -> None:
    base = built / model.TERRAFORM_DIR
    for path in base.rglob("*"):
        if path.name.endswith((".tf", ".tfvars.example", ".tftest.hcl")):
            hcl2.loads(path.read_text(encoding="utf-8"))
    assert terraform_runner.fmt_check(base) == []
