"""`cmek audit`'s own facts: finding codes, the organization defaults, and how findings are put
into AWS Security Hub (ASFF).

The finding codes are a contract (scripts filter on them; Security Hub ids are made of them). The
ASFF facts are from AWS Security Hub's user guide ("AWS Security Finding Format", "Using custom
product integrations": a customer's own findings use the account's `default` product ARN) and
botocore's securityhub service model (the required members, the 100-finding batch cap).
"""

from __future__ import annotations

# --- Finding codes (stable) ----------------------------------------------------------------------
FINDING_V1_GRANTED = "v1-granted"
FINDING_V1_ROLE = "v1-role"
FINDING_V2_MISSING = "v2-missing-action"
FINDING_TYPO = "reencrypt-typo"
# A v2 grant that a Deny statement overrides (or may override: a Condition, or a NotPrincipal that
# spares only named sessions of the role): granted on paper, refused when ClickHouse calls.
FINDING_V2_DENIED = "v2-denied"
FINDING_KEY_NOT_ENABLED = "key-not-enabled"
FINDING_BROADER = "broader-than-profile"
FINDING_UNREADABLE = "could-not-read"
FINDING_ACCOUNT_NOT_AUDITED = "account-not-audited"
# An Allow under a Condition: the principal is granted whenever the request meets it (cmek cannot
# know the request), so the grant is reported with its condition; never counted as access.
FINDING_V1_CONDITIONAL = "v1-conditional-grant"
FINDING_CONDITIONAL = "conditional-grant"

# --- Organization-wide audit ---------------------------------------------------------------------
# The role AWS Organizations creates in every account it creates (and the documented name to give
# it in an invited account).
DEFAULT_ORG_ROLE_NAME = "OrganizationAccountAccessRole"
ORG_ACCOUNT_ACTIVE = "ACTIVE"
ORG_ROLE_ARN = "arn:{partition}:iam::{account}:role/{name}"
# How the audit's sessions are named in CloudTrail, and how long each lasts (AssumeRole's default;
# botocore renews a session's credentials before they expire).
ORG_SESSION_NAME = "cmek-audit"
ORG_SESSION_SECONDS = 3600

# --- AWS Security Finding Format -----------------------------------------------------------------
ASFF_SCHEMA_VERSION = "2018-10-08"
# A customer's own findings are imported under its account's `default` product.
ASFF_PRODUCT_ARN = "arn:{partition}:securityhub:{region}:{account}:product/{account}/default"
ASFF_GENERATOR_ID = "cmek-audit"
ASFF_COMPANY_NAME = "ClickHouse CMEK"
ASFF_PRODUCT_NAME = "cmek audit"
ASFF_BATCH_SIZE = 100  # BatchImportFindings takes at most 100 findings per call
ASFF_RECORD_ACTIVE = "ACTIVE"
ASFF_RECORD_ARCHIVED = "ARCHIVED"
ASFF_TEXT_MAX = {"Title": 256, "Description": 1024, "Recommendation": 512}
# Types are "namespace/category/classifier" from ASFF's taxonomy.
ASFF_TYPE_ACCESS = "Software and Configuration Checks/AWS Security Best Practices/Key Access"
ASFF_TYPE_INCOMPLETE = "Software and Configuration Checks/Industry and Regulatory Standards"
# Severity label and ASFF type per finding code (text, JSON and CSV print the same label): a grant
# still usable, even under a condition, by a retired or wrong principal is high; a grant that
# cannot work or grants too much is medium; what was not read low.
ASFF_SEVERITY: dict[str, str] = {
    FINDING_V1_GRANTED: "HIGH",
    FINDING_V1_ROLE: "HIGH",
    FINDING_V1_CONDITIONAL: "HIGH",
    FINDING_CONDITIONAL: "MEDIUM",
    FINDING_BROADER: "MEDIUM",
    FINDING_TYPO: "MEDIUM",
    FINDING_V2_DENIED: "MEDIUM",
    FINDING_V2_MISSING: "MEDIUM",
    FINDING_KEY_NOT_ENABLED: "LOW",
    FINDING_UNREADABLE: "LOW",
    FINDING_ACCOUNT_NOT_AUDITED: "LOW",
}
ASFF_TYPES: dict[str, str] = {
    code: ASFF_TYPE_INCOMPLETE
    if code in (FINDING_UNREADABLE, FINDING_ACCOUNT_NOT_AUDITED)
    else ASFF_TYPE_ACCESS
    for code in ASFF_SEVERITY
}
# ASFF resource types of a finding's subject (by ARN service), else Other.
ASFF_RESOURCE_TYPES: dict[str, str] = {"kms": "AwsKmsKey", "iam": "AwsIamRole"}
ASFF_RESOURCE_OTHER = "Other"

# --- CSV output ----------------------------------------------------------------------------------
# A cell a spreadsheet would run as a formula (OWASP "CSV Injection"): it starts with one of these,
# and gets a leading apostrophe, which spreadsheets show as text and do not evaluate.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FORMULA_ESCAPE = "'"
