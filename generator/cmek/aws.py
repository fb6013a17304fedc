"""boto3 at the edge: one place that builds clients and turns AWS failures into one-line errors.

Commands that talk to AWS (grant/revoke with --key-arn, verify-key, audit, publish) use the standard
credential chain (environment, profiles, roles) and take `--endpoint-url` for S3-compatible stores
and the tests' moto server. boto3 is imported here, lazily, never by `cmek --help`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cmek import model
from cmek.errors import ToolError

T = TypeVar("T")

# botocore's retry modes: "standard" retries throttling and transient errors with backoff;
# "adaptive" also rate-limits the client itself, for many concurrent calls (the account audit).
DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 5


class AwsError(ToolError):
    """An AWS call failed. `code` is AWS's error code (AccessDenied, NotFoundException, ...) or the
    botocore exception name for failures before AWS answered (no credentials, no connection)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def client(
    service: str,
    region: str | None = None,
    endpoint_url: str | None = None,
    retry_mode: str = DEFAULT_RETRY_MODE,
    max_pool_connections: int = 10,
) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": retry_mode, "max_attempts": DEFAULT_MAX_ATTEMPTS},
        max_pool_connections=max_pool_connections,
    )
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )


def call(what: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """`fn(**kwargs)`, with any AWS or connection failure raised as one `AwsError` line that says
    `what` was being done (for example "GetKeyPolicy on arn:...") and AWS's own reason."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = " ".join(str(error.get("Message", "")).split())[:200]
        raise AwsError(f"{what}: {code}: {message}", code) from exc
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
