"""Where artifacts go: the build's files, console links, S3 layout and the launch page."""

from __future__ import annotations

from cmek.model.cloudformation import STACK_COMBINED, Stack
from cmek.model.contract import CLICKHOUSE_AWS_REGIONS, Profile
from cmek.model.terraform import TERRAFORM_MODULES_DIR

# --- Publishing and links -----------------------------------------------------------------------
DEFAULT_STACK_NAME = "ClickHouseBYOK"
# ClickHouse's public bucket, and the prefix `cmek publish` writes under (the stable template
# behind ClickHouse's published links is `cf-templates/cmek.yaml` there). A dotted bucket name is
# linked path-style.
CLICKHOUSE_BUCKET = "clickhouse-public-resources.clickhouse.cloud"
CLICKHOUSE_BUCKET_REGION = "us-east-2"
PUBLISH_PREFIX = "cf-templates"
DEFAULT_TEMPLATE_URL_BASE = (
    f"https://s3.{CLICKHOUSE_BUCKET_REGION}.amazonaws.com/{CLICKHOUSE_BUCKET}/{PUBLISH_PREFIX}/"
)
# The console's quick-create page, as ClickHouse's published links open it.
CONSOLE_HOST = "{region}.console.aws.amazon.com"
QUICK_CREATE_ROUTE = "/stacks/quickcreate"
MANIFEST_FILE = "manifest.json"
LINKS_FILE = "links.json"
# The legacy v1 statement keeps its published name; v2's names a placeholder where the service's
# own encryption role goes (`cmek snippet --principal ROLE` prints it filled in).
SNIPPET_FILE = "snippets/key-policy-statement.json"
SNIPPET_V2_FILE = "snippets/key-policy-statement-v2.json"
ROLE_PLACEHOLDER = "YOUR_ENCRYPTION_ROLE_ARN"
DOCS_FILE = "README.md"


# --- Publishing to S3 (`cmek publish`) ----------------------------------------------------------
# Layout under `<prefix>/` of the bucket: `<version>/<path>` for every file of a build (immutable),
# `<version>/terraform/modules.zip` holding every module, `latest/...` a copy of the newest
# published version, and the stable template the console links open, `<prefix>/cmek.yaml`.
# With the default prefix the stable key is `cf-templates/cmek.yaml`, ClickHouse's published path.
PUBLISH_LATEST = "latest"
PUBLISH_STABLE_STACKS: tuple[Stack, ...] = (STACK_COMBINED,)
# Written after publishing, next to the version's manifest: the quick-create links, each pointing at
# an object that was just verified (HEAD with its SHA-256 checksum).
PUBLISHED_LINKS_FILE = "published-links.json"
MODULE_ZIP_SUFFIX = ".zip"
# Every module in one archive (each in its folder): a module calls its sibling (`../cmek-policy`),
# which resolves only inside one package; users pick a module with go-getter's subdirectory form,
# `<archive URL>//<module>` (Terraform's "Modules in Package Sub-directories").
MODULES_ZIP = f"{TERRAFORM_MODULES_DIR}{MODULE_ZIP_SUFFIX}"


def module_source(archive_url: str, module: str) -> str:
    """The `source` of one module of the published archive."""
    return f"{archive_url}//{module}"


# A version or prefix is one or more key segments of characters safe in an S3 key and a URL.
PUBLISH_SEGMENT_PATTERN = r"[A-Za-z0-9_.+-]+"
# Versioned objects never change (same bytes or refused); stable paths move with each publish.
CACHE_CONTROL_VERSIONED = "public, max-age=31536000, immutable"
CACHE_CONTROL_STABLE = "public, max-age=300"
# By file suffix, longest first wins; Terraform and HCL sources are served as plain text so a
# browser shows them.
CONTENT_TYPES: dict[str, str] = {
    ".yaml": "application/yaml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
    ".tf": "text/plain; charset=utf-8",
    ".hcl": "text/plain; charset=utf-8",
    ".tfvars.example": "text/plain; charset=utf-8",
}


# --- Where the links point (issue 6, V2-CFN): the one publish layout ------------------------------
# `cmek publish` writes each template under `<prefix>/<version>/cloudformation/<file>` and the
# combined template also at the stable `<prefix>/cmek.yaml` the console links have always opened.
# Links built before publishing (render/links.py) and after it (publish.py) use this one rule.
def template_path(stack: Stack, version: str) -> str:
    """A template's path under the template URL base (the publish prefix)."""
    if stack in PUBLISH_STABLE_STACKS:
        return stack.filename
    return f"{version}/{stack.path}"


# `cmek build` writes a manifest naming this generator; a folder is a previous build only if so.
MANIFEST_GENERATOR = "cmek"

# --- The launch page (issue 9) -------------------------------------------------------------------
# One self-contained HTML file in a build; `cmek publish` also puts it at `<prefix>/index.html`.
PAGE_FILE = "index.html"


# --- Where each version's links are offered (issue 15) -------------------------------------------
def link_regions(profile: Profile, regions: tuple[str, ...]) -> tuple[str, ...]:
    """The configured `regions` whose console links `profile`'s templates get: v2 only where
    ClickHouse Cloud runs (a key in another region serves no service); legacy v1 keeps every region
    its links were published for."""
    if profile.legacy:
        return regions
    return tuple(r for r in regions if r in CLICKHOUSE_AWS_REGIONS)


# S3's name in botocore's endpoint data: `publish --region` must be one of its regions.
S3_SERVICE = "s3"
