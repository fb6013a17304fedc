"""One zip of every Terraform module, byte-identical for identical module files.

Terraform fetches a module from S3 as an archive, one module of it by subdirectory
(`source = "s3::https://.../terraform/modules.zip//cmek-new-key"`): the modules share one archive
because `cmek-new-key` calls `../cmek-policy`, which Terraform resolves only inside one package.
and a published archive is immutable and checksummed, so the same build must give the same bytes
on every machine: entries sorted, every timestamp 1980-01-01 (the zip epoch), every file 0644, no
directory entries and no extra fields. Entries are stored, not deflated: the modules are a few
kilobytes, and deflate output depends on the zlib build (zlib-ng gives other bytes).
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping

from cmek import model

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
# "Made by" Unix, so extractors read the permission bits in external_attr.
_UNIX = 3


def module_zip(files: Mapping[str, bytes]) -> bytes:
    """A zip of `files` ({path inside the module: bytes}), deterministic in every byte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = _UNIX
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def module_zips(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """{archive path: zip bytes}: `terraform/modules.zip` with every module folder of a build's
    `files` (none when the build has no module)."""
    inside = f"{model.TERRAFORM_MODULES_DIR}/"
    members = {p.removeprefix(inside): data for p, data in files.items() if p.startswith(inside)}
    return {model.MODULES_ZIP: module_zip(members)} if members else {}
