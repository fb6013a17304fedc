"""The AWS edge of `cmek grant` / `cmek revoke --apply`: write an edited key policy back, safely.

The edits are pure functions in cmek/key_policy/edit.py; the command modules check the flags,
read the policy (`aws.key_policy`) and print. Here: the write. KMS has no conditional write, so
the policy is read again right before PutKeyPolicy (which narrows the window to two calls) and
nothing is written if it changed; the previous policy is saved first, so it can be restored. The
lockout bypass (BypassPolicyLockoutSafetyCheck) is never set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cmek import aws, model
from cmek.errors import ToolError

# `before_write` runs between the last read of a live policy and the write; tests use it to
# change the policy at that moment through the moto server.
Hook = Callable[[], None]


def apply_policy(
    kms: Any,
    key_arn: str,
    read: str,
    new_text: str,
    backup_dir: Path,
    before_write: Hook | None = None,
) -> Path:
    """Write `new_text` to the key if its policy is still the one `read`; return the backup file."""
    if before_write is not None:
        before_write()
    if json.loads(aws.key_policy(kms, key_arn)) != json.loads(read):
        raise ToolError(
            f"the key policy of {key_arn} changed since it was read; nothing was written; "
            "run the command again to start from the new policy"
        )
    saved = _save_backup(backup_dir, key_arn, read)
    aws.call(
        f"PutKeyPolicy on {key_arn}",
        kms.put_key_policy,
        KeyId=key_arn,
        PolicyName=model.KEY_POLICY_NAME,
        Policy=new_text,
    )
    return saved


def restore_command(key_arn: str, saved: Path) -> str:
    """The AWS CLI command that puts the saved policy back, shell-quoted (the backup folder is the
    user's and may hold spaces or quotes) and aimed at the key's own region."""
    import shlex

    region = key_arn.split(":")[3]
    return shlex.join(
        [
            *("aws", "kms", "put-key-policy", "--region", region, "--key-id", key_arn),
            *("--policy-name", model.KEY_POLICY_NAME, "--policy", f"file://{saved}"),
        ]
    )


def _save_backup(backup_dir: Path, key_arn: str, text: str) -> Path:
    """`<key-id>.policy.<UTC time>.json`, created exclusively: no existing file is replaced."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = backup_dir / f"{key_arn.rsplit('/', 1)[1]}.policy.{stamp}.json"
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ToolError(f"cannot save the previous policy to {path}: {exc.strerror}") from None
    return path
