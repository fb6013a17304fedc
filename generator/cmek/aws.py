"""boto3 at the edge: one place that builds clients and turns AWS failures into one-line errors.

Commands that talk to AWS (grant/revoke with --key-arn, verify-key, audit, publish) use the
standard credential chain (environment, profiles, roles), take `--profile NAME` for a named profile
as the AWS CLI does, and `--endpoint-url` for S3-compatible stores and the tests' moto server.
Every client is built from `session()`, so one choice of profile holds for the whole run, and a
missing profile or missing credentials is one line (exit 3), never a traceback. boto3 is imported
here, lazily, never by `cmek --help`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cmek import model
from cmek.errors import ToolError, quote

T = TypeVar("T")

# botocore's retry modes: "standard" retries throttling and transient errors with backoff;
# "adaptive" also rate-limits the client itself, for many concurrent calls (the account audit).
DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 5


# The AWS named profile of this run (`--profile NAME`); None is botocore's own choice (AWS_PROFILE,
# then the default chain). A process runs one command, so the command line sets it once.
_profile: str | None = None


class AwsError(ToolError):
    """An AWS call failed. `code` is AWS's error code (AccessDenied, NotFoundException, ...) or the
    botocore exception name for failures before AWS answered (no credentials, no connection)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def use_profile(name: str | None) -> None:
    """Build every later client from the AWS profile `name` (None: the standard chain), and check
    at once that it exists, so a typo stops the command before any work."""
    global _profile
    _profile = name
    session()


def session() -> Any:
    """A boto3 session for the chosen profile; a profile that is missing or a config file botocore
    cannot read is one line naming the profile (exit 3)."""
    import os

    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        return boto3.session.Session(profile_name=_profile)
    except ProfileNotFound:
        name = _profile or os.environ.get("AWS_PROFILE", "")
        raise ToolError(
            f"AWS profile {quote(name)} not found in the AWS config or credentials file "
            "(create it with `aws configure --profile NAME`, or give another --profile)"
        ) from None
    except BotoCoreError as exc:
        raise ToolError(f"AWS configuration cannot be read: {exc}") from None


def client(
    service: str,
    region: str | None = None,
    endpoint_url: str | None = None,
    retry_mode: str = DEFAULT_RETRY_MODE,
    max_pool_connections: int = 10,
) -> Any:
    from botocore.config import Config

    config = Config(
        retries={"mode": retry_mode, "max_attempts": DEFAULT_MAX_ATTEMPTS},
        max_pool_connections=max_pool_connections,
    )
    return session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def call(what: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """`fn(**kwargs)`, with any AWS or connection failure raised as one `AwsError` line that says
    `what` was being done (for example "GetKeyPolicy on arn:...") and AWS's own reason."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = " ".join(str(error.get("Message", "")).split())[:200]
        raise AwsError(f"{what}: {code}: {message}", code) from exc
    except NoCredentialsError as exc:
        source = "(environment, profile or role)"
        if _profile:
            source = f"in AWS profile {quote(_profile)}"
        raise AwsError(f"{what}: no AWS credentials found {source}", type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise AwsError(f"{what}: {exc}", type(exc).__name__) from exc


def pages(what: str, client: Any, operation: str, /, call: Callable = call, **kwargs: Any) -> list:
    """Every page of a paginated `operation`, read inside one `call`: a failure on any page is one
    error saying `what` was being done. `call` is this module's, or an edge's wrapper of it."""
    return call(what, lambda: list(client.get_paginator(operation).paginate(**kwargs)))


def key_policy(kms: Any, key_arn: str, call: Callable = call) -> str:
    """The text of the key's policy (a KMS key has one, named model.KEY_POLICY_NAME); the same
    read for grant/revoke, verify-key and the audit, so their errors read alike."""
    reply = call(
        f"GetKeyPolicy on {key_arn}",
        kms.get_key_policy,
        KeyId=key_arn,
        PolicyName=model.KEY_POLICY_NAME,
    )
    return reply["Policy"]
