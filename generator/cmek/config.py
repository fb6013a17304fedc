"""The optional config file (TOML): which profile, principal, template location and regions to use.

Every key is validated here, so renderers can trust a `Config` and stay pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmek import contract, model, reading, regions, validate
from cmek.errors import InputError, quote

_S3_PATH_STYLE = re.compile(r"https://s3\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9.-]{3,63})/(.*)")
_S3_VIRTUAL_HOSTED = re.compile(
    r"https://([a-z0-9.-]{3,63})\.s3\.([a-z0-9-]+)\.amazonaws\.com/(.*)"
)
_PREFIX = re.compile(r"([A-Za-z0-9!_.*'()-]+/)*")
_KEYS = ("profile", "principal", "template_url_base", "regions")


@dataclass(frozen=True)
class TemplateLocation:
    """Where the templates are published: an S3 bucket, its region and a key prefix."""

    bucket: str
    region: str
    prefix: str

    def url(self, filename: str) -> str:
        # A dotted bucket name breaks the TLS wildcard of the virtual-hosted form: use path style.
        if "." in self.bucket:
            return f"https://s3.{self.region}.amazonaws.com/{self.bucket}/{self.prefix}{filename}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.prefix}{filename}"

    @property
    def base(self) -> str:
        return self.url("")


def parse_template_url_base(value: str, what: str = "template_url_base") -> TemplateLocation:
    expected = (
        "expected an S3 URL ending in '/' like https://s3.us-east-2.amazonaws.com/bucket/prefix/ "
        "or https://bucket.s3.us-east-2.amazonaws.com/prefix/"
    )
    if m := _S3_PATH_STYLE.fullmatch(value):
        region, bucket, prefix = m.groups()
    elif m := _S3_VIRTUAL_HOSTED.fullmatch(value):
        bucket, region, prefix = m.groups()
    else:
        raise InputError(f"{what} {quote(value)}: {expected}")
    validate.s3_bucket(bucket, f"{what} {quote(value)}: bucket")
    if region not in regions.cloudformation_regions(model.COMMERCIAL_PARTITION):
        raise InputError(f"{what} {quote(value)}: {quote(region)} is not a commercial AWS region")
    # The pattern admits no '%' and no empty segment; '.' and '..' would make the URL resolve to
    # another prefix, or another bucket in the path style.
    if not _PREFIX.fullmatch(prefix) or {".", ".."} & set(prefix.split("/")):
        raise InputError(f"{what} {quote(value)}: {expected}, without '.' or '..' segments")
    return TemplateLocation(bucket, region, prefix)


class _Lazy:
    """A dataclass field whose default is computed on its first read, then kept.

    The defaults below read botocore's endpoint list (1.2 MB of JSON), a third of `cmek snippet`'s
    start-up, and snippet never reads them. A value given to the constructor is kept as given.
    """

    def __init__(self, default: Callable[[], Any]) -> None:
        self._default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_lazy_{name}"

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        if obj is None:  # the class's own read: dataclasses takes this as the field's default
            return self
        value = obj.__dict__.get(self._slot, self)
        if value is self:
            value = obj.__dict__[self._slot] = self._default()
        return value

    def __set__(self, obj: object, value: Any) -> None:
        obj.__dict__[self._slot] = value


def _default_templates() -> TemplateLocation:
    return parse_template_url_base(model.DEFAULT_TEMPLATE_URL_BASE)


def _default_regions() -> tuple[str, ...]:
    return regions.cloudformation_regions(model.COMMERCIAL_PARTITION)


@dataclass(frozen=True)
class Config:
    profile: model.Profile = model.V1
    principal: str = model.V1.principal
    templates: TemplateLocation = _Lazy(_default_templates)  # type: ignore[assignment]
    regions: tuple[str, ...] = _Lazy(_default_regions)  # type: ignore[assignment]
    # The file names its profile or a principal (which is its profile's): the commands that choose
    # a profile (snippet) follow it, else v2. The build's default stays v1 so v1's templates keep
    # their published defaults byte for byte.
    profile_chosen: bool = False


def load(path: Path | None) -> Config:
    """Read and validate a config file; None gives the defaults.

    Errors name the file, not the flag that named it: the command adds that.
    """
    if path is None:
        return Config()
    import tomllib  # only with a file: most runs have none

    try:
        data = tomllib.loads(reading.read_regular(path, model.CONFIG_FILE_MAX_BYTES).decode())
    except reading.Unreadable as exc:
        raise InputError(
            f"{quote(path)}: {exc}; expected a TOML file of at most "
            f"{model.CONFIG_FILE_MAX_BYTES} bytes"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{quote(path)}: expected a TOML file ({quote(exc)})") from None
    return from_mapping(data, source=quote(path))


def from_mapping(data: dict, source: str = "config") -> Config:
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise InputError(
            f"{source}: unknown key {quote(unknown[0])}, expected one of {', '.join(_KEYS)}"
        )
    profile_name = _string(data, "profile", model.DEFAULT_PROFILE, source)
    if profile_name not in model.PROFILES:
        raise InputError(
            f"{source}: profile {quote(profile_name)}: expected one of {', '.join(model.PROFILES)}"
        )
    profile = model.PROFILES[profile_name]
    principal = validate.role_arn(
        _string(data, "principal", profile.principal, source), f"{source}: principal"
    )
    contract.check_principal(profile, principal, f"{source}: principal")
    location = parse_template_url_base(
        _string(data, "template_url_base", model.DEFAULT_TEMPLATE_URL_BASE, source),
        f"{source}: template_url_base",
    )
    chosen = bool({"profile", "principal"} & set(data))
    return Config(profile, principal, location, _regions(data, source), chosen)


def _string(data: dict, key: str, default: str | None, source: str) -> str:
    value = data.get(key, default)
    if value is None:
        raise InputError(f"{source}: {key} is required with this profile")
    if not isinstance(value, str):
        raise InputError(f"{source}: {key} {quote(value)}: expected a string")
    return value


def _regions(data: dict, source: str) -> tuple[str, ...]:
    known = regions.cloudformation_regions(model.COMMERCIAL_PARTITION)
    if "regions" not in data:
        return known
    value = data["regions"]
    if not isinstance(value, list) or not value or not all(isinstance(r, str) for r in value):
        raise InputError(
            f"{source}: regions {quote(value)}: expected a non-empty list of region names"
        )
    for region in value:
        if region not in known:
            raise InputError(
                f"{source}: regions: {quote(region)} is not a commercial CloudFormation region"
            )
    return tuple(sorted(set(value)))
