"""Validation of values a user types: each failure is one line naming the value and the need.

`what` names the value for the reader (a config key, or a flag the command passes in).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cmek import model, regions
from cmek.errors import InputError, quote


def role_arn(value: str, what: str, partition: str = model.COMMERCIAL_PARTITION) -> str:
    """An IAM role ARN whose name and path IAM would accept (botocore's roleNameType, pathType)."""
    if not re.fullmatch(model.ROLE_ARN_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected an IAM role ARN like {model.EXAMPLE_ROLE_ARN}"
        )
    _same_partition(value, what, partition)
    if problem := _role_problem(value.split(":", 5)[5].removeprefix("role/")):
        raise InputError(f"{what} {quote(value)}: {problem}")
    return value


def _role_problem(path_and_name: str) -> str | None:
    *segments, name = path_and_name.split("/")
    if not re.fullmatch(model.ROLE_NAME_PATTERN, name):
        return (
            f"the role name (after the last '/') must be 1-{model.ROLE_NAME_MAX} letters, "
            "digits or +=,.@_-"
        )
    if "" in segments:
        return "the role path has an empty segment ('//'); expected /seg/.../"
    if len("/".join(["", *segments, ""])) > model.ROLE_PATH_MAX:
        return f"the role path is longer than {model.ROLE_PATH_MAX} characters"
    return None


def s3_bucket(value: str, what: str) -> str:
    """A general purpose bucket name S3 would create (model.S3_BUCKET_*, S3's naming rules)."""
    if problem := _bucket_problem(value):
        raise InputError(f"{what} {quote(value)}: {problem} (S3 bucket naming rules)")
    return value


def _bucket_problem(name: str) -> str | None:
    if not model.S3_BUCKET_MIN <= len(name) <= model.S3_BUCKET_MAX:
        return f"expected {model.S3_BUCKET_MIN}-{model.S3_BUCKET_MAX} characters"
    if not re.fullmatch(model.S3_BUCKET_CHARS_PATTERN, name):
        return "expected lowercase letters, digits, '.' and '-', starting and ending alphanumeric"
    if part := next((p for p in model.S3_BUCKET_FORBIDDEN_PARTS if p in name), None):
        return f"must not contain {part!r}"
    if re.fullmatch(model.S3_BUCKET_IP_PATTERN, name):
        return "must not be shaped like an IP address"
    if prefix := next((p for p in model.S3_BUCKET_RESERVED_PREFIXES if name.startswith(p)), None):
        return f"must not start with the reserved prefix {prefix!r}"
    if suffix := next((s for s in model.S3_BUCKET_RESERVED_SUFFIXES if name.endswith(s)), None):
        return f"must not end with the reserved suffix {suffix!r}"
    return None


def region(value: str, what: str, partition: str = model.COMMERCIAL_PARTITION) -> str:
    """A region botocore's data lists in `partition` (a made-up or mistyped one is refused)."""
    if value not in regions.partition_regions(partition):
        raise InputError(
            f"{what} {quote(value)}: expected a region of partition {partition!r}, "
            f"like {model.EXAMPLE_REGION}"
        )
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
        region(value.split(":")[3], f"{what} {quote(value)}: region", partition)
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
        raise InputError(
            f"{what} {quote(arn)}: expected partition {partition!r}, found {quote(found)}"
        )


# --- Numbers and paths typed on a command line -------------------------------------------------
# ASCII only: Python's int() and float() take any script's digits (Arabic-Indic, fullwidth),
# '²' passes str.isdigit() and then fails int(), and float() takes 'nan', 'inf' and '1e309'.
_WHOLE = re.compile(r"[0-9]{1,18}")
_DECIMAL = re.compile(r"[0-9]{1,18}(\.[0-9]{1,9})?")


def whole_number(value: str, what: str, low: int, high: int) -> int:
    """A whole number of ASCII digits from `low` to `high`."""
    if not _WHOLE.fullmatch(value) or not low <= int(value) <= high:
        raise InputError(f"{what} {quote(value)}: expected a whole number from {low} to {high}")
    return int(value)


def seconds(value: str, what: str, low: int, high: int, example: int) -> float:
    """A number of seconds in ASCII decimal notation, from `low` to `high`."""
    if not _DECIMAL.fullmatch(value) or not low <= float(value) <= high:
        raise InputError(
            f"{what} {quote(value)}: expected a number of seconds from {low} to {high}, "
            f"like {example}"
        )
    return float(value)


def path(value: Path, what: str, room: int = 0) -> Path:
    """A path the filesystem can name: no component over NAME_MAX bytes, the absolute path (plus
    `room` bytes for what will be written under it) within PATH_MAX. Checked before any system
    call, which would fail with ENAMETOOLONG ("File name too long") deep in a library."""
    name_max, path_max = _limits(value)
    longest = max((len(os.fsencode(p)) for p in value.parts if p != "/"), default=0)
    # PATH_MAX counts the terminating NUL byte.
    total = len(os.fsencode(value.absolute())) + room + 1
    if longest > name_max or total > path_max:
        raise InputError(
            f"{what} {quote(value)}: expected a path with names of at most {name_max} bytes and "
            f"at most {path_max - room - 1} bytes in all"
        )
    return value


def _limits(value: Path) -> tuple[int, int]:
    """NAME_MAX and PATH_MAX of the filesystem that would hold `value` (its nearest existing
    folder), else the model's defaults."""
    folder = value.absolute().parent
    while True:
        try:
            return (
                os.pathconf(folder, "PC_NAME_MAX"),
                min(os.pathconf(folder, "PC_PATH_MAX"), model.PATH_MAX_BYTES),
            )
        except (OSError, ValueError):
            if folder == folder.parent:
                return model.PATH_NAME_MAX_BYTES, model.PATH_MAX_BYTES
            folder = folder.parent
