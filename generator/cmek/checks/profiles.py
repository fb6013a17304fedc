"""Checks of the profiles' grants across the whole dist: no `kms:ReEncrypt` typo, every KMS action
real, and none of the principal mistakes customers really made.

One published version of ClickHouse's guide printed the API name `kms:ReEncrypt`, which grants
nothing (ReEncrypt is authorised as ReEncryptFrom and ReEncryptTo); customers copied it, and the
service lost its key. These checks read every file, text as written, so a README or an example
cannot carry the mistake either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from cmek import contract, iam_policy, model
from cmek.checks import DistDir, Problem, Problems, check, sources
from cmek.checks.links import parse

# A KMS action, not the service field of an ARN (`arn:aws:kms:us-east-1:...`).
_KMS_ACTION = re.compile(r"(?<![:\w])kms:[A-Za-z*?]+")
_ROLE_ARN = re.compile(model.ROLE_ARN_PATTERN.replace("{1,512}", "+"))


def _texts(dist: DistDir) -> Iterator[tuple[str, str]]:
    """(path, text) of every file in the dist, in path order."""
    for path in sorted(p for p in dist.root.rglob("*") if p.is_file()):
        relpath = path.relative_to(dist.root).as_posix()
        yield relpath, path.read_bytes().decode("utf-8", errors="replace")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@check(
    "CMEK-PROFILE-001",
    f"No file grants or shows the bare {model.REENCRYPT_TYPO!r} (not an action; the grant is "
    f"{model.REENCRYPT_ACTIONS[0]!r}).",
    sources.KMS_ACTIONS,
)
def reencrypt_typo(dist: DistDir) -> Problems:
    for relpath, text in _texts(dist):
        for match in contract.REENCRYPT_TYPO_RE.finditer(text):
            yield Problem(
                relpath,
                f"{match.group()!r} is not an IAM action and grants nothing; "
                f"write {model.REENCRYPT_ACTIONS[0]!r} ({', '.join(model.REENCRYPT_COVERS)})",
                line=_line(text, match.start()),
            )


@check(
    "CMEK-PROFILE-002",
    "Every KMS action written in the dist (each profile's included) matches at least one real "
    "KMS action.",
    sources.KMS_ACTIONS,
)
def real_actions(dist: DistDir) -> Problems:
    for relpath, text in _texts(dist):
        for match in _KMS_ACTION.finditer(text):
            action = match.group()
            if contract.reencrypt_typos([action]) or iam_policy.expand_actions(action):
                continue  # the typo is CMEK-PROFILE-001's finding
            yield Problem(
                relpath, f"{action!r} matches no KMS action", line=_line(text, match.start())
            )


def _v1_in_wrong_account(dist: DistDir) -> Problems:
    for relpath, text in _texts(dist):
        if relpath.endswith(model.TF_TESTS_SUFFIX):
            continue  # native tests pass this mistake on purpose, to see it refused
        for match in _ROLE_ARN.finditer(text):
            arn = match.group()
            if reason := contract.principal_mistake(model.V1, arn):
                yield Problem(relpath, f"{arn} {reason}", line=_line(text, match.start()))


def _v2_principals(dist: DistDir) -> Iterator[tuple[str, str]]:
    """(where, principal) of every v2 principal the dist pre-fills or grants."""
    for link in dist.links["links"]:
        value = parse(link["url"])[2].get(f"param_{model.PARAM_ENCRYPTION_ROLE_ARN}")
        if value:
            yield model.LINKS_FILE, value
    for stack, template in dist.templates.items():
        spec = template.get("Parameters", {}).get(model.PARAM_ENCRYPTION_ROLE_ARN, {})
        if spec.get("Default"):
            yield stack.path, spec["Default"]
    if dist.exists(model.SNIPPET_FILE):
        statement = json.loads(dist.read(model.SNIPPET_FILE))
        if statement.get("Sid") == model.KEY_POLICY_V2_SID:
            yield model.SNIPPET_FILE, statement.get("Principal", {}).get("AWS", "")
    if dist.config.profile.per_service_role:
        yield "config", dist.config.principal


@check(
    "CMEK-PROFILE-003",
    "No v2 principal is ClickHouse's v1 role, and the v1 role appears only in ClickHouse's "
    "account (never rebuilt from the customer's own account ID).",
    sources.KMS_KEY_POLICY,
)
def principal_mistakes(dist: DistDir) -> Problems:
    yield from _v1_in_wrong_account(dist)
    for where, principal in _v2_principals(dist):
        if reason := contract.principal_mistake(model.V2, principal):
            yield where, f"v2 principal {principal} {reason}"
