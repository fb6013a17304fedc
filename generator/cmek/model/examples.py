"""AWS's documentation account, role and key: examples in messages and docs, and the sample
inputs the checks resolve templates and modules with.
"""

from __future__ import annotations

# AWS's documentation account and key: the examples in error messages and docs, and the sample
# inputs the checks resolve templates and modules with.
EXAMPLE_ACCOUNT = "111122223333"
EXAMPLE_REGION = "us-east-1"
EXAMPLE_ROLE_ARN = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:role/name"
EXAMPLE_KEY_ARN = (
    f"arn:aws:kms:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)
EXAMPLE_MRK_KEY_ARN = (
    f"arn:aws:kms:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab"
)
EXAMPLE_EXTERNAL_ID = "clickhouse-cmek-example"
# A ClickHouse Cloud organization ID of the shape the console shows (a UUID), for the examples.
EXAMPLE_CLICKHOUSE_ORGANIZATION_ID = "00000000-0000-4000-8000-000000000000"
