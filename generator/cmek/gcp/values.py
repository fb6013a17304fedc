"""The two typed values of the GCP contract, checked once: the service account and the key path."""

from __future__ import annotations

import re

from cmek import model
from cmek.errors import InputError, quote


def service_account(value: str, what: str) -> str:
    """The service's encryption service account e-mail (not the `serviceAccount:` member)."""
    if value.startswith(model.GCP_MEMBER_PREFIX):
        raise InputError(
            f"{what} {quote(value)}: give the e-mail alone, without {model.GCP_MEMBER_PREFIX}"
        )
    if not re.fullmatch(model.GCP_SERVICE_ACCOUNT_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected a service account e-mail like "
            f"{model.EXAMPLE_GCP_SERVICE_ACCOUNT} "
            f"({model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD})"
        )
    return value


def key_path(value: str, what: str) -> str:
    """A Cloud KMS key's resource path (a key: not a key ring, not a key version)."""
    if not re.fullmatch(model.GCP_KEY_PATH_PATTERN, value):
        raise InputError(
            f"{what} {quote(value)}: expected a key resource path like {model.EXAMPLE_GCP_KEY_PATH}"
        )
    return value


def location_of(path: str) -> str:
    """The location part of a validated key path."""
    return path.split("/")[3]


def member(email: str) -> str:
    return f"{model.GCP_MEMBER_PREFIX}{email}"
