"""`--profile NAME` is the AWS named profile, as in the AWS CLI (issue 15).

A moto server enforcing IAM (INITIAL_NO_AUTH_ACTION_COUNT: the first calls set up a user, then
every request must be signed with that user's key) tells the keys apart: a command reaches KMS only
with the profile's access key, while the environment holds keys moto refuses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import moto_server
import pytest
from cmek import model

ROLE = "arn:aws:iam::111122223333:role/CH-TDE-example"
# create_user, put_user_policy, create_access_key: unsigned, then IAM is enforced.
SETUP_CALLS = 3


@pytest.fixture(scope="module")
def enforcing() -> Iterator[tuple[str, dict[str, str]]]:
    """(moto URL, the IAM user's access key) on a moto server that enforces IAM."""
    import boto3

    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)}
    with moto_server.running(env) as url:
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="cmek-tester")
        policy = {
            "Version": model.POLICY_VERSION,
            "Statement": [
                {"Effect": "Allow", "Action": ["kms:*", "iam:Get*", "iam:List*"], "Resource": "*"}
            ],
        }
        iam.put_user_policy(
            UserName="cmek-tester", PolicyName="kms", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName="cmek-tester")["AccessKey"]
        yield url, {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


@pytest.fixture
def profiles(tmp_path: Path, enforcing) -> dict[str, str]:
    """The environment of a user with an AWS config and credentials file: profile `tester` holds
    the IAM user's key; the environment's own keys are ones moto refuses."""
    _, key = enforcing
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[tester]\naws_access_key_id = {key['id']}\naws_secret_access_key = {key['secret']}\n"
        "[nocreds]\n"
    )
    config = tmp_path / "config"
    config.write_text(
        "[profile tester]\nregion = eu-west-1\n[profile nocreds]\nregion = us-east-1\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_CONFIG_FILE=str(config),
        AWS_ACCESS_KEY_ID="AKIAREFUSEDBYMOTO000",
        AWS_SECRET_ACCESS_KEY="refused",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def cmek(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmek", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def key_arn(enforcing) -> str:
    import boto3

    url, key = enforcing
    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key["id"],
        aws_secret_access_key=key["secret"],
    )
    return kms.create_key(Description="cmek --profile")["KeyMetadata"]["Arn"]


def verify(env, url: str, arn: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return cmek(env, "verify-key", arn, "--principal", ROLE, "--endpoint-url", url, *extra)


def test_profile_reaches_aws_with_its_own_key(enforcing, profiles, key_arn) -> None:
    url, _ = enforcing
    refused = verify(profiles, url, key_arn)
    # Without --profile the environment's key is used, and moto refuses it: exit 3, one line.
    assert refused.returncode == 3 and len(refused.stderr.splitlines()) == 1, refused.stderr
    used = verify(profiles, url, key_arn, "--profile", "tester", "--format", "json")
    # The key policy does not name ROLE: "not valid" (exit 1) is an answer from the key's policy,
    # which only the profile's key could read.
    assert used.returncode == 1, used.stderr
    assert json.loads(used.stdout)["key_arn"] == key_arn


def test_profile_reaches_grant_dry_run(enforcing, profiles, key_arn) -> None:
    url, _ = enforcing
    args = ("grant", "--principal", ROLE, "--key-arn", key_arn, "--endpoint-url", url)
    assert cmek(profiles, *args).returncode == 3
    result = cmek(profiles, *args, "--profile", "tester")
    assert result.returncode == 0, result.stderr
    assert model.KEY_POLICY_V2_SID in result.stdout and ROLE in result.stdout


def test_audit_takes_the_profiles_key_and_region(enforcing, profiles) -> None:
    import boto3

    url, key = enforcing
    boto3.client(
        "kms",
        region_name="eu-west-1",
        endpoint_url=url,
        aws_access_key_id=key["id"],
        aws_secret_access_key=key["secret"],
    ).create_key(Description="cmek audit --profile")
    args = ("audit", "--endpoint-url", url, "--format", "json")
    # Without the profile: no region at all (exit 3, the environment lacks it), and with one the
    # environment's key, which moto refuses (exit 3: nothing readable).
    assert cmek(profiles, *args).returncode == 3
    assert cmek(profiles, *args, "--region", "eu-west-1").returncode == 3
    result = cmek(profiles, *args, "--profile", "tester")
    report = json.loads(result.stdout)
    # No --region and no AWS_REGION: the profile's own region (eu-west-1), read with its key.
    assert report["regions"] == ["eu-west-1"] and report["keys_audited"] >= 1, result.stderr
    assert report["unreadable"] == []


@pytest.mark.parametrize(
    ("env_extra", "args", "needle"),
    [
        ({}, ("--profile", "no-such-profile"), "AWS profile 'no-such-profile' not found"),
        ({"AWS_PROFILE": "gone"}, (), "AWS profile 'gone' not found"),
        ({}, ("--profile", "nocreds"), "no AWS credentials found in AWS profile 'nocreds'"),
    ],
)
def test_a_broken_profile_is_exit_3_in_one_line(
    enforcing, profiles, key_arn, env_extra, args, needle
) -> None:
    url, _ = enforcing
    env = {**profiles, **env_extra}
    if "nocreds" in args:
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    result = verify(env, url, key_arn, *args)
    assert result.returncode == 3, result.stderr
    assert result.stderr.count("\n") == 1 and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_an_empty_profile_name_is_bad_input(profiles) -> None:
    result = cmek(profiles, "audit", "--region", "us-east-1", "--profile", " ")
    assert result.returncode == 2 and "expected the name of an AWS profile" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("snippet",),
        ("links",),
        ("grant", "--policy-file", "-"),
        ("revoke", "--policy-file", "-"),
        (
            "verify-key",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("audit",),
        ("publish", "--bucket", "cmek-test-bucket"),
    ],
)
@pytest.mark.parametrize("version", sorted(model.PROFILES))
def test_the_old_profile_spelling_says_what_to_type(profiles, args, version) -> None:
    result = cmek(profiles, *args, "--profile", version)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"type --cmek-version {version}" in lines[0], result.stderr
