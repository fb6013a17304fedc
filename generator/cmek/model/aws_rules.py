"""AWS's own rules for the values a user types: patterns, quotas, naming rules, reading caps.

Kept in the subset of regular expressions that Python `re`, CloudFormation's AllowedPattern,
Terraform's regex and the page's JavaScript read the same way.
"""

from __future__ import annotations

# --- Limits AWS enforces (IAM quotas, KMS key-policy format, CloudFormation quotas) ----------
ROLE_NAME_MAX = 64
STACK_NAME_MAX = 128
EXTERNAL_ID_MIN = 2
EXTERNAL_ID_MAX = 1224
ROLE_POLICIES_MAX_CHARS = 10_240
TRUST_POLICY_MAX_CHARS = 2_048
KEY_POLICY_MAX_BYTES = 32_768
TEMPLATE_BODY_MAX_BYTES = 51_200
PARAMETER_VALUE_MAX_BYTES = 4_096
PENDING_WINDOW_MIN_DAYS = 7
PENDING_WINDOW_MAX_DAYS = 30
COMMERCIAL_PARTITION = "aws"

# Regular expressions for the values a user types. Kept in the subset that both Python `re` and
# CloudFormation's Java-flavoured AllowedPattern read the same way.
# The AWS partitions; every pattern, message and test that names them is built from this tuple.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")
# `aws(-cn|-us-gov)?`: the first partition's name, optionally followed by another one's suffix.
PARTITION_PATTERN = (
    rf"{PARTITIONS[0]}({'|'.join(p.removeprefix(PARTITIONS[0]) for p in PARTITIONS[1:])})?"
)
ACCOUNT_PATTERN = r"[0-9]{12}"
ROLE_ARN_PATTERN = (
    rf"arn:{PARTITION_PATTERN}:iam::{ACCOUNT_PATTERN}:role/[A-Za-z0-9+=,.@_/-]{{1,512}}"
)
KEY_ID_PATTERN = r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
KEY_ARN_PATTERN = rf"arn:{PARTITION_PATTERN}:kms:[a-z0-9-]+:{ACCOUNT_PATTERN}:key/{KEY_ID_PATTERN}"
# Besides letters and digits, the characters IAM accepts in an external ID.
EXTERNAL_ID_SYMBOLS = "+=,.@:/_-"
EXTERNAL_ID_CHARS_TEXT = f"letters, digits and {EXTERNAL_ID_SYMBOLS}"
EXTERNAL_ID_PATTERN = rf"([A-Za-z0-9{EXTERNAL_ID_SYMBOLS}]{{{EXTERNAL_ID_MIN},{EXTERNAL_ID_MAX}}})?"
STACK_NAME_PATTERN = rf"[A-Za-z][A-Za-z0-9-]{{0,{STACK_NAME_MAX - 1}}}"
# The AWS provider appends a 26-character unique suffix to a `name_prefix`.
TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH = 26

# Values only the Terraform modules take (CloudFormation derives them from the stack).
# A key administrator may be a role or a user; both follow the role ARN's name rules.
KEY_ADMIN_ARN_PATTERN = ROLE_ARN_PATTERN.replace(":role/", ":(role|user)/", 1)
ROLE_NAME_CHARS = r"[A-Za-z0-9+=,.@_-]"
ROLE_NAME_PATTERN = rf"{ROLE_NAME_CHARS}{{1,{ROLE_NAME_MAX}}}"
ROLE_NAME_PREFIX_PATTERN = (
    rf"{ROLE_NAME_CHARS}{{1,{ROLE_NAME_MAX - TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH}}}"
)
ROLE_PATH_PATTERN = r"/([!-~]{1,510}/)?"
POLICY_ARN_PATTERN = rf"arn:{PARTITION_PATTERN}:iam::({ACCOUNT_PATTERN}|aws):policy/[!-~]+"
KMS_ALIAS_PATTERN = r"alias/[A-Za-z0-9:/_-]{1,250}"
KMS_ALIAS_RESERVED_PREFIX = "alias/aws/"
KMS_DESCRIPTION_MAX = 8_192
REGION_PATTERN = r"[a-z]{2}(-[a-z]+)+-[0-9]+"
# A policy file larger than this is refused before parsing (KMS's own limit is 32 KB).
POLICY_FILE_MAX_BYTES = 1_048_576


# --- Input safety (issue 12): AWS's own naming rules, and how much cmek reads ------------------
# IAM (botocore's iam shapes roleNameType and pathType): a role name is 1-64 of [\w+=,.@-]
# (ROLE_NAME_PATTERN); its path is "/" or "/seg/.../" of at most 512 characters, no empty segment.
ROLE_PATH_MAX = 512
# S3 general purpose bucket naming rules (S3 user guide, "General purpose bucket naming rules").
S3_BUCKET_MIN = 3
S3_BUCKET_MAX = 63
S3_BUCKET_CHARS_PATTERN = r"[a-z0-9][a-z0-9.-]*[a-z0-9]"
S3_BUCKET_RESERVED_PREFIXES: tuple[str, ...] = ("xn--", "sthree-", "amzn-s3-demo-")
S3_BUCKET_RESERVED_SUFFIXES: tuple[str, ...] = (
    "-s3alias",
    "--ol-s3",
    ".mrap",
    "--x-s3",
    "--table-s3",
)
# Two adjacent periods are refused by S3; "-." and ".-" make a DNS label start or end with a
# hyphen, which breaks the bucket's host name (virtual-hosted URLs, TLS).
S3_BUCKET_FORBIDDEN_PARTS: tuple[str, ...] = ("..", ".-", "-.")
S3_BUCKET_IP_PATTERN = r"[0-9]{1,3}(\.[0-9]{1,3}){3}"
# Reading caps. A config file is a few lines of TOML.
CONFIG_FILE_MAX_BYTES = 65_536
# CloudFormation reads a template body of at most 1 MB from S3 (51,200 bytes inline).
TEMPLATE_URL_BODY_MAX_BYTES = 1_048_576
# Per kind of file in a dist directory (by name suffix, longest first): templates and JSON up to
# CloudFormation's S3 template limit; Terraform, HCL and Markdown sources are a few KB each, and
# 256 KB leaves ample room. Anything else falls back to DIST_FILE_DEFAULT_MAX_BYTES.
DIST_FILE_MAX_BYTES: dict[str, int] = {
    ".yaml": TEMPLATE_URL_BODY_MAX_BYTES,
    ".json": TEMPLATE_URL_BODY_MAX_BYTES,
    ".html": TEMPLATE_URL_BODY_MAX_BYTES,
    ".md": 262_144,
    ".tf": 262_144,
    ".hcl": 262_144,
    ".tfvars.example": 262_144,
}
DIST_FILE_DEFAULT_MAX_BYTES = TEMPLATE_URL_BODY_MAX_BYTES
# Path limits where the filesystem does not say (POSIX's NAME_MAX and Linux's PATH_MAX, in bytes):
# a longer name or path fails every system call with ENAMETOOLONG.
PATH_NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4_096
# A build writes about a hundred entries; walking stops (a finding) beyond this many.
DIST_ENTRIES_MAX = 2_000
