"""The AWS edge of `verify-key`: fetch what the pure checks in `verify_key` judge.

Every call goes through `cmek.aws`; a refusal of the caller's own credentials is
`CallerDenied` (exit 3: the check could not run, which says nothing about the key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cmek import aws, iam_policy, model
from cmek.errors import ToolError
from cmek.iam_policy import account_of
from cmek.verify.evaluate import (
    NOT_THE_KEY,
    Facts,
    LiveResult,
    Report,
    Request,
    RoleFacts,
    evaluate,
)


def verify(request: Request, endpoint_url: str | None = None) -> Report:
    return evaluate(request, fetch(request, endpoint_url))


def fetch(request: Request, endpoint_url: str | None = None) -> Facts:
    """Ask AWS for what the checks need; a refusal to the caller raises (exit 3)."""
    kms = aws.client("kms", request.region, endpoint_url)
    metadata, missing = _describe(kms, request.key.arn)
    if metadata is None:
        return Facts(metadata=None, not_found=missing)
    key_arn = metadata["Arn"]
    policy = aws.key_policy(kms, key_arn, _call)
    rotation, note = _rotation(kms, key_arn)
    role = _role(request, endpoint_url) if request.role_arn else None
    live = _live(kms, key_arn, request.profile, metadata) if request.live else None
    return Facts(metadata, "", policy, rotation, note, role, live)


class CallerDenied(ToolError):
    """AWS refused the credentials running the check: the check could not run (exit 3)."""


def _call(what: str, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
    try:
        return aws.call(what, fn, **kwargs)
    except aws.AwsError as exc:
        if _denied(exc):
            raise CallerDenied(f"could not check: {exc}. {NOT_THE_KEY}") from exc
        raise


def _denied(exc: Any) -> bool:
    if exc.code in ("AccessDenied", "AccessDeniedException"):
        return True
    # moto answers an IAM refusal on a JSON-protocol service (KMS) with an XML body, so botocore
    # reports the HTTP status as the code; AWS itself sends AccessDeniedException with 403 too.
    response = getattr(exc.__cause__, "response", {}) or {}
    return response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403


def _describe(kms: Any, key_id: str) -> tuple[Mapping[str, Any] | None, str]:
    try:
        return _call(f"DescribeKey on {key_id}", kms.describe_key, KeyId=key_id)["KeyMetadata"], ""
    except aws.AwsError as exc:
        if exc.code == "NotFoundException":
            return None, str(exc)
        raise


def _rotation(kms: Any, key_arn: str) -> tuple[bool | None, str]:
    """Rotation is a warning only, so a refusal here is reported, not fatal."""
    try:
        status = aws.call(
            f"GetKeyRotationStatus on {key_arn}", kms.get_key_rotation_status, KeyId=key_arn
        )
    except aws.AwsError as exc:
        return None, str(exc)
    return bool(status.get("KeyRotationEnabled")), ""


def _role(request: Request, endpoint_url: str | None) -> RoleFacts:
    arn = str(request.role_arn)
    name = arn.rsplit("/", 1)[1]
    iam = aws.client("iam", request.region, endpoint_url)
    try:
        role = _call(f"GetRole {name}", iam.get_role, RoleName=name)["Role"]
    except aws.AwsError as exc:
        if exc.code == "NoSuchEntity":
            return RoleFacts(arn, found=False)
        raise
    if account_of(role["Arn"]) != account_of(arn):
        raise ToolError(
            f"could not check: role {arn} is in account {account_of(arn)}, but your credentials "
            f"read account {account_of(role['Arn'])}: run with credentials of the role's account"
        )
    documents = role_documents(iam, name, _call)
    boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn", "")
    return RoleFacts(arn, True, role["AssumeRolePolicyDocument"], documents, boundary)


def role_documents(
    iam: Any, name: str, call: Callable = aws.call, managed: dict[str, Any] | None = None
) -> tuple[tuple[str, Any], ...]:
    """(`inline NAME` or `managed ARN`, document) of every policy of the role `name`.

    Shared with the audit, which passes one `managed` cache for all roles so that a managed
    policy attached to many roles is read once; `call` is `_call` here (a refusal to the caller is
    `CallerDenied`) and `aws.call` there (a refusal is recorded).
    """
    managed = {} if managed is None else managed
    listed = aws.pages(f"ListRolePolicies {name}", iam, "list_role_policies", call, RoleName=name)
    documents = [
        (
            f"inline {policy}",
            call(
                f"GetRolePolicy {name} {policy}",
                iam.get_role_policy,
                RoleName=name,
                PolicyName=policy,
            )["PolicyDocument"],
        )
        for page in listed
        for policy in page["PolicyNames"]
    ]
    listed = aws.pages(
        f"ListAttachedRolePolicies {name}", iam, "list_attached_role_policies", call, RoleName=name
    )
    for page in listed:
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            if arn not in managed:
                managed[arn] = _managed_document(iam, arn, call)
            documents.append((f"managed {arn}", managed[arn]))
    return tuple(documents)


def _managed_document(iam: Any, arn: str, call: Callable) -> Any:
    policy = call(f"GetPolicy {arn}", iam.get_policy, PolicyArn=arn)["Policy"]
    return call(
        f"GetPolicyVersion {arn}",
        iam.get_policy_version,
        PolicyArn=arn,
        VersionId=policy["DefaultVersionId"],
    )["PolicyVersion"]["Document"]


def _live(kms: Any, key_arn: str, profile: model.Profile, meta: Mapping[str, Any]) -> LiveResult:
    """GenerateDataKey, Decrypt (and ReEncrypt to the same key when the profile grants it) with
    the caller's credentials; a key that is not enabled is not tried (its state already fails)."""
    if meta.get("KeyState") != model.KEY_STATE_ENABLED:
        return LiveResult(False, (), f"the key is {meta.get('KeyState')}", skipped=True)
    steps: list[str] = []
    try:
        steps.append("GenerateDataKey")
        data = _call(
            f"GenerateDataKey with {key_arn}",
            kms.generate_data_key,
            KeyId=key_arn,
            KeySpec=model.LIVE_DATA_KEY_SPEC,
        )
        blobs = [data["CiphertextBlob"]]
        if any(iam_policy.action_matches(a, model.REENCRYPT_COVERS[0]) for a in profile.actions):
            steps.append("ReEncrypt")
            blobs.append(
                _call(
                    f"ReEncrypt with {key_arn}",
                    kms.re_encrypt,
                    CiphertextBlob=blobs[0],
                    SourceKeyId=key_arn,
                    DestinationKeyId=key_arn,
                )["CiphertextBlob"]
            )
        for blob in blobs:
            steps.append("Decrypt")
            plain = _call(
                f"Decrypt with {key_arn}", kms.decrypt, CiphertextBlob=blob, KeyId=key_arn
            )
            if plain["Plaintext"] != data["Plaintext"]:
                return LiveResult(False, tuple(steps), "Decrypt returned a different data key")
    except CallerDenied:
        raise
    except aws.AwsError as exc:
        return LiveResult(False, tuple(steps), str(exc))
    return LiveResult(True, tuple(steps))
