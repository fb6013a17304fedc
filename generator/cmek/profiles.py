"""Principal mistakes customers really made, judged once for input (exit 2) and for checks.

A v2 key policy that names ClickHouse's retired v1 role, or a "v1 role" rebuilt from the
customer's own account ID (copying the ARN and pasting their account), grants nothing that
ClickHouse uses: the service loses its key 10 minutes later. Both are refused as input and reported
as findings in built artifacts, from this one function.
"""

from __future__ import annotations

from cmek import model, validate
from cmek.errors import InputError, quote

# `role/prod-kms-request-role`: the part of the v1 ARN after the account.
V1_ROLE_RESOURCE = model.CLICKHOUSE_PRINCIPAL.split(":", 5)[5]


def principal_mistake(profile: model.Profile, principal: str) -> str | None:
    """Why `principal` cannot be `profile`'s principal, or None when it may be."""
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[5] == V1_ROLE_RESOURCE and parts[4] != model.CLICKHOUSE_V1_ACCOUNT:
        return (
            f"names ClickHouse's v1 role in account {parts[4]}; that role exists only in "
            f"ClickHouse's account {model.CLICKHOUSE_V1_ACCOUNT}"
        )
    if profile != model.V1 and principal == model.V1.principal:
        return (
            f"is ClickHouse's retired {model.V1.name} role; {profile.name} needs your service's "
            f"encryption role, shown as {model.ENCRYPTION_ROLE_WHERE}"
        )
    return None


def check_principal(profile: model.Profile, value: str, what: str) -> str:
    """A valid role ARN that is not a known mistake for `profile`, else one-line bad input."""
    validate.role_arn(value, what)
    if reason := principal_mistake(profile, value):
        raise InputError(f"{what} {quote(value)}: {reason}")
    return value
