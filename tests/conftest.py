"""Shared fixtures: a real moto server on 127.0.0.1, the default config and a fresh build."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import moto_server
import pytest
from cmek import build
from cmek.config import Config

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server process for the whole session; tests reset it through `moto_reset`."""
    with moto_server.running() as url:
        yield url


@pytest.fixture
def moto_reset(moto_endpoint: str) -> str:
    req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10)
    return moto_endpoint


@pytest.fixture
def aws(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> Callable:
    """`aws("kms", region)` gives a boto3 client talking HTTP to the (reset) moto server."""
    import boto3

    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)

    def client(service: str, region: str = "us-east-1"):
        return boto3.client(service, region_name=region, endpoint_url=moto_reset)

    return client


@pytest.fixture(scope="session")
def default_config() -> Config:
    return Config()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, default_config: Config) -> Path:
    """A fresh build with the default config, made once per session; tests must not modify it."""
    out = tmp_path_factory.mktemp("build") / "dist"
    build.write(build.artifacts(default_config), out)
    return out


@pytest.fixture(scope="session")
def warm_check_caches(built: Path, default_config: Config) -> None:
    """The checks' caches of this process (HCL parses and Terraform runs, by content; compiled
    templates) filled from the default build by running the checks here, unforked. `run_all`
    forks its second process from this one: for each build a test checks, that process then
    parses and runs again only what differs from the default build, as one process checking
    several builds does (a forked process's own caches end with it)."""
    from cmek.checks import DistDir, discover, run_all
    from cmek.checks.runner import MAIN_CHECKS

    side = [check_id for check_id in discover() if not check_id.startswith(MAIN_CHECKS)]
    assert run_all(DistDir(built, default_config), only=side) == []
