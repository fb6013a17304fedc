"""Regions, template locations and config validation."""

from __future__ import annotations

import pytest
from cmek import config, model, regions
from cmek.errors import InputError
from cmek.render import links


def test_regions_equal_botocores_own_resolver() -> None:
    import botocore.session

    session = botocore.session.get_session()
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        expected = session.get_available_regions("cloudformation", partition_name=partition)
        assert regions.cloudformation_regions(partition) == tuple(sorted(expected))
    assert "us-east-1" in regions.cloudformation_regions(model.COMMERCIAL_PARTITION)
    assert {"aws", "aws-cn", "aws-us-gov"} <= set(regions.partitions())


@pytest.mark.parametrize(
    ("base", "bucket", "region", "prefix", "url"),
    [
        (
            model.DEFAULT_TEMPLATE_URL_BASE,
            "clickhouse-public-resources.clickhouse.cloud",
            "us-east-2",
            "cf-templates/",
            model.DEFAULT_TEMPLATE_URL_BASE + "cmek.yaml",
        ),
        # A dotted bucket given virtual-hosted is served path-style (TLS wildcard).
        (
            "https://cmek.templates.example.s3.eu-west-1.amazonaws.com/t/",
            "cmek.templates.example",
            "eu-west-1",
            "t/",
            "https://s3.eu-west-1.amazonaws.com/cmek.templates.example/t/cmek.yaml",
        ),
        (
            "https://s3.eu-west-1.amazonaws.com/plain-bucket/",
            "plain-bucket",
            "eu-west-1",
            "",
            "https://plain-bucket.s3.eu-west-1.amazonaws.com/cmek.yaml",
        ),
    ],
)
def test_template_url_base(base: str, bucket: str, region: str, prefix: str, url: str) -> None:
    location = config.parse_template_url_base(base)
    assert (location.bucket, location.region, location.prefix) == (bucket, region, prefix)
    assert location.url("cmek.yaml") == url


@pytest.mark.parametrize(
    "base",
    [
        "https://s3.us-east-2.amazonaws.com/bucket/prefix",  # no trailing slash
        "https://s3.us-east-2.amazonaws.com/Bad_Bucket/",
        "https://s3.moon-1.amazonaws.com/bucket/",
        "https://example.com/bucket/",
        "https://s3.us-east-2.amazonaws.com/a..b/",
    ],
)
def test_bad_template_url_base(base: str) -> None:
    with pytest.raises(InputError, match="template_url_base"):
        config.parse_template_url_base(base)


def test_config_overrides_flow_into_links() -> None:
    cfg = config.from_mapping(
        {
            "principal": "arn:aws:iam::123456789012:role/test-kms-request-role",
            "template_url_base": "https://s3.eu-west-1.amazonaws.com/my.bucket/cmek/",
            "regions": ["eu-west-1", "us-east-1"],
        }
    )
    found = links.links(cfg)
    assert {x.region for x in found} == {"eu-west-1", "us-east-1"}
    assert len(found) == 2 * sum(len(s.modes) for s in model.STACKS)
    assert all("my.bucket/cmek/" in x.url for x in found)
    # The config's principal is v1's; v2 links carry no role unless one is given.
    assert all(("test-kms-request-role" in x.url) is (x.profile == "v1") for x in found)


def test_default_config_is_the_model() -> None:
    cfg = config.load(None)
    assert cfg.profile is model.PROFILES[model.DEFAULT_PROFILE]
    assert cfg.principal == model.CLICKHOUSE_PRINCIPAL
    assert cfg.templates.base == model.DEFAULT_TEMPLATE_URL_BASE
    assert cfg.regions == regions.cloudformation_regions(model.COMMERCIAL_PARTITION)
