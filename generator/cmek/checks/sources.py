"""The documents the checks enforce, each URL spelled once (a check's `source_url`)."""

from __future__ import annotations

_AWS = "https://docs.aws.amazon.com"
_CFN = f"{_AWS}/AWSCloudFormation/latest/UserGuide"
_IAM = f"{_AWS}/IAM/latest/UserGuide"
_KMS = f"{_AWS}/kms/latest/developerguide"
_TERRAFORM = "https://developer.hashicorp.com/terraform"

CFN_LINT_RULES = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md"
CFN_CONDITIONS = f"{_CFN}/conditions-section-structure.html"
CFN_INTRINSICS = (
    f"{_AWS}/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html"
)
CFN_OUTPUTS = f"{_CFN}/outputs-section-structure.html"
CFN_PARAMETERS = f"{_CFN}/parameters-section-structure.html"
CFN_PSEUDO_PARAMETERS = f"{_CFN}/pseudo-parameter-reference.html"
CFN_QUICK_CREATE = f"{_CFN}/cfn-console-create-stacks-quick-create-links.html"
CFN_RULES = f"{_CFN}/rules-section-structure.html"
CFN_TEMPLATE_FORMATS = f"{_CFN}/template-formats.html"
CFN_TEMPLATE_ANATOMY = f"{_CFN}/template-anatomy.html"
# AWS::KMS::Key: KeyPolicy is "Update requires: No interruption" (the key stays, its ARN too).
CFN_KMS_KEY = f"{_AWS}/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html"
IAM_EVALUATION = f"{_IAM}/reference_policies_evaluation-logic.html"
IAM_EXTERNAL_ID = f"{_IAM}/id_roles_common-scenarios_third-party.html"
IAM_QUOTAS = f"{_IAM}/reference_iam-quotas.html"
IAM_RESOURCE = f"{_IAM}/reference_policies_elements_resource.html"
IAM_SID = f"{_IAM}/reference_policies_elements_sid.html"
KMS_ACTIONS = f"{_AWS}/service-authorization/latest/reference/list_awskeymanagementservice.html"
KMS_KEY_POLICY = f"{_KMS}/key-policy-overview.html"
KMS_ROTATION = f"{_KMS}/rotate-keys.html"
S3_INTEGRITY = f"{_AWS}/AmazonS3/latest/userguide/checking-object-integrity.html"
TF_COMPOSITION = f"{_TERRAFORM}/language/modules/develop/composition"
TF_RESOURCES = f"{_TERRAFORM}/language/resources/syntax"
TF_FMT = f"{_TERRAFORM}/cli/commands/fmt"
TF_MODULE_STRUCTURE = f"{_TERRAFORM}/language/modules/develop/structure"
TF_PROVIDER_REQUIREMENTS = f"{_TERRAFORM}/language/providers/requirements"
TF_PUBLISH = f"{_TERRAFORM}/registry/modules/publish"
TF_SYNTAX = f"{_TERRAFORM}/language/syntax/configuration"
TF_TESTS = f"{_TERRAFORM}/language/tests"
# GCP (issue 18): Cloud KMS IAM and Terraform's Google provider.
GCP_KMS_IAM = "https://cloud.google.com/kms/docs/iam"
