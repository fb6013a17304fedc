"""Terraform checks that run real Terraform (`cmek.terraform_runner`) on temporary copies:
`fmt -check` of the whole tree, and the native tests and an `apply` per scenario of cmek-policy,
the one module that runs offline. Both runs start at once in threads (`start`, called by the
runner before any check) and overlap the other checks; each scenario is applied once, in the
native tests' process, and CMEK-TF-005 and CMEK-GRANT-002 judge the same outputs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cmek import contract, model, terraform_runner
from cmek.checks import DistDir, Problems, check, sources, tf_files
from cmek.model import TfModule, TfVar
from cmek.render.tf_interface import v1_principal

# The inputs the apply check gives cmek-policy, per profile: v1 (legacy, chosen explicitly) leaves
# its principal to the default on purpose; v2 names a service's role (any role ARN stands for one).
SAMPLE_INPUTS: dict[str, Any] = {
    TfVar.ACCOUNT_ID: model.EXAMPLE_ACCOUNT,
    TfVar.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN],
    TfVar.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID,
}
SAMPLE_V2_ROLE = model.EXAMPLE_ROLE_ARN
SAMPLE_INPUTS_BY_PROFILE: dict[str, dict[str, Any]] = {
    model.V1.name: {**SAMPLE_INPUTS, TfVar.PROFILE: model.V1.name},
    model.V2.name: {
        **SAMPLE_INPUTS,
        TfVar.PROFILE: model.V2.name,
        TfVar.CLICKHOUSE_ROLE_ARN: SAMPLE_V2_ROLE,
    },
}
# The scenario only CMEK-GRANT-002 judges: v2 with a key administrator (the modules' optional
# input); the profiles' scenarios are judged by both.
ADMIN_SCENARIO = "v2 with key administrators"
ADMIN_INPUTS: dict[str, Any] = {
    **SAMPLE_INPUTS_BY_PROFILE[model.V2.name],
    TfVar.KEY_ADMINISTRATOR_ARNS: [model.SAMPLE_KEY_ADMINISTRATOR_ARN],
}
SCENARIOS: dict[str, dict[str, Any]] = {**SAMPLE_INPUTS_BY_PROFILE, ADMIN_SCENARIO: ADMIN_INPUTS}
_FAILED = (terraform_runner.TerraformError, OSError)


@dataclass(frozen=True)
class _Runs:
    fmt: Future[list[str]]
    # The native tests and an apply per scenario, one `terraform test` process.
    tests: Future[terraform_runner.TestRuns]

    def outputs(self, scenario: str) -> dict[str, Any]:
        """The scenario's applied outputs; raises what kept it from applying."""
        return self.tests.result().outputs(scenario)


# fmt, cmek-policy's tests and applies, cmek-gcp-policy's (gcp_grants.py) run at once.
_WORKERS = 3
_POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="cmek-terraform")
# Runs work on copies, so their results depend on content only: keyed by fingerprint, a run is
# shared by every dist (and every check) with the same files. Bounded, oldest dropped first.
_STARTED: dict[tuple[str, str], Future[Any]] = {}
_STARTED_MAX = 32


def _after_fork_in_child() -> None:
    """A forked child (see runner.py) has none of the pool's threads: give it a pool of its
    own, and forget runs that were still pending, since no thread is left to finish them."""
    global _POOL
    _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="cmek-terraform")
    for key in [key for key, future in _STARTED.items() if not future.done()]:
        del _STARTED[key]


os.register_at_fork(after_in_child=_after_fork_in_child)


def start(kind: str, fingerprint: str, fn: Any, *args: Any) -> Future[Any]:
    """`fn(*args)` on the Terraform pool, once per (kind, content fingerprint)."""
    key = (kind, fingerprint)
    if key not in _STARTED:
        if len(_STARTED) >= _STARTED_MAX:
            del _STARTED[next(iter(_STARTED))]
        _STARTED[key] = _POOL.submit(fn, *args)
    return _STARTED[key]


def runs(dist: DistDir) -> _Runs:
    """The fmt run and the test run (native tests, one apply per scenario) for the files of
    `dist`, started on first use: the checks' `start`, so the runner begins them before any
    check runs."""
    base = dist.root / model.TERRAFORM_DIR
    policy = dist.root / TfModule.POLICY.path
    tree, module = tf_files.fingerprint(base), tf_files.fingerprint(policy)
    return _Runs(
        fmt=start("fmt", tree, terraform_runner.fmt_check, base),
        tests=start("test", module, terraform_runner.test_and_apply, policy, SCENARIOS),
    )


def _failure(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@check(
    "CMEK-TF-002",
    "`terraform fmt -check` finds nothing to reformat.",
    sources.TF_FMT,
    start=runs,
)
def formatted(dist: DistDir) -> Problems:
    try:
        changed = runs(dist).fmt.result()
    except _FAILED as exc:
        yield model.TERRAFORM_DIR, _failure(exc)
        return
    for relpath in changed:
        yield f"{model.TERRAFORM_DIR}/{relpath}", "`terraform fmt` would reformat it"


@check(
    "CMEK-TF-003",
    f"The cmek-policy native tests pass: every run block (at least "
    f"{model.TERRAFORM_TEST_MIN_RUNS}), none failed.",
    sources.TF_TESTS,
    start=runs,
)
def native_tests(dist: DistDir) -> Problems:
    tests_dir = f"{TfModule.POLICY.path}/{model.TERRAFORM_TESTS_DIR}"
    parsed = tf_files.parsed(dist)
    files = {p: d for p, d in parsed.items() if p.startswith(f"{tests_dir}/")}
    expected = sum(
        len(list(tf_files.blocks(doc, "run"))) for doc in files.values() if isinstance(doc, dict)
    )
    if expected < model.TERRAFORM_TEST_MIN_RUNS:
        yield (
            tests_dir,
            (
                f"{expected} run blocks in *{model.TF_TESTS_SUFFIX}, expected at least "
                f"{model.TERRAFORM_TEST_MIN_RUNS}"
            ),
        )
    try:
        report = runs(dist).tests.result().report
    except _FAILED as exc:
        yield tests_dir, f"terraform test did not run: {_failure(exc)}"
        return
    if report.total_runs != expected:
        yield tests_dir, f"terraform test found {report.total_runs} runs, the files hold {expected}"
    if report.passed != report.total_runs or report.failed or report.errored or report.skipped:
        detail = "; ".join(report.problems)
        yield (
            tests_dir,
            (
                f"terraform test: {report.passed} passed, {report.failed} failed, {report.errored} "
                f"errored, {report.skipped} skipped of {report.total_runs}"
                + (f": {detail}" if detail else "")
            ),
        )


def _as_list(value: Any) -> list[Any]:
    # IAM reads a one-element list and its scalar alike.
    return value if isinstance(value, list) else [value]


def _document(outputs: dict[str, Any], name: str) -> dict[str, Any] | None:
    text = outputs.get(name)
    return json.loads(text) if isinstance(text, str) else None


def _statement_problems(
    statement: dict[str, Any], what: str, actions: tuple[str, ...], resources: list[str]
) -> Iterator[str]:
    granted = _as_list(statement.get("Action"))
    if sorted(granted) != sorted(actions):
        yield f"{what} grants {sorted(granted)}, expected exactly {sorted(actions)}"
    if statement.get("Effect") != "Allow":
        yield f"{what} has Effect {statement.get('Effect')!r}"
    if sorted(_as_list(statement.get("Resource"))) != sorted(resources):
        yield f"{what} has Resource {statement.get('Resource')!r}, expected {resources!r}"


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal") or {}
    return _as_list(principal.get("AWS")) if isinstance(principal, dict) else [principal]


def _judge_key_policy(key: dict[str, Any], principal: str, profile: model.Profile) -> Iterator[str]:
    by_sid = {s.get("Sid"): s for s in key.get("Statement", [])}
    sid = profile.key_policy_sid
    expected_sids = {model.KEY_POLICY_ROOT_SID, sid}
    if set(by_sid) != expected_sids or len(by_sid) != len(key.get("Statement", [])):
        yield f"key policy Sids {sorted(map(str, by_sid))}, expected {sorted(expected_sids)}"
    root = by_sid.get(model.KEY_POLICY_ROOT_SID, {})
    root_arn = contract.account_root(model.COMMERCIAL_PARTITION, model.EXAMPLE_ACCOUNT)
    if _principals(root) != [root_arn]:
        yield f"key policy root statement trusts {_principals(root)}, expected [{root_arn!r}]"
    yield from _statement_problems(
        root, "key policy root statement", (model.KMS_ALL_ACTIONS,), ["*"]
    )
    if sid not in by_sid:
        return  # reported with the Sids above
    clickhouse = by_sid[sid]
    if _principals(clickhouse) != [principal]:
        yield f"key policy grants {_principals(clickhouse)}, expected [{principal!r}]"
    yield from _statement_problems(
        clickhouse, "key policy ClickHouse statement", profile.actions, ["*"]
    )


def _judge_statement_document(
    document: dict[str, Any], key: dict[str, Any], sid: str
) -> Iterator[str]:
    """The statement-only document holds exactly the key policy's ClickHouse statement."""
    in_key = [s for s in key.get("Statement", []) if s.get("Sid") == sid]
    if document.get("Statement") != in_key:
        yield (
            f"{model.TfOutput.CLICKHOUSE_STATEMENT_JSON.value} is not exactly the key policy's "
            f"statement {sid!r}"
        )


def _only_statement(document: dict[str, Any], sid: str, what: str) -> Iterator[dict | str]:
    """The one statement of `document`, then a problem if it is not one statement with `sid`."""
    statements = document.get("Statement", [])
    statement = statements[0] if len(statements) == 1 else {}
    yield statement
    if len(statements) != 1 or statement.get("Sid") != sid:
        yield f"{what} must be one statement with Sid {sid!r}"


def _judge_trust_policy(trust: dict[str, Any], principal: str) -> Iterator[str]:
    statement, *problems = _only_statement(trust, model.TRUST_POLICY_SID, "trust policy")
    yield from problems
    if _principals(statement) != [principal]:
        yield f"trust policy trusts {_principals(statement)}, expected [{principal!r}]"
    if _as_list(statement.get("Action")) != [model.ASSUME_ROLE_ACTION]:
        yield f"trust policy allows {statement.get('Action')!r}, expected sts:AssumeRole"
    condition = {"StringEquals": {model.EXTERNAL_ID_CONDITION_KEY: model.EXAMPLE_EXTERNAL_ID}}
    if statement.get("Condition") != condition:
        yield f"trust policy Condition {statement.get('Condition')!r}, expected {condition!r}"


def _judge_role_policy(role: dict[str, Any], profile: model.Profile) -> Iterator[str]:
    statement, *problems = _only_statement(role, model.ROLE_POLICY_SID, "role policy")
    yield from problems
    if "*" in _as_list(statement.get("Resource")):
        yield 'role policy has Resource "*": it must name the keys'
    if "Principal" in statement:
        yield "role policy statement has a Principal (an identity policy takes none)"
    yield from _statement_problems(
        statement, "role policy", profile.actions, list(SAMPLE_INPUTS[TfVar.KMS_KEY_ARNS])
    )


def judge_policies(
    outputs: dict[str, Any], principal: str, profile: model.Profile
) -> Iterator[str]:
    """Problems of cmek-policy's documents applied with the profile's sample inputs.

    Only what IAM treats as equal is normalised: a one-element list and its scalar, action order.
    A profile without a role in the customer's account must have no trust or role policy.
    """
    out = model.TfOutput
    with_role = profile.name in model.TF_ROLE_PROFILES
    role_outputs = (out.TRUST_POLICY_JSON, out.ROLE_POLICY_JSON)
    docs = {name: _document(outputs, name) for name in model.TF_OUTPUTS[TfModule.POLICY]}
    for name, doc in docs.items():
        if name in role_outputs and not with_role:
            if doc is not None:
                yield f"{name.value} is set with {profile.name}, which creates no role"
        elif doc is None:
            yield f"output {name.value!r} is missing or not a JSON string"
        elif doc.get("Version") != model.POLICY_VERSION:
            yield f"{name.value}: Version {doc.get('Version')!r}, expected {model.POLICY_VERSION}"
    if (key := docs[out.KEY_POLICY_JSON]) is not None:
        yield from _judge_key_policy(key, principal, profile)
        if (statement := docs[out.CLICKHOUSE_STATEMENT_JSON]) is not None:
            yield from _judge_statement_document(statement, key, profile.key_policy_sid)
    if with_role and (trust := docs[out.TRUST_POLICY_JSON]) is not None:
        yield from _judge_trust_policy(trust, principal)
    if with_role and (role := docs[out.ROLE_POLICY_JSON]) is not None:
        yield from _judge_role_policy(role, profile)


@check(
    "CMEK-TF-005",
    "cmek-policy's documents (terraform apply, each profile) grant exactly the profile's actions "
    'to its principal with its Sid, a role only for v1; the role policy never has Resource "*".',
    sources.KMS_KEY_POLICY,
    start=runs,
)
def policy_documents(dist: DistDir) -> Problems:
    path = TfModule.POLICY.path
    principals = {model.V1.name: v1_principal(dist.config), model.V2.name: SAMPLE_V2_ROLE}
    applied = runs(dist)
    for name in SAMPLE_INPUTS_BY_PROFILE:
        try:
            outputs = applied.outputs(name)
        except _FAILED as exc:
            yield path, f"terraform apply ({name}) failed: {_failure(exc)}"
            continue
        for problem in judge_policies(outputs, principals[name], model.PROFILES[name]):
            yield path, f"{name}: {problem}"
