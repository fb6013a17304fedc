"""Terraform checks: judge the files under dist/terraform as a user receives them.

Static checks read the HCL with python-hcl2 and compare it with the model and the config. Behaviour
checks run real Terraform (`generator.terraform`) on temporary copies: `fmt -check` of the whole
tree, and the native tests and an `apply` of cmek-policy, the one module that runs offline. The
three runs start together in threads the first time any check touches Terraform, and overlap with
the HCL parsing, so this part of `cmek check` stays under a second.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import model, terraform
from generator.checks import Dist, check
from generator.model import TfModule, TfVar

Problems = Iterator[tuple[str, str]]

HCL_SUFFIXES = (".tf", ".tfvars", ".tftest.hcl", ".tfvars.example")
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
EXAMPLE_FILES = (*MODULE_FILES, "terraform.tfvars.example")
TESTS_SUFFIX = ".tftest.hcl"
# The inputs the apply check gives cmek-policy; the principal is left to its default on purpose.
SAMPLE_INPUTS: dict[str, Any] = {
    TfVar.ACCOUNT_ID: model.EXAMPLE_ACCOUNT,
    TfVar.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN],
    TfVar.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID,
}
_INTERPOLATION = re.compile(r"(?<!\$)\$\{")


# --- Reading the tree ---------------------------------------------------------------------------
def _fingerprint(directory: Path) -> str:
    """Digest of every file under `directory`: results are cached by content, not by path."""
    digest = hashlib.sha256()
    if directory.is_dir():
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _hcl_files(root: Path) -> list[str]:
    base = root / model.TERRAFORM_DIR
    if not base.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in base.rglob("*")
        if p.is_file() and p.name.endswith(HCL_SUFFIXES)
    )


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> dict[str, Any] | str:
    """One file parsed by python-hcl2, or the parser's first error line (cached by content)."""
    import hcl2

    try:
        return hcl2.loads(text)
    # Lark raises several unrelated exception types on bad input; any of them means "no".
    except Exception as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _parsed(dist: Dist) -> dict[str, dict[str, Any] | str]:
    """Every HCL file under terraform/, parsed; Terraform starts first and runs meanwhile."""
    _runs(dist)
    return {relpath: _parse(dist.read(relpath)) for relpath in _hcl_files(dist.root)}


def _unlabel(
    node: dict[str, Any], labels: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], dict]]:
    if node.get("__is_block__"):
        yield labels, node
        return
    for label, inner in node.items():
        if isinstance(inner, dict):
            yield from _unlabel(inner, (*labels, _unquote(label)))


def blocks(doc: dict[str, Any], kind: str) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """`(labels, body)` of each `kind` block in a python-hcl2 document."""
    for entry in doc.get(kind, []):
        yield from _unlabel(entry, ())


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def literal(value: Any) -> Any:
    """The value of an HCL string literal as python-hcl2 returns it (quoted, escapes kept).

    An expression or a template with interpolation gives None; other types pass through.
    """
    if not isinstance(value, str):
        return value
    if not (len(value) >= 2 and value[0] == value[-1] == '"') or _INTERPOLATION.search(value):
        return None
    try:
        text = json.loads(value)
    except json.JSONDecodeError:
        return None
    return text.replace("$${", "${").replace("%%{", "%{")


def expression(value: Any) -> str | None:
    """The text of an expression python-hcl2 wrapped as `${...}`; None for anything else."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return None


@dataclass(frozen=True)
class _Directory:
    """The parsed .tf files of one module or example directory (tests excluded)."""

    path: str
    docs: dict[str, dict[str, Any]]

    def blocks(self, kind: str) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
        for relpath, doc in self.docs.items():
            for labels, body in blocks(doc, kind):
                yield relpath, labels, body

    def named(self, kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
        return {labels[0]: (relpath, body) for relpath, labels, body in self.blocks(kind) if labels}


def _directory(dist: Dist, path: str) -> _Directory:
    parsed = _parsed(dist)
    docs = {
        relpath: doc
        for relpath, doc in parsed.items()
        if posixpath.dirname(relpath) == path and relpath.endswith(".tf") and isinstance(doc, dict)
    }
    return _Directory(path, docs)


def _example_paths() -> dict[model.Mode, str]:
    return {
        mode: f"{model.TERRAFORM_EXAMPLES_DIR}/{mode.value}" for mode in model.TF_MODULE_BY_MODE
    }


# --- Running Terraform --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Runs:
    fmt: Future[list[str]]
    tests: Future[terraform.TestReport]
    apply: Future[dict[str, Any]]


_POOL = ThreadPoolExecutor(max_workers=3, thread_name_prefix="cmek-terraform")
# Runs work on copies, so their results depend on content only: keyed by fingerprint, a run is
# shared by every dist (and every check) with the same files. Bounded, oldest dropped first.
_STARTED: dict[tuple[str, str], Future[Any]] = {}
_STARTED_MAX = 32


def _start(kind: str, fingerprint: str, fn: Any, *args: Any) -> Future[Any]:
    key = (kind, fingerprint)
    if key not in _STARTED:
        if len(_STARTED) >= _STARTED_MAX:
            del _STARTED[next(iter(_STARTED))]
        _STARTED[key] = _POOL.submit(fn, *args)
    return _STARTED[key]


def _runs(dist: Dist) -> _Runs:
    """The fmt, test and apply runs for the files of `dist`, started on first use."""
    base = dist.root / model.TERRAFORM_DIR
    policy = dist.root / TfModule.POLICY.path
    tree, module = _fingerprint(base), _fingerprint(policy)
    return _Runs(
        fmt=_start("fmt", tree, terraform.fmt_check, base),
        tests=_start("test", module, terraform.run_tests, policy),
        apply=_start("apply", module, terraform.apply_outputs, policy, SAMPLE_INPUTS),
    )


def _failure(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- Checks -------------------------------------------------------------------------------------
@check(
    "CMEK-TF-001",
    "Every Terraform file (.tf, .tfvars, .tftest.hcl, tfvars example) parses as HCL.",
    "https://developer.hashicorp.com/terraform/language/syntax/configuration",
)
def parses(dist: Dist) -> Problems:
    # python-hcl2 8.1.4 rejects the `$${` and `%%{` escapes that Terraform reads as literal `${`
    # and `%{`. No config value can hold them today (the principal is validated as an ARN); if
    # one ever does, this check reports it although Terraform would accept the file.
    parsed = _parsed(dist)
    if not parsed:
        yield model.TERRAFORM_DIR, "no Terraform files; run `cmek build`"
    for relpath, doc in parsed.items():
        if isinstance(doc, str):
            yield relpath, f"python-hcl2 cannot parse it: {doc}"


@check(
    "CMEK-TF-002",
    "`terraform fmt -check` finds nothing to reformat.",
    "https://developer.hashicorp.com/terraform/cli/commands/fmt",
)
def formatted(dist: Dist) -> Problems:
    try:
        changed = _runs(dist).fmt.result()
    except (terraform.TerraformError, OSError) as exc:
        yield model.TERRAFORM_DIR, _failure(exc)
        return
    for relpath in changed:
        yield f"{model.TERRAFORM_DIR}/{relpath}", "`terraform fmt` would reformat it"


@check(
    "CMEK-TF-003",
    f"The cmek-policy native tests pass: every run block (at least "
    f"{model.TERRAFORM_TEST_MIN_RUNS}), none failed.",
    "https://developer.hashicorp.com/terraform/language/tests",
)
def native_tests(dist: Dist) -> Problems:
    tests_dir = f"{TfModule.POLICY.path}/{model.TERRAFORM_TESTS_DIR}"
    parsed = _parsed(dist)
    files = {p: d for p, d in parsed.items() if p.startswith(f"{tests_dir}/")}
    expected = sum(len(list(blocks(doc, "run"))) for doc in files.values() if isinstance(doc, dict))
    if expected < model.TERRAFORM_TEST_MIN_RUNS:
        yield (
            tests_dir,
            (
                f"{expected} run blocks in *{TESTS_SUFFIX}, expected at least "
                f"{model.TERRAFORM_TEST_MIN_RUNS}"
            ),
        )
    try:
        report = _runs(dist).tests.result()
    except (terraform.TerraformError, OSError) as exc:
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


def _declared(directory: _Directory, kind: str, contract: tuple[str, ...]) -> Problems:
    found = directory.named(kind)
    expected = [str(name) for name in contract]
    for name in expected:
        if name not in found:
            yield directory.path, f"{kind} {name!r} of the contract is not declared"
    for name, (relpath, body) in sorted(found.items()):
        if name not in expected:
            yield relpath, f"{kind} {name!r} is not in the contract (model.py)"
        if not literal(body.get("description")):
            yield relpath, f"{kind} {name!r} has no description"
        if kind == "variable" and "type" not in body:
            yield relpath, f"variable {name!r} has no type"


@check(
    "CMEK-TF-004",
    "Each module and example has its files and declares exactly the contract's variables and "
    "outputs, typed and described; cmek-policy declares no provider or resource.",
    "https://developer.hashicorp.com/terraform/language/modules/develop/structure",
)
def contract(dist: Dist) -> Problems:
    for module in TfModule:
        for name in MODULE_FILES:
            if not dist.exists(f"{module.path}/{name}"):
                yield f"{module.path}/{name}", "missing"
        directory = _directory(dist, module.path)
        yield from _declared(directory, "variable", tuple(model.TF_INPUTS[module]))
        yield from _declared(directory, "output", tuple(model.TF_OUTPUTS[module]))
        variables = directory.named("variable")
        if TfVar.CLICKHOUSE_ROLE_ARN in variables:
            relpath, body = variables[TfVar.CLICKHOUSE_ROLE_ARN]
            default = literal(body.get("default"))
            if default != dist.config.principal:
                yield (
                    relpath,
                    (
                        f"{TfVar.CLICKHOUSE_ROLE_ARN.value} defaults to {default!r}, expected the "
                        f"principal {dist.config.principal!r}"
                    ),
                )
    policy = _directory(dist, TfModule.POLICY.path)
    for kind in ("provider", "resource", "data", "module"):
        for relpath, labels, _ in policy.blocks(kind):
            yield (
                relpath,
                (f"{kind} {'.'.join(labels)}: {TfModule.POLICY.value} must stay provider-free"),
            )
    for mode, path in _example_paths().items():
        yield from _example(dist, path, model.TF_MODULE_BY_MODE[mode])


def _example(dist: Dist, path: str, module: TfModule) -> Problems:
    for name in EXAMPLE_FILES:
        if not dist.exists(f"{path}/{name}"):
            yield f"{path}/{name}", "missing"
    directory = _directory(dist, path)
    calls = [
        (relpath, body)
        for relpath, _, body in directory.blocks("module")
        if literal(body.get("source")) == posixpath.relpath(module.path, path)
    ]
    if len(calls) != 1:
        source = posixpath.relpath(module.path, path)
        yield path, f"expected one module block with source {source!r}"
    if "aws" not in directory.named("provider"):
        yield path, 'no provider "aws" block'
    outputs = set(directory.named("output"))
    for name in model.TF_OUTPUTS[module]:
        if name not in outputs:
            yield path, f"output {name.value!r} of {module.value} is not printed"
    tfvars = _parsed(dist).get(f"{path}/terraform.tfvars.example")
    if isinstance(tfvars, dict):
        variables = directory.named("variable")
        for name in tfvars:
            if not name.startswith("__") and name not in variables:
                yield f"{path}/terraform.tfvars.example", f"{name!r} is not a declared variable"


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


def judge_policies(
    outputs: dict[str, Any], principal: str, profile: model.Profile
) -> Iterator[str]:
    """Problems of cmek-policy's documents applied with `SAMPLE_INPUTS` and the default principal.

    Only what IAM treats as equal is normalised: a one-element list and its scalar, action order.
    """
    out = model.TfOutput
    docs = {name: _document(outputs, name) for name in model.TF_OUTPUTS[TfModule.POLICY]}
    for name, doc in docs.items():
        if doc is None:
            yield f"output {name.value!r} is missing or not a JSON string"
        elif doc.get("Version") != model.POLICY_VERSION:
            yield f"{name.value}: Version {doc.get('Version')!r}, expected {model.POLICY_VERSION}"
    key, trust, role = (
        docs[out.KEY_POLICY_JSON],
        docs[out.TRUST_POLICY_JSON],
        docs[out.ROLE_POLICY_JSON],
    )
    if key is not None:
        by_sid = {s.get("Sid"): s for s in key.get("Statement", [])}
        expected_sids = {model.KEY_POLICY_ROOT_SID, model.KEY_POLICY_CLICKHOUSE_SID}
        if set(by_sid) != expected_sids or len(by_sid) != len(key.get("Statement", [])):
            yield f"key policy Sids {sorted(map(str, by_sid))}, expected {sorted(expected_sids)}"
        root = by_sid.get(model.KEY_POLICY_ROOT_SID, {})
        root_arn = model.ACCOUNT_ROOT_ARN.format(
            partition=model.COMMERCIAL_PARTITION, account=model.EXAMPLE_ACCOUNT
        )
        if _principals(root) != [root_arn]:
            yield f"key policy root statement trusts {_principals(root)}, expected [{root_arn!r}]"
        yield from _statement_problems(
            root, "key policy root statement", (model.KMS_ALL_ACTIONS,), ["*"]
        )
        clickhouse = by_sid.get(model.KEY_POLICY_CLICKHOUSE_SID, {})
        if _principals(clickhouse) != [principal]:
            yield f"key policy grants {_principals(clickhouse)}, expected [{principal!r}]"
        yield from _statement_problems(
            clickhouse, "key policy ClickHouse statement", profile.actions, ["*"]
        )
    if trust is not None:
        statements = trust.get("Statement", [])
        statement = statements[0] if len(statements) == 1 else {}
        if len(statements) != 1 or statement.get("Sid") != model.TRUST_POLICY_SID:
            yield f"trust policy must be one statement with Sid {model.TRUST_POLICY_SID!r}"
        if _principals(statement) != [principal]:
            yield f"trust policy trusts {_principals(statement)}, expected [{principal!r}]"
        if _as_list(statement.get("Action")) != [model.ASSUME_ROLE_ACTION]:
            yield f"trust policy allows {statement.get('Action')!r}, expected sts:AssumeRole"
        condition = {"StringEquals": {model.EXTERNAL_ID_CONDITION_KEY: model.EXAMPLE_EXTERNAL_ID}}
        if statement.get("Condition") != condition:
            yield f"trust policy Condition {statement.get('Condition')!r}, expected {condition!r}"
    if role is not None:
        statements = role.get("Statement", [])
        statement = statements[0] if len(statements) == 1 else {}
        if len(statements) != 1 or statement.get("Sid") != model.ROLE_POLICY_SID:
            yield f"role policy must be one statement with Sid {model.ROLE_POLICY_SID!r}"
        if "*" in _as_list(statement.get("Resource")):
            yield 'role policy has Resource "*": it must name the keys'
        if "Principal" in statement:
            yield "role policy statement has a Principal (an identity policy takes none)"
        yield from _statement_problems(
            statement, "role policy", profile.actions, list(SAMPLE_INPUTS[TfVar.KMS_KEY_ARNS])
        )


@check(
    "CMEK-TF-005",
    "cmek-policy's documents (terraform apply) grant exactly the profile's actions to the "
    'principal with the CloudFormation Sids; the role policy never has Resource "*".',
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html",
)
def policy_documents(dist: Dist) -> Problems:
    path = TfModule.POLICY.path
    try:
        outputs = _runs(dist).apply.result()
    except (terraform.TerraformError, OSError) as exc:
        yield path, f"terraform apply failed: {_failure(exc)}"
        return
    for problem in judge_policies(outputs, dist.config.principal, dist.config.profile):
        yield path, problem


@check(
    "CMEK-TF-006",
    "Every module and example pins Terraform (required_version) and, where it uses AWS, "
    "hashicorp/aws with a version constraint, in versions.tf.",
    "https://developer.hashicorp.com/terraform/language/providers/requirements",
)
def versions(dist: Dist) -> Problems:
    paths = {module.path: module is not TfModule.POLICY for module in TfModule}
    paths.update(dict.fromkeys(_example_paths().values(), True))
    parsed = _parsed(dist)
    for path, uses_aws in paths.items():
        relpath = f"{path}/versions.tf"
        doc = parsed.get(relpath)
        settings = [body for _, body in blocks(doc, "terraform")] if isinstance(doc, dict) else []
        if len(settings) != 1:
            yield relpath, "expected one terraform block"
            continue
        found = literal(settings[0].get("required_version"))
        if found != model.TERRAFORM_REQUIRED_VERSION:
            yield (
                relpath,
                (f"required_version {found!r}, expected {model.TERRAFORM_REQUIRED_VERSION!r}"),
            )
        providers = {
            name: spec
            for block in settings[0].get("required_providers", [])
            for name, spec in block.items()
            if not name.startswith("__")
        }
        if not uses_aws:
            if providers:
                yield relpath, f"required_providers {sorted(providers)} in a provider-free module"
            continue
        aws = providers.get("aws") if isinstance(providers.get("aws"), dict) else {}
        if literal(aws.get("source")) != model.AWS_PROVIDER_SOURCE:
            yield relpath, f"aws provider source is not {model.AWS_PROVIDER_SOURCE!r}"
        if literal(aws.get("version")) != model.AWS_PROVIDER_VERSION:
            yield relpath, f"aws provider version is not {model.AWS_PROVIDER_VERSION!r}"


def _references(value: Any, target: str) -> bool:
    return expression(value) == target


@check(
    "CMEK-TF-007",
    f"The new key is symmetric with rotation on and prevent_destroy, and its deletion window is "
    f"validated to {model.PENDING_WINDOW_MIN_DAYS}-{model.PENDING_WINDOW_MAX_DAYS} days, "
    f"default {model.PENDING_WINDOW_DAYS}.",
    "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
)
def new_key(dist: Dist) -> Problems:
    directory = _directory(dist, TfModule.NEW_KEY.path)
    keys = list(directory.blocks("resource"))
    kms_keys = [(relpath, body) for relpath, labels, body in keys if labels[0] == "aws_kms_key"]
    if len(kms_keys) != 1:
        yield directory.path, f"expected one aws_kms_key, found {len(kms_keys)}"
        return
    relpath, key = kms_keys[0]
    expected = {
        "enable_key_rotation": True,
        "key_usage": model.KEY_USAGE,
        "customer_master_key_spec": model.KEY_SPEC,
    }
    for name, value in expected.items():
        if literal(key.get(name)) != value:
            yield relpath, f"aws_kms_key {name} is {key.get(name)!r}, expected {value!r}"
    if not any(block.get("prevent_destroy") is True for block in key.get("lifecycle", [])):
        yield relpath, "aws_kms_key has no lifecycle prevent_destroy = true"
    window = TfVar.DELETION_WINDOW_IN_DAYS
    if not _references(key.get("deletion_window_in_days"), f"var.{window.value}"):
        yield relpath, f"aws_kms_key deletion_window_in_days is not var.{window.value}"
    variable = directory.named("variable").get(window)
    if variable is None:
        return
    var_path, body = variable
    if body.get("default") != model.PENDING_WINDOW_DAYS:
        yield (
            var_path,
            (
                f"{window.value} defaults to {body.get('default')!r}, expected "
                f"{model.PENDING_WINDOW_DAYS}"
            ),
        )
    conditions = " ".join(str(v.get("condition")) for v in body.get("validation", []))
    for bound in (
        f"var.{window.value} >= {model.PENDING_WINDOW_MIN_DAYS}",
        f"var.{window.value} <= {model.PENDING_WINDOW_MAX_DAYS}",
    ):
        if bound not in conditions:
            yield var_path, f"{window.value} has no validation {bound!r}"


@check(
    "CMEK-TF-008",
    "Only cmek-policy builds policy documents: the provider modules take theirs from it and pass "
    "it the account and partition of aws_caller_identity / aws_partition.",
    "https://developer.hashicorp.com/terraform/language/modules/develop/composition",
)
def policy_wiring(dist: Dist) -> Problems:
    out = model.TfOutput
    uses = {
        TfModule.EXISTING_KEY: {
            ("aws_iam_role", "assume_role_policy"): out.TRUST_POLICY_JSON,
            ("aws_iam_role_policy", "policy"): out.ROLE_POLICY_JSON,
        },
        TfModule.NEW_KEY: {("aws_kms_key", "policy"): out.KEY_POLICY_JSON},
    }
    for module, wanted in uses.items():
        directory = _directory(dist, module.path)
        source = posixpath.relpath(TfModule.POLICY.path, module.path)
        calls = [
            (labels[0], body)
            for _, labels, body in directory.blocks("module")
            if literal(body.get("source")) == source
        ]
        if len(calls) != 1:
            yield directory.path, f"expected one module block with source {source!r}"
            continue
        name, call = calls[0]
        data = {
            labels[0]: labels[1] for _, labels, _ in directory.blocks("data") if len(labels) > 1
        }
        inputs = {
            TfVar.ACCOUNT_ID: f"data.aws_caller_identity.{data.get('aws_caller_identity')}"
            ".account_id",
            TfVar.PARTITION: f"data.aws_partition.{data.get('aws_partition')}.partition",
            TfVar.CLICKHOUSE_ROLE_ARN: f"var.{TfVar.CLICKHOUSE_ROLE_ARN.value}",
        }
        for variable, target in inputs.items():
            if not _references(call.get(variable), target):
                yield directory.path, f"module {name!r} input {variable.value} is not {target}"
        resources = {labels[0]: body for _, labels, body in directory.blocks("resource")}
        for (kind, attribute), output in wanted.items():
            target = f"module.{name}.{output.value}"
            if not _references(resources.get(kind, {}).get(attribute), target):
                yield directory.path, f"{kind}.{attribute} is not {target}"
        for relpath in directory.docs:
            text = dist.read(relpath)
            for marker in ("jsonencode(", "aws_iam_policy_document", "Statement"):
                if marker in text:
                    yield relpath, f"builds a policy document itself ({marker!r})"


@check(
    "CMEK-TF-009",
    "Each module and example README has an inputs and an outputs table listing every variable "
    "and output it declares.",
    "https://developer.hashicorp.com/terraform/registry/modules/publish",
)
def readmes(dist: Dist) -> Problems:
    paths = [module.path for module in TfModule] + list(_example_paths().values())
    for path in paths:
        relpath = f"{path}/README.md"
        if not dist.exists(relpath):
            continue  # CMEK-TF-004 reports missing files
        rows = set(re.findall(r"^\| `([A-Za-z0-9_-]+)` \|", dist.read(relpath), re.MULTILINE))
        directory = _directory(dist, path)
        for kind in ("variable", "output"):
            for name in sorted(set(directory.named(kind)) - rows):
                yield relpath, f"{kind} {name!r} is not in a table"
