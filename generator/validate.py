"""Validation of values a user types: each failure is one line naming the value and the need.

`what` names the value for the reader (a config key, or a flag the command passes in).
"""

from __future__ import annotations

import re

from generator import model
from generator.errors import InputError, quote


def role_arn(value: str, what: str, partition: str = model.COMMERCIAL_PARTITION) -> str:
    if not re.fullmatch(model.ROLE_ARN_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected an IAM role ARN like {model.EXAMPLE_ROLE_ARN}"
        )
    _same_partition(value, what, partition)
    return value


def key_arns(
    values: list[str], what: str, partition: str = model.COMMERCIAL_PARTITION
) -> list[str]:
    if not values:
        raise InputError(f"{what}: expected at least one KMS key ARN like {model.EXAMPLE_KEY_ARN}")
    for value in values:
        if not re.fullmatch(model.KEY_ARN_PATTERN, value):
            raise InputError(
                f"{what} {quote(value)}: expected a KMS key ARN like {model.EXAMPLE_KEY_ARN} "
                "(a key, not an alias; comma separated, no spaces)"
            )
        _same_partition(value, what, partition)
    if len(",".join(values).encode()) > model.PARAMETER_VALUE_MAX_BYTES:
        raise InputError(
            f"{what}: {len(values)} key ARNs exceed the CloudFormation parameter limit of "
            f"{model.PARAMETER_VALUE_MAX_BYTES} bytes"
        )
    return values


def external_id(value: str, what: str) -> str:
    if not re.fullmatch(model.EXTERNAL_ID_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected empty or "
            f"{model.EXTERNAL_ID_MIN}-{model.EXTERNAL_ID_MAX} "
            f"characters of {model.EXTERNAL_ID_CHARS_TEXT}"
        )
    return value


def stack_name(value: str, what: str) -> str:
    if not re.fullmatch(model.STACK_NAME_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected 1-{model.STACK_NAME_MAX} letters, digits and "
            "hyphens, "
            "starting with a letter"
        )
    return value


def _same_partition(arn: str, what: str, partition: str) -> None:
    found = arn.split(":", 2)[1]
    if found != partition:
        raise InputError(f"{what} {quote(arn)}: expected partition {partition!r}, found {found!r}")
