"""GCP checks: cmek-gcp-policy under real Terraform (its native tests, exact run count; an apply
that must grant exactly the contract's roles to exactly the member), and the grant wiring of the
GCP modules as a user receives them: non-authoritative grants only, from cmek-gcp-policy, on the
key."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from cmek import model, terraform_runner
from cmek.checks import DistDir, Problems, check, sources, tf_files, tf_runs
from cmek.checks.tf_files import expression
from cmek.model import GcpTfModule, GcpTfOutput, GcpTfVar

SAMPLE_EMAIL = model.EXAMPLE_GCP_SERVICE_ACCOUNT
_FAILED = (terraform_runner.TerraformError, OSError)
_GRANTS = (model.GOOGLE_KMS_IAM_MEMBER_RESOURCE, model.GCP_GRANT_RESOURCE_NAME)


SAMPLE_INPUTS = {
    GcpTfVar.SERVICE_ACCOUNT_EMAIL.value: SAMPLE_EMAIL,
    GcpTfVar.CRYPTO_KEY_ID.value: model.EXAMPLE_GCP_KEY_PATH,
}


# The one scenario applied: the sample service account and key.
SAMPLE = "sample"


def runs(dist: DistDir) -> Future[terraform_runner.TestRuns]:
    """cmek-gcp-policy's native tests and its sample apply (one `terraform test` process), on
    the shared Terraform pool: the checks' `start`, so they begin before any check runs (and a
    missing Terraform names them)."""
    root = dist.root / GcpTfModule.POLICY.path
    return tf_runs.start(
        "gcp-test",
        tf_files.fingerprint(root),
        terraform_runner.test_and_apply,
        root,
        {SAMPLE: SAMPLE_INPUTS},
    )


@check(
    "CMEK-GCP-001",
    f"cmek-gcp-policy's native tests pass: exactly {model.GCP_TERRAFORM_TEST_RUNS} run blocks, "
    "every one passed.",
    sources.TF_TESTS,
    start=runs,
)
def gcp_native_tests(dist: DistDir) -> Problems:
    tests_dir = f"{GcpTfModule.POLICY.path}/{model.TERRAFORM_TESTS_DIR}"
    docs = [d for p, d in tf_files.parsed(dist).items() if p.startswith(f"{tests_dir}/")]
    found = sum(len(list(tf_files.blocks(d, "run"))) for d in docs if isinstance(d, dict))
    if found != model.GCP_TERRAFORM_TEST_RUNS:
        yield tests_dir, f"{found} run blocks, expected exactly {model.GCP_TERRAFORM_TEST_RUNS}"
    try:
        report = runs(dist).result().report
    except _FAILED as exc:
        yield tests_dir, f"terraform test did not run: {' '.join(str(exc).split())}"
        return
    if report.total_runs != found or report.passed != report.total_runs:
        yield (
            tests_dir,
            f"terraform test: {report.passed} passed of {report.total_runs} runs ({found} in "
            f"the files): {'; '.join(report.problems)}",
        )


def _applied_problems(outputs: dict[str, Any]) -> Problems:
    path = GcpTfModule.POLICY.path
    member = f"{model.GCP_MEMBER_PREFIX}{SAMPLE_EMAIL}"
    if outputs.get(GcpTfOutput.MEMBER.value) != member:
        yield path, f"member {outputs.get(GcpTfOutput.MEMBER.value)!r}, expected {member!r}"
    roles = outputs.get(GcpTfOutput.ROLES.value)
    if not isinstance(roles, list) or sorted(roles) != sorted(model.GCP_ROLES):
        yield path, f"roles {roles!r}, expected exactly {sorted(model.GCP_ROLES)}"


def _grant_problems(dist: DistDir, module: GcpTfModule, key_ref: str) -> Problems:
    directory = tf_files.directory(dist, module.path)
    found = [(p, b) for p, labels, b in directory.blocks("resource") if labels == _GRANTS]
    if len(found) != 1:
        yield module.path, f"expected one resource {'.'.join(_GRANTS)}, found {len(found)}"
        return
    relpath, body = found[0]
    wanted = {
        "for_each": f"toset(module.policy.{GcpTfOutput.ROLES.value})",
        "member": f"module.policy.{GcpTfOutput.MEMBER.value}",
        "role": "each.value",
        "crypto_key_id": key_ref,
    }
    for name, value in wanted.items():
        if expression(body.get(name)) != value:
            yield relpath, f"{'.'.join(_GRANTS)}: {name} must be {value}"


def _authoritative(dist: DistDir) -> Problems:
    for relpath, doc in tf_files.parsed(dist).items():
        if not isinstance(doc, dict):
            continue
        for labels, _ in tf_files.blocks(doc, "resource"):
            if labels and labels[0].endswith(model.GOOGLE_AUTHORITATIVE_IAM_SUFFIXES):
                yield relpath, f"resource {labels[0]} is authoritative: it would remove members"


@check(
    "CMEK-GCP-002",
    "GCP grants are exactly the contract's: cmek-gcp-policy (terraform apply) grants exactly the "
    "two roles to serviceAccount:<e-mail>; the modules grant them with google_kms_crypto_key_"
    "iam_member on the key only; no _iam_binding or _iam_policy resource anywhere.",
    sources.GCP_KMS_IAM,
    start=runs,
)
def gcp_grants(dist: DistDir) -> Problems:
    try:
        yield from _applied_problems(runs(dist).result().outputs(SAMPLE))
    except _FAILED as exc:
        yield GcpTfModule.POLICY.path, f"terraform apply failed: {' '.join(str(exc).split())}"
    crypto_key = f"{model.GOOGLE_KMS_CRYPTO_KEY_RESOURCE}.this.id"
    yield from _grant_problems(dist, GcpTfModule.KEY, crypto_key)
    yield from _grant_problems(dist, GcpTfModule.GRANT, f"module.policy.{GcpTfOutput.KEY_ID.value}")
    yield from _authoritative(dist)
