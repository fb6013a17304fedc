"""Property tests: for any valid principal, key ARNs, external ID and stack name, the rendering
(templates, Terraform modules and pre-filled console links) passes every check of `cmek check`."""

from __future__ import annotations

import string

import pytest
from cmek import build, config, model, regions, validate
from cmek.checks import DistDir, discover, run_all
from cmek.render import cloudformation, links
from cmek.render.links import StackInputs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Checks run here fork cmek check's second process from this one: warm it once (conftest.py).
pytestmark = pytest.mark.usefixtures("warm_check_caches")

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


# --- Any accepted configuration (issue 12) -------------------------------------------------------
path_segments = st.lists(
    st.text(string.ascii_letters + string.digits + "+=,.@_-", min_size=1, max_size=8),
    max_size=2,
)
config_principals = st.builds(
    lambda a, path, n: f"arn:aws:iam::{a}:role/{''.join(s + '/' for s in path)}{n}",
    accounts,
    path_segments,
    role_names,
)
buckets = st.from_regex(model.S3_BUCKET_CHARS_PATTERN, fullmatch=True).filter(
    lambda b: validate._bucket_problem(b) is None
)
prefixes = st.lists(
    st.from_regex(r"[A-Za-z0-9!_.*'()-]{1,8}", fullmatch=True).filter(
        lambda s: s not in (".", "..")
    ),
    max_size=3,
).map(lambda segments: "".join(f"{s}/" for s in segments))
cfn_regions = regions.cloudformation_regions(model.COMMERCIAL_PARTITION)
template_url_bases = st.builds(
    lambda style, bucket, region, prefix: (
        f"https://s3.{region}.amazonaws.com/{bucket}/{prefix}"
        if style
        else f"https://{bucket}.s3.{region}.amazonaws.com/{prefix}"
    ),
    st.booleans(),
    buckets,
    st.sampled_from(cfn_regions),
    prefixes,
)
configs = st.fixed_dictionaries(
    {
        "profile": st.sampled_from(sorted(model.PROFILES)),
        "principal": config_principals,
        "template_url_base": template_url_bases,
        "regions": st.lists(st.sampled_from(cfn_regions), min_size=1, max_size=3, unique=True),
    }
)
# cfn-lint (about 2 s a build) is left out: it judges the templates' CloudFormation, which the
# configuration reaches only through values the other checks already read.
NON_LINT_CHECKS = [i for i, c in discover().items() if c.fn.__module__ != "cmek.checks.lint"]


@settings(max_examples=10, **SLOW)
@given(data=configs)
def test_any_accepted_configuration_renders_artifacts_that_pass(
    tmp_path_factory: pytest.TempPathFactory, data: dict
) -> None:
    """Every value the model's rules accept gives artifacts that parse and pass every check
    except cfn-lint (see NON_LINT_CHECKS)."""
    cfg = config.from_mapping(data)
    out = tmp_path_factory.mktemp("config") / "dist"
    build.write(build.artifacts(cfg), out)
    assert run_all(DistDir(out, cfg), only=NON_LINT_CHECKS) == []
