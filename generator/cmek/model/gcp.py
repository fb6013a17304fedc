"""ClickHouse's CMEK v2 on Google Cloud: what a customer grants, on which key, and how it looks.

On GCP each service has its own encryption service account (the service's "Encryption Service
Account"; `clickhouse_service.transparent_data_encryption.role_id` in the ClickHouse provider, an
e-mail). The customer grants it two roles on one Cloud KMS key and gives ClickHouse the key's
resource path (the association's `key_id`). Sources: ClickHouse's CMEK guide and its provider's
GCP TDE examples (tests/vendor/terraform-provider-clickhouse).
"""

from __future__ import annotations

# --- The grant: two roles on the key, to the service's own service account ----------------------
# IAM's member form of a service account: this prefix, then its e-mail.
GCP_MEMBER_PREFIX = "serviceAccount:"
# Exactly these roles, on the key (never the project or the key ring): encrypt and decrypt with
# the key, and read its metadata (ClickHouse's guide: "Cloud KMS CryptoKey Encrypter/Decrypter" and
# "Cloud KMS Viewer").
GCP_ENCRYPTER_DECRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
GCP_VIEWER_ROLE = "roles/cloudkms.viewer"
GCP_ROLES: tuple[str, ...] = (GCP_ENCRYPTER_DECRYPTER_ROLE, GCP_VIEWER_ROLE)
# Their titles in Google Cloud's console, as ClickHouse's guide names them (the docs and the page).
GCP_ROLE_TITLES: dict[str, str] = {
    GCP_ENCRYPTER_DECRYPTER_ROLE: "Cloud KMS CryptoKey Encrypter/Decrypter",
    GCP_VIEWER_ROLE: "Cloud KMS Viewer",
}
# Roles that grant only half of the first one (ClickHouse's PR #298 example grants these two
# separately): either alone is not enough; both together equal the combined role.
GCP_ENCRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypter"
GCP_DECRYPTER_ROLE = "roles/cloudkms.cryptoKeyDecrypter"
GCP_SPLIT_ROLES: tuple[str, ...] = (GCP_ENCRYPTER_ROLE, GCP_DECRYPTER_ROLE)

# --- The service account and the key, as typed values --------------------------------------------
# A service account e-mail: user-managed (NAME@PROJECT.iam.gserviceaccount.com) and Google-managed
# (service agents, developer.gserviceaccount.com) alike. RE2-compatible (Terraform validates it).
GCP_SERVICE_ACCOUNT_PATTERN = (
    r"[a-z0-9][a-z0-9-]{0,62}@([a-z0-9][a-z0-9-]{0,62}\.)+gserviceaccount\.com"
)
# Project IDs: 6-30 lower-case letters, digits and hyphens, starting with a letter.
GCP_PROJECT_PATTERN = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
# A Cloud KMS location: a region (europe-west4), a multi-region (europe) or global.
GCP_LOCATION_PATTERN = r"[a-z][a-z0-9-]{0,62}[a-z0-9]"
# Key ring and key names: 1-63 letters, digits, `_` and `-` (Cloud KMS's naming rule).
GCP_KMS_NAME_PATTERN = r"[a-zA-Z0-9_-]{1,63}"
GCP_KEY_PATH_FORM = "projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{key}"
GCP_KEY_PATH_PATTERN = GCP_KEY_PATH_FORM.format(
    project=f"({GCP_PROJECT_PATTERN})",
    location=f"({GCP_LOCATION_PATTERN})",
    key_ring=f"({GCP_KMS_NAME_PATTERN})",
    key=f"({GCP_KMS_NAME_PATTERN})",
)
# The key lives in the service's region (the ClickHouse example's key ring location is var.region).
GCP_KEY_LOCATION_RULE = "the key's location must be the ClickHouse service's region"

# --- What a usable key looks like ---------------------------------------------------------------
GCP_KEY_PURPOSE = "ENCRYPT_DECRYPT"
GCP_KEY_ALGORITHM = "GOOGLE_SYMMETRIC_ENCRYPTION"
GCP_KEY_VERSION_ENABLED = "ENABLED"
# What the key module creates; verify-key reports the level of any key and refuses none for it.
GCP_KEY_PROTECTION_LEVEL = "SOFTWARE"
GCP_PROTECTION_LEVELS: dict[str, str] = {
    "SOFTWARE": "software key material in Cloud KMS",
    "HSM": "key material in Cloud HSM",
    "EXTERNAL": "external key manager (it must stay reachable)",
    "EXTERNAL_VPC": "external key manager over VPC (it must stay reachable)",
}
# Cloud KMS's smallest automatic rotation period (24 hours), in the duration form it takes.
GCP_ROTATION_MIN_SECONDS = 86400
GCP_DURATION_PATTERN = r"[0-9]+s"

# --- Example values (documentation values: messages, docs, sample inputs) -----------------------
EXAMPLE_GCP_PROJECT = "example-project"
EXAMPLE_GCP_LOCATION = "europe-west4"
EXAMPLE_GCP_KEY_RING = "clickhouse-cmek"
EXAMPLE_GCP_KEY = "clickhouse-cmek"
EXAMPLE_GCP_KEY_PATH = GCP_KEY_PATH_FORM.format(
    project=EXAMPLE_GCP_PROJECT,
    location=EXAMPLE_GCP_LOCATION,
    key_ring=EXAMPLE_GCP_KEY_RING,
    key=EXAMPLE_GCP_KEY,
)
EXAMPLE_GCP_SERVICE_ACCOUNT = "encryption-sa@clickhouse-example.iam.gserviceaccount.com"
# The rotation period the docs show (90 days).
EXAMPLE_GCP_ROTATION_PERIOD = "7776000s"
# cmek-gcp-key rotates by default every 90 days, the longest period the CIS Google Cloud benchmark
# (1.10) and checkov's CKV_GCP_43 accept; a new version becomes primary and every older version
# stays enabled, so ClickHouse keeps reading data encrypted before the rotation.
GCP_ROTATION_PERIOD_DEFAULT = EXAMPLE_GCP_ROTATION_PERIOD

# --- Placeholders: where the customer's own values go until typed (the page, the docs) ----------
GCP_SERVICE_ACCOUNT_PLACEHOLDER = "YOUR_ENCRYPTION_SERVICE_ACCOUNT"
GCP_KEY_PATH_PLACEHOLDER = GCP_KEY_PATH_FORM.format(
    project="YOUR_PROJECT_ID", location="YOUR_REGION", key_ring="YOUR_KEY_RING", key="YOUR_KEY"
)

# --- The gcloud commands the customer runs (snippet, verify-key fixes, the page) ----------------
GCLOUD_ADD_BINDING = "gcloud kms keys add-iam-policy-binding"
GCLOUD_DESCRIBE = "gcloud kms keys describe"
GCLOUD_GET_POLICY = "gcloud kms keys get-iam-policy"
GCLOUD_JSON_FORMAT = "--format=json"
# Read caps of the documents verify-key reads (a key's IAM policy is at most 64 KB in IAM).
GCP_DOCUMENT_MAX_BYTES = 1_000_000
