"""Property tests: for any valid principal, key ARNs, external ID and stack name, the rendering
(templates, Terraform modules and pre-filled console links) passes every check of `cmek check`."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build, config, validate
from generator.checks import DistDir, discover, run_all
from generator.render import cloudformation, links
from generator.render.links import StackInputs

accounts = st.text(string.digits, min_size=12, max_size=12)
role_names = st.text(string.ascii_letters + string.digits + "+=,.@_-", min_size=1, max_size=64)
principals = st.builds(lambda a, n: f"arn:aws:iam::{a}:role/{n}", accounts, role_names)
uuids = st.uuids().map(str)
mrk = st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda h: f"mrk-{h}")
commercial_regions = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-7", "us-west-2"])
key_arns = st.builds(
    lambda r, a, k: f"arn:aws:kms:{r}:{a}:key/{k}", commercial_regions, accounts, uuids | mrk
)
external_ids = st.just("") | st.text(
    string.ascii_letters + string.digits + "+=,.@:/_-", min_size=2, max_size=1224
)
key_tuples = st.lists(key_arns, min_size=1, max_size=5, unique=True).map(tuple)
stack_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(string.ascii_letters),
    st.text(string.ascii_letters + string.digits + "-", max_size=127),
)

LINK_CHECKS = [i for i in discover() if i.startswith("CMEK-LINK-")]
SLOW = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=10, **SLOW)
@given(principal=principals, inputs=st.builds(StackInputs, stack_names, key_tuples, external_ids))
def test_every_rendering_passes_check(
    tmp_path_factory: pytest.TempPathFactory, principal: str, inputs: StackInputs
) -> None:
    """The whole `cmek check` (cfn-lint, real Terraform) on builds for any principal."""
    cfg = config.from_mapping({"principal": principal, "regions": ["us-east-1", "eu-west-1"]})
    out = tmp_path_factory.mktemp("prop") / "dist"
    build.write(build.artifacts(cfg, inputs), out)
    assert run_all(DistDir(out, cfg)) == []


@settings(max_examples=60, **SLOW)
@given(inputs=st.builds(StackInputs, stack_names, key_tuples, external_ids))
def test_any_customer_inputs_give_links_the_templates_accept(
    tmp_path_factory: pytest.TempPathFactory, inputs: StackInputs
) -> None:
    """Pre-filled links (the only artifact customer values reach) against the templates."""
    cfg = config.Config()
    out = tmp_path_factory.mktemp("links") / "dist"
    build.write(cloudformation.artifacts(cfg) | links.artifacts(cfg, inputs), out)
    assert run_all(DistDir(out, cfg), only=LINK_CHECKS) == []


@given(keys=st.lists(key_arns, min_size=1, max_size=3), external_id=external_ids)
def test_valid_values_are_accepted_by_validation(keys: list[str], external_id: str) -> None:
    assert validate.key_arns(keys, "--key-arn") == keys
    assert validate.external_id(external_id, "--external-id") == external_id
