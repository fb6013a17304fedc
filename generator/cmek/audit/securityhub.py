"""`cmek audit --security-hub`, the AWS edge: import an account's findings into its Security Hub,
and archive the findings of earlier runs that are gone, so the console shows what is true now.

BatchImportFindings takes at most 100 findings per call (model.ASFF_BATCH_SIZE); throttling is
retried by botocore's adaptive mode, and every finding Security Hub refuses is named in the
result. Earlier findings are read with GetFindings filtered on this account's product ARN, the
generator and RecordState ACTIVE; those whose Id this run did not produce are imported again with
RecordState ARCHIVED (the provider's own way to close a finding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cmek import aws, model
from cmek.audit import asff


@dataclass(frozen=True)
class Published:
    account: str
    imported: int
    archived: int
    failed: tuple[str, ...]  # "Id: ErrorCode ErrorMessage" per refused finding


def _filters(product: str) -> dict[str, list[dict[str, str]]]:
    equals = "EQUALS"
    return {
        "ProductArn": [{"Value": product, "Comparison": equals}],
        "GeneratorId": [{"Value": model.ASFF_GENERATOR_ID, "Comparison": equals}],
        "RecordState": [{"Value": model.ASFF_RECORD_ACTIVE, "Comparison": equals}],
    }


def _matches(found: dict, product: str) -> bool:
    # moto 5.2.5 ignores GetFindings' Filters (its docstring says so): the same filter is applied
    # here, which on AWS changes nothing.
    return (
        found.get("ProductArn") == product
        and found.get("GeneratorId") == model.ASFF_GENERATOR_ID
        and found.get("RecordState", model.ASFF_RECORD_ACTIVE) == model.ASFF_RECORD_ACTIVE
    )


def publish(
    hub: Any, account: str, partition: str, region: str, documents: Sequence[dict], now: str
) -> Published:
    """Import `documents` (this account's findings now) and archive the earlier ones now gone."""
    product = asff.product_arn(partition, region, account)
    current = {d["Id"] for d in documents}
    pages = aws.pages(
        f"GetFindings in {account} {region}",
        hub,
        "get_findings",
        Filters=_filters(product),
        PaginationConfig={"PageSize": model.ASFF_BATCH_SIZE},
    )
    gone = [
        asff.archived(f, now)
        for page in pages
        for f in page["Findings"]
        if _matches(f, product) and f["Id"] not in current
    ]
    failed = _import(hub, account, [*documents, *gone])
    return Published(account, len(documents), len(gone), failed)


def _import(hub: Any, account: str, documents: Sequence[dict]) -> tuple[str, ...]:
    failed: list[str] = []
    size = model.ASFF_BATCH_SIZE
    for start in range(0, len(documents), size):
        reply = aws.call(
            f"BatchImportFindings in {account}",
            hub.batch_import_findings,
            Findings=list(documents[start : start + size]),
        )
        failed += [
            f"{f.get('Id', '?')}: {f.get('ErrorCode', '')} {f.get('ErrorMessage', '')}".strip()
            for f in reply.get("FailedFindings", [])
        ]
    return tuple(failed)
