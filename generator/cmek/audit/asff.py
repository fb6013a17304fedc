"""`cmek audit` findings in AWS Security Finding Format, for `--format asff` and `--security-hub`.

One ASFF finding per audit finding (a key or role and its issue). The `Id` is made of the account,
the code, the subject and the principal only, so a rerun updates a finding rather than adding one,
and a finding whose Id is not produced again is gone (archived by cmek/audit/securityhub.py).
Severity and type come from the finding's code (model.ASFF_SEVERITY, model.ASFF_TYPES).
"""

from __future__ import annotations

from typing import Any

from cmek import model
from cmek.audit import evaluate as audit


def product_arn(partition: str, region: str, account: str) -> str:
    return model.ASFF_PRODUCT_ARN.format(partition=partition, region=region, account=account)


def finding_id(account: str, finding: audit.Finding) -> str:
    """Stable across runs: what the finding is about, never when it was seen."""
    parts = [model.ASFF_GENERATOR_ID, account, finding.code, finding.subject]
    return "/".join(parts + ([finding.principal] if finding.principal else []))


def _resource(finding: audit.Finding, account: str, region: str, partition: str) -> dict:
    parts = finding.subject.split(":")
    if len(parts) > 5 and parts[0] == "arn":
        kind = model.ASFF_RESOURCE_TYPES.get(parts[2], model.ASFF_RESOURCE_OTHER)
        return {
            "Type": kind,
            "Id": finding.subject,
            "Partition": parts[1],
            "Region": parts[3] or region,
        }
    return {
        "Type": model.ASFF_RESOURCE_OTHER,
        "Id": f"{account}/{finding.subject}",
        "Partition": partition,
        "Region": finding.subject if finding.subject.count("-") >= 2 else region,
    }


def _cut(text: str, field: str) -> str:
    limit = model.ASFF_TEXT_MAX[field]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_asff(
    finding: audit.Finding,
    account: str,
    region: str,
    partition: str,
    now: str,
    record_state: str = model.ASFF_RECORD_ACTIVE,
) -> dict[str, Any]:
    """The ASFF document of one finding of `account`, for Security Hub in `region`."""
    product = product_arn(partition, region, account)
    document: dict[str, Any] = {
        "SchemaVersion": model.ASFF_SCHEMA_VERSION,
        "Id": finding_id(account, finding),
        "ProductArn": product,
        "GeneratorId": model.ASFF_GENERATOR_ID,
        "AwsAccountId": account,
        "Types": [model.ASFF_TYPES[finding.code]],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": model.ASFF_SEVERITY[finding.code]},
        "Title": _cut(f"{finding.code}: {finding.subject}", "Title"),
        "Description": _cut(finding.message, "Description"),
        "Remediation": {"Recommendation": {"Text": _cut(finding.fix, "Recommendation")}},
        "Resources": [_resource(finding, account, region, partition)],
        "CompanyName": model.ASFF_COMPANY_NAME,
        "ProductName": model.ASFF_PRODUCT_NAME,
        "ProductFields": {"cmek/code": finding.code},
        "RecordState": record_state,
    }
    if finding.principal:
        document["ProductFields"]["cmek/principal"] = finding.principal
    return document


def archived(document: dict[str, Any], now: str) -> dict[str, Any]:
    """An earlier finding, as the provider archives it: same Id, RecordState ARCHIVED."""
    return {**document, "UpdatedAt": now, "RecordState": model.ASFF_RECORD_ARCHIVED}
