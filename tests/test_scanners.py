"""The scanners security teams run, over fresh builds: checkov, parliament and AWS's Guard rules.

Each runs from its own virtual environment (`python3 scripts/scanners.py setup` creates
`.venv-scanners/`; checkov's `bc-python-hcl2` would replace the project's `hcl2`), as a
subprocess, over a fresh v1 build (the session's `built`) and a fresh v2 build. The rule is zero
findings, or a suppression with a written reason: checkov and Guard read theirs from the artifact
itself (CloudFormation `Metadata`, a Terraform comment); parliament has no such mechanism, only a
`--config` override file, so its suppressions are the table below, each with a reason, and are
muted per kind of document.
Without the venv the tests skip locally and fail in CI (`CI=true`), where the set-up must have run.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cmek import build, model, terraform_runner
from cmek.config import Config
from cmek.model import Mode, Param, TfModule, TfOutput, TfVar

REPO = Path(__file__).resolve().parent.parent
SCANNERS_SCRIPT = REPO / "scripts" / "scanners.py"
# AWS's Guard rules, copied into the repository with their licence and provenance (README there).
GUARD_RULES = REPO / "tests" / "vendor" / "aws-guard-rules"
SCANNER_TIMEOUT = 300
# The v2 profile names each service's own role; any role ARN builds its artifacts.
V2_PRINCIPAL = model.EXAMPLE_ROLE_ARN
# Resource types checkov 3.3.30 has policy checks for: each one in an artifact must be scanned.
CHECKOV_CFN_TYPES = (
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::KMS::Key",
)
CHECKOV_TF_TYPES = ("aws_iam_role", "aws_iam_role_policy", "aws_iam_policy", "aws_kms_key")
# `#checkov:skip=CKV_ID:reason` inside a Terraform block (checkov's documented form).
TF_CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?$", re.MULTILINE)
TF_RESOURCE = re.compile(r'^resource\s+"([a-z0-9_]+)"\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)
# A role resource of the trust policy's statements, for parliament's reading of them (below).
EXAMPLE_ROLE = f"arn:aws:iam::{model.EXAMPLE_ACCOUNT}:role/{model.ROLE_NAME_PREFIX}example"
GUARD_REASONS_KEY = "Reasons"
# Offline (without --skip-download checkov tries api0.prismacloud.io); no --quiet, which would leave
# the passed and skipped checks out of the JSON (the coverage and suppression tests read them).
CHECKOV_ARGS = ("--framework", "cloudformation", "terraform", "--skip-download", "-o", "json")
PARLIAMENT_ARGS = ("--json", "--minimum_severity", "INFO")


def _load_scanners() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cmek_scanners", SCANNERS_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCANNERS = _load_scanners()


def _cfn(path: Path) -> dict[str, Any]:
    """A template as plain data, intrinsics in long form (what checkov and Guard read)."""
    import cfn_flip

    return json.loads(cfn_flip.to_json(path.read_text(encoding="utf-8")))


def _resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return template.get("Resources", {})


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanner_venv() -> Path:
    """The scanners' venv, or a skip (locally) / failure (CI) naming the command to create it."""
    if SCANNERS.is_ready():
        return SCANNERS.VENV
    message = (
        f"{SCANNERS.VENV.name} is missing or not at the pins "
        f"{SCANNERS.PINS}: run `python3 scripts/scanners.py setup`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def builds(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Fresh builds per profile: the session's default (v1) and one of v2."""
    assert Config().profile is model.V1
    v2 = tmp_path_factory.mktemp("build-v2") / "dist"
    build.write(build.artifacts(Config(profile=model.V2, principal=V2_PRINCIPAL)), v2)
    return {model.V1.name: built, model.V2.name: v2}


def _scanned(result: subprocess.CompletedProcess[str], ok: tuple[int, ...]) -> str:
    assert result.returncode in ok, f"rc {result.returncode}: {result.stderr[-3000:]}"
    return result.stdout


# --- checkov ---------------------------------------------------------------------------------


def with_mode_defaults(template: dict[str, Any], mode: Mode) -> dict[str, Any]:
    """The template with parameter defaults of one mode: checkov evaluates Conditions with the
    defaults and leaves out resources whose condition is false, so each mode gets its own copy."""
    variant = copy.deepcopy(template)
    params = variant.get("Parameters", {})
    values = {
        Param.KMS_CREATE: model.KMS_CREATE_VALUE[mode],
        Param.KEY_ARNS: model.EXAMPLE_KEY_ARN,
        Param.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID,
    }
    for name, value in values.items():
        if name in params:
            params[name]["Default"] = value
    return variant


@pytest.fixture(scope="module")
def checkov_tree(builds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every build's templates (as published and one copy per mode) and Terraform, in one tree."""
    root = tmp_path_factory.mktemp("checkov")
    for profile, dist in builds.items():
        for sub in (model.CLOUDFORMATION_DIR, model.TERRAFORM_DIR):
            shutil.copytree(dist / sub, root / profile / sub)
        modes_dir = root / profile / f"{model.CLOUDFORMATION_DIR}-modes"
        modes_dir.mkdir()
        for stack in model.STACKS:
            template = _cfn(dist / stack.path)
            for mode in stack.modes:
                variant = with_mode_defaults(template, mode)
                (modes_dir / f"{stack.slug}--{mode}.json").write_text(json.dumps(variant, indent=1))
    return root


@pytest.fixture(scope="module")
def checkov(scanner_venv: Path, checkov_tree: Path) -> dict[str, dict[str, Any]]:
    """One checkov run over the whole tree; its report per framework."""
    result = subprocess.run(
        [str(scanner_venv / "bin" / "checkov"), "-d", str(checkov_tree), *CHECKOV_ARGS],
        capture_output=True,
        text=True,
        timeout=SCANNER_TIMEOUT,
        cwd=checkov_tree,
    )
    # rc 1 means failed checks; the JSON is a list for several frameworks, a dict for one.
    data = json.loads(_scanned(result, (0, 1)))
    return {report["check_type"]: report for report in (data if isinstance(data, list) else [data])}


def _checks(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return report["results"].get(kind, [])


def _all_results(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for c in _checks(report, kind)
    ]


def _stack_of(file_path: str) -> str:
    """`<profile>/<stack slug>` of a scanned template or of one of its mode copies."""
    profile, _, name = file_path.strip("/").split("/")
    return f"{profile}/{name.split('--')[0].rsplit('.', 1)[0]}"


def cfn_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.suffix in (".yaml", ".json"))


def checkov_cfn_suppressions(tree: Path) -> set[tuple[str, str, str, str]]:
    """(file, resource, check id, reason) for each `Metadata.checkov.skip` in the templates."""
    found = set()
    for path in cfn_files(tree):
        for logical_id, resource in _resources(_cfn(path)).items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                rel = f"/{path.relative_to(tree)}"
                found.add(
                    (rel, f"{resource['Type']}.{logical_id}", skip["id"], skip.get("comment", ""))
                )
    return found


def checkov_tf_suppressions(tree: Path) -> set[tuple[str, str, str]]:
    """(file, check id, reason) for each `#checkov:skip=ID:reason` in the Terraform files."""
    return {
        (f"/{path.relative_to(tree)}", match[1], (match[2] or "").strip())
        for path in sorted(tree.rglob("*.tf"))
        for match in TF_CHECKOV_SKIP.finditer(path.read_text(encoding="utf-8"))
    }


def _comment(check: dict[str, Any]) -> str:
    return check["check_result"].get("suppress_comment", "")


def _described(checks: list[dict[str, Any]]) -> list[str]:
    return [f"{c['check_id']} {c['file_path']} {c['resource']}: {c['check_name']}" for c in checks]


def test_checkov_scans_every_template_resource_and_module(
    checkov: dict[str, dict[str, Any]], checkov_tree: Path
) -> None:
    assert set(checkov) == {"cloudformation", "terraform"}
    for report in checkov.values():
        assert _checks(report, "parsing_errors") == []
        assert report["summary"]["passed"] > 0
    # checkov drops a resource whose Condition is false under the parameter defaults: each
    # resource of each template must be scanned in the template or in one of its mode copies.
    scanned = {
        (_stack_of(c["file_path"]), c["resource"]) for c in _all_results(checkov["cloudformation"])
    }
    expected = {
        (_stack_of(f"/{path.relative_to(checkov_tree)}"), f"{resource['Type']}.{logical_id}")
        for path in cfn_files(checkov_tree)
        for logical_id, resource in _resources(_cfn(path)).items()
        if resource["Type"] in CHECKOV_CFN_TYPES
    }
    assert len({stack for stack, _ in expected}) == len(model.STACKS) * 2
    assert expected <= scanned, sorted(expected - scanned)
    tf_scanned = {
        (c["file_path"], c["resource"].split(".", 2)[-1])
        for c in _all_results(checkov["terraform"])
    }
    tf_expected = {
        (f"/{path.relative_to(checkov_tree)}", f"{kind}.{name}")
        for path in sorted(checkov_tree.glob(f"*/{model.TERRAFORM_MODULES_DIR}/*/*.tf"))
        for kind, name in TF_RESOURCE.findall(path.read_text(encoding="utf-8"))
        if kind in CHECKOV_TF_TYPES
    }
    assert tf_expected and tf_expected <= tf_scanned, sorted(tf_expected - tf_scanned)


@pytest.mark.parametrize("framework", ["cloudformation", "terraform"])
def test_checkov_finds_nothing(checkov: dict[str, dict[str, Any]], framework: str) -> None:
    assert _described(_checks(checkov[framework], "failed_checks")) == []


def test_checkov_skips_exactly_the_reasoned_suppressions_in_the_artifacts(
    checkov: dict[str, dict[str, Any]], checkov_tree: Path
) -> None:
    cfn = checkov_cfn_suppressions(checkov_tree)
    tf = checkov_tf_suppressions(checkov_tree)
    assert [s for s in cfn if not s[3].strip()] == [], "a checkov skip without a comment"
    assert [s for s in tf if not s[2]] == [], "a checkov skip without a reason"
    # By stack, since checkov drops a resource whose Condition is false in one of the copies.
    skipped = _checks(checkov["cloudformation"], "skipped_checks")
    assert {
        (_stack_of(c["file_path"]), c["resource"], c["check_id"], _comment(c)) for c in skipped
    } == {(_stack_of(file), resource, check, reason) for file, resource, check, reason in cfn}
    tf_skipped = _checks(checkov["terraform"], "skipped_checks")
    assert {(c["file_path"], c["check_id"], _comment(c)) for c in tf_skipped} == tf


# --- parliament ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One policy document a user's account would hold; `kind` is key, trust or identity."""

    name: str
    kind: str
    body: dict[str, Any]


# The fields that hold a policy document in a CloudFormation resource, by kind.
CFN_POLICY_FIELDS = {
    "KeyPolicy": "key",
    "AssumeRolePolicyDocument": "trust",
    "PolicyDocument": "identity",
}
TF_POLICY_OUTPUTS = {
    TfOutput.KEY_POLICY_JSON: "key",
    TfOutput.TRUST_POLICY_JSON: "trust",
    TfOutput.ROLE_POLICY_JSON: "identity",
}


def _policy_fields(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every (field, document) under a resource's properties, wherever it is nested."""
    if isinstance(node, list):
        return [found for item in node for found in _policy_fields(item)]
    if not isinstance(node, dict):
        return []
    found = [(k, v) for k, v in node.items() if k in CFN_POLICY_FIELDS and isinstance(v, dict)]
    return found + [
        f for k, v in node.items() if k not in CFN_POLICY_FIELDS for f in _policy_fields(v)
    ]


def _radar_parameters(template: Any, mode: Mode, external_id: str) -> dict[str, str]:
    declared = template.template.get("Parameters", {})
    values = {Param.KMS_CREATE: model.KMS_CREATE_VALUE[mode], Param.EXTERNAL_ID: external_id}
    # Required in the v2 template; in the v1 key templates it adds the v2 statement (both scanned).
    values[model.PARAM_ENCRYPTION_ROLE_ARN] = V2_PRINCIPAL
    if mode is Mode.EXISTING_KEY:
        values[Param.KEY_ARNS] = model.EXAMPLE_KEY_ARN
    return {str(k): v for k, v in values.items() if k in declared}


def _external_ids(template: Any, mode: Mode) -> tuple[str, ...]:
    """With and without an external ID where it changes a document (the role's trust policy)."""
    if mode is Mode.EXISTING_KEY and Param.EXTERNAL_ID in template.template.get("Parameters", {}):
        return ("", model.EXAMPLE_EXTERNAL_ID)
    return ("",)


def cloudformation_documents(profile: str, dist: Path) -> list[Document]:
    """Every policy document of every template, resolved by cloud-radar per mode and external ID."""
    from cloud_radar.cf.unit import Template

    documents = []
    for stack in model.STACKS:
        with contextlib.redirect_stdout(io.StringIO()):  # cloud-radar prints what it loads
            template = Template.from_yaml(dist / stack.path)
        template.AccountId, template.Partition = model.EXAMPLE_ACCOUNT, model.COMMERCIAL_PARTITION
        # cloud-radar leaves AWS::StackId empty when rendering; the role name splits it.
        template.StackId = (
            f"arn:aws:cloudformation:{model.EXAMPLE_REGION}:{model.EXAMPLE_ACCOUNT}:"
            f"stack/{model.DEFAULT_STACK_NAME}/00000000-0000-4000-8000-000000000000"
        )
        for mode in stack.modes:
            for external_id in _external_ids(template, mode):
                with contextlib.redirect_stdout(io.StringIO()):
                    rendered = template.render(_radar_parameters(template, mode, external_id))
                for logical_id, resource in rendered["Resources"].items():
                    for i, (field, body) in enumerate(
                        _policy_fields(resource.get("Properties", {}))
                    ):
                        ext = "external-id" if external_id else "no-external-id"
                        name = f"{profile}-cfn-{stack.slug}-{mode}-{ext}-{logical_id}-{i}"
                        documents.append(Document(name, CFN_POLICY_FIELDS[field], body))
    return documents


def terraform_documents(profile: str, dist: Path) -> list[Document]:
    """The documents `terraform apply` of cmek-policy outputs, with every optional input set."""
    outputs = terraform_runner.apply_outputs(
        dist / TfModule.POLICY.path,
        {
            TfVar.PROFILE: profile,
            TfVar.ACCOUNT_ID: model.EXAMPLE_ACCOUNT,
            TfVar.KMS_KEY_ARNS: [model.EXAMPLE_KEY_ARN],
            TfVar.EXTERNAL_ID: model.EXAMPLE_EXTERNAL_ID,
            TfVar.KEY_ADMINISTRATOR_ARNS: [model.EXAMPLE_ROLE_ARN],
            # v2 names the service's own role (its default is none); v1 defaults to ClickHouse's.
            **(
                {}
                if model.PROFILES[profile].principal
                else {TfVar.CLICKHOUSE_ROLE_ARN: V2_PRINCIPAL}
            ),
        },
    )
    return [
        Document(f"{profile}-tf-{output}", kind, json.loads(outputs[output]))
        for output, kind in TF_POLICY_OUTPUTS.items()
        # v2 grants on the key alone: its trust and role policy outputs are null (not returned).
        if output in outputs or model.PROFILES[profile].role_in_customer_account
    ]


def snippet_document(profile: str, dist: Path) -> Document:
    statement = json.loads((dist / model.SNIPPET_FILE).read_text(encoding="utf-8"))
    body = {"Version": model.POLICY_VERSION, "Statement": [statement]}
    return Document(f"{profile}-snippet", "key", body)


def parliament_view(document: Document) -> dict[str, Any] | None:
    """The document as parliament can analyse it, or None when it reads it as it is.

    Parliament applies the IAM identity-policy grammar and stops analysing a statement at its
    first finding, so the suppressed Sid and trust-policy findings would hide everything else in
    those statements. This view drops key-policy Sids and gives a trust statement the role it
    belongs to as Resource, so the actions, principals and conditions are judged all the same.
    """
    if document.kind == "identity":
        return None
    view = copy.deepcopy(document.body)
    for statement in view["Statement"]:
        if document.kind == "key":
            statement.pop("Sid", None)
        else:
            statement["Resource"] = EXAMPLE_ROLE
    return view


SPACED_KEY_POLICY_SIDS = tuple(
    sid
    for sid in (
        model.KEY_POLICY_ROOT_SID,
        model.KEY_POLICY_CLICKHOUSE_SID,
        model.KEY_POLICY_ADMIN_SID,
        model.KEY_POLICY_V2_SID,
    )
    if " " in sid
)
# Parliament is run once per group of files: the documents of each kind as published, and the
# views of key and trust policies (`parliament_view`).
PARLIAMENT_GROUPS = ("identity", "key", "key-view", "trust", "trust-view")


@dataclass(frozen=True)
class ParliamentSuppression:
    """An issue parliament raises on a group of documents, muted there, and why.

    `strings`, when given, are the only location strings the muted findings may carry.
    """

    issue: str
    groups: tuple[str, ...]
    reason: str
    strings: tuple[str, ...] = ()


# Parliament 1.6.4's own mechanism is a `--config` override file. Its `ignore_locations` never
# matches a value read from that file (parliament.misc.make_list returns [] for plain strings and
# lists; duo-labs/parliament#147), so an issue is muted (`severity: MUTE`) for one group of files
# at a time, and the test below checks that each muted issue is raised there, and only as expected.
PARLIAMENT_SUPPRESSIONS = (
    ParliamentSuppression(
        "INVALID_SID",
        ("key",),
        "A key-policy Sid may contain spaces (AWS's default key policy uses "
        f"'{model.KEY_POLICY_ROOT_SID}'); parliament applies the IAM identity-policy grammar. "
        "The statements are analysed again without their Sid (key-view).",
        SPACED_KEY_POLICY_SIDS,
    ),
    ParliamentSuppression(
        "MALFORMED",
        ("trust",),
        "A role trust policy has no Resource element (the role itself is the resource); the "
        "statements are analysed again with the role as Resource (trust-view).",
    ),
    ParliamentSuppression(
        "RESOURCE_STAR",
        ("key-view",),
        "In a key policy, Resource '*' means the key the policy is attached to, the only value "
        "KMS allows (KMS developer guide, key policy format).",
    ),
)


def parliament_config(suppressions: tuple[ParliamentSuppression, ...]) -> str:
    """The override file (parliament reads YAML; JSON is YAML) muting the given issues."""
    return json.dumps({s.issue: {"severity": "MUTE"} for s in suppressions}, indent=1)


def _muted(group: str, leave_out: ParliamentSuppression | None = None) -> tuple[Any, ...]:
    return tuple(s for s in PARLIAMENT_SUPPRESSIONS if group in s.groups and s is not leave_out)


@pytest.fixture(scope="module")
def policy_documents(builds: dict[str, Path]) -> list[Document]:
    documents = []
    for profile, dist in builds.items():
        documents += cloudformation_documents(profile, dist)
        documents += terraform_documents(profile, dist)
        documents.append(snippet_document(profile, dist))
    return documents


@pytest.fixture(scope="module")
def parliament_dir(
    policy_documents: list[Document], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One folder per group of files, each document as JSON named after where it comes from."""
    root = tmp_path_factory.mktemp("parliament")
    for group in PARLIAMENT_GROUPS:
        (root / group).mkdir()
    for doc in policy_documents:
        (root / doc.kind / f"{doc.name}.json").write_text(json.dumps(doc.body, indent=1))
        view = parliament_view(doc)
        if view is not None:
            (root / f"{doc.kind}-view" / f"{doc.name}.json").write_text(json.dumps(view, indent=1))
    return root


def run_parliament(
    venv: Path, directory: Path, muted: tuple[ParliamentSuppression, ...]
) -> list[dict[str, Any]]:
    """Parliament over every file in `directory` in one process; the findings it does not mute."""
    config = directory.parent / f"{directory.name}-{len(muted)}.yaml"
    config.write_text(parliament_config(muted), encoding="utf-8")
    files = ",".join(sorted(p.name for p in directory.glob("*.json")))
    assert files, f"no documents in {directory}"
    result = subprocess.run(
        [
            str(venv / "bin" / "parliament"),
            *PARLIAMENT_ARGS,
            "--config",
            str(config),
            "--files",
            files,
        ],
        capture_output=True,
        text=True,
        timeout=SCANNER_TIMEOUT,
        cwd=directory,
        stdin=subprocess.DEVNULL,  # parliament reads a policy from stdin when it is not a tty
    )
    return [json.loads(line) for line in _scanned(result, (0, 1)).splitlines() if line.strip()]


def test_parliament_sees_every_kind_of_policy_document(policy_documents: list[Document]) -> None:
    kinds = {(d.name.split("-")[0], d.name.split("-")[1], d.kind) for d in policy_documents}
    for profile in (model.V1.name, model.V2.name):
        for source, kind in (("cfn", "key"), ("cfn", "trust"), ("cfn", "identity")):
            assert (profile, source, kind) in kinds
        for kind in TF_POLICY_OUTPUTS.values():
            # v2's cmek-policy builds the key policy alone (no role in the customer's account).
            built = kind == "key" or model.PROFILES[profile].role_in_customer_account
            assert ((profile, "tf", kind) in kinds) is built
        assert (profile, "snippet", "key") in kinds
    unresolved = [
        d.name for d in policy_documents if re.search(r'"(Ref|Fn::\w+)"', json.dumps(d.body))
    ]
    assert unresolved == []


@pytest.mark.parametrize("group", PARLIAMENT_GROUPS)
def test_parliament_finds_nothing_beyond_the_suppressions(
    scanner_venv: Path, parliament_dir: Path, group: str
) -> None:
    findings = run_parliament(scanner_venv, parliament_dir / group, _muted(group))
    assert [(f["issue"], f["location"], f["detail"]) for f in findings] == []


@pytest.mark.parametrize(
    ("suppression", "group"),
    [(s, g) for s in PARLIAMENT_SUPPRESSIONS for g in s.groups],
    ids=lambda v: v if isinstance(v, str) else v.issue,
)
def test_each_parliament_suppression_is_needed_and_exact(
    scanner_venv: Path, parliament_dir: Path, suppression: ParliamentSuppression, group: str
) -> None:
    # A suppression that no longer matches anything would silently cover a future finding.
    findings = run_parliament(scanner_venv, parliament_dir / group, _muted(group, suppression))
    assert findings and {f["issue"] for f in findings} == {suppression.issue}
    if suppression.strings:
        assert {f["location"]["string"] for f in findings} <= set(suppression.strings)
    assert suppression.reason.strip()


def test_parliament_catches_the_reencrypt_typo(scanner_venv: Path, tmp_path: Path) -> None:
    # The harness can fail: the action a published guide once printed is an unknown action.
    body = {
        "Version": model.POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Action": [model.REENCRYPT_TYPO], "Resource": "*"}],
    }
    (tmp_path / "identity").mkdir()
    (tmp_path / "identity" / "typo.json").write_text(json.dumps(body))
    findings = run_parliament(scanner_venv, tmp_path / "identity", _muted("identity"))
    assert "UNKNOWN_ACTION" in {f["issue"] for f in findings}


# --- Guard (cfn-guard-rs) --------------------------------------------------------------------


def _guard_rule_files() -> list[str]:
    """One test per rule file (the Role's inline policy is suppressed with a reason)."""
    return sorted(p.name for p in GUARD_RULES.glob(f"*{SCANNERS.GUARD_SUFFIX}"))


def _require_guard_rules() -> Path:
    assert _guard_rule_files(), f"no Guard rules in {GUARD_RULES}"
    return GUARD_RULES


@pytest.fixture(scope="module")
def guard_dir(builds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every template of every build as JSON (intrinsics in long form), as Guard reads them."""
    root = tmp_path_factory.mktemp("guard")
    for profile, dist in builds.items():
        for stack in model.STACKS:
            template = _cfn(dist / stack.path)
            (root / f"{profile}--{stack.slug}.json").write_text(json.dumps(template), "utf-8")
    return root


@pytest.fixture(scope="module")
def guard(scanner_venv: Path, guard_dir: Path) -> dict[str, Any]:
    """One process: every rule file against every template (scripts/scanners.py guard)."""
    rules = _require_guard_rules()
    result = subprocess.run(
        [str(scanner_venv / "bin" / "python"), str(SCANNERS_SCRIPT), "guard", "--rules", str(rules)]
        + [str(p) for p in sorted(guard_dir.glob("*.json"))],
        capture_output=True,
        text=True,
        timeout=SCANNER_TIMEOUT,
    )
    return json.loads(_scanned(result, (0,)))


def guard_suppressions(guard_dir: Path) -> dict[tuple[str, str, str], str]:
    """(template, resource, rule) -> reason for each `Metadata.guard.SuppressedRules` entry.

    Guard's suppression is a bare list of rule names; the reason sits beside it, in
    `Metadata.guard.Reasons.<rule>` (Guard ignores keys it does not query).
    """
    found = {}
    for path in sorted(guard_dir.glob("*.json")):
        for logical_id, resource in _resources(json.loads(path.read_text("utf-8"))).items():
            meta = resource.get("Metadata", {}).get("guard", {})
            for rule in meta.get("SuppressedRules", []):
                reason = meta.get(GUARD_REASONS_KEY, {}).get(rule, "")
                found[(path.name, logical_id, rule)] = reason
    return found


@pytest.mark.parametrize("rule_file", _guard_rule_files())
def test_guard_rule_file_finds_nothing(
    guard: dict[str, Any], guard_dir: Path, rule_file: str
) -> None:
    if rule_file in guard["empty_rule_files"]:
        # The registry keeps placeholders for Config rules with no CloudFormation form.
        text = (GUARD_RULES / rule_file).read_text(encoding="utf-8")
        assert not re.search(r"^\s*rule\s", text, re.MULTILINE)
        return
    entries = [e for e in guard["results"] if e["rule_file"] == rule_file]
    assert sorted(e["template"] for e in entries) == sorted(
        p.name for p in guard_dir.glob("*.json")
    )
    assert [e["error"] for e in entries if "error" in e] == []
    failures = [
        f"{f['rule']} {e['template']} {f['resource']}" for e in entries for f in e["failures"]
    ]
    assert failures == []
    assert {e["status"] for e in entries} <= {"PASS", "SKIP"}


def test_guard_suppressions_name_a_rule_and_give_a_reason(
    guard: dict[str, Any], guard_dir: Path
) -> None:
    rule_names = {
        m
        for p in _require_guard_rules().glob("*.guard")
        for m in re.findall(r"^\s*rule\s+([A-Z0-9_]+)", p.read_text("utf-8"), re.MULTILINE)
    }
    suppressions = guard_suppressions(guard_dir)
    assert [k for k, reason in suppressions.items() if not reason.strip()] == []
    assert {rule for _, _, rule in suppressions} <= rule_names
    assert guard["results"], "Guard evaluated nothing"


# --- The inline-policy rule, in Terraform --------------------------------------------------------


# `# cmek:suppress RULE: reason` inside a resource block (model.SUPPRESS_MARKER).
TF_SUPPRESSION = re.compile(rf"^\s*#\s*{re.escape(model.SUPPRESS_MARKER)}\s+([A-Z0-9_]+):\s*(.*)$")


def _tf_resource_blocks(text: str) -> dict[tuple[str, str], list[str]]:
    """(type, name) -> the lines of each top-level resource block (rendered, so `}` closes it)."""
    found: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        if match := TF_RESOURCE.match(line):
            current = found.setdefault((match[1], match[2]), [])
        elif line.startswith("}"):
            current = None
        elif current is not None:
            current.append(line)
    return found


def _tf_suppressions(lines: list[str]) -> dict[str, str]:
    return {m[1]: m[2].strip() for line in lines if (m := TF_SUPPRESSION.match(line))}


def test_terraform_roles_have_no_inline_policy_unless_suppressed_with_the_reason(
    builds: dict[str, Path],
) -> None:
    # Guard reads only CloudFormation; this is IAM_NO_INLINE_POLICY_CHECK for the modules. The
    # role module keeps its inline policy (as the v1 stacks keep theirs), suppressed in the block
    # with the model's reason, the one the templates' Guard Metadata give.
    rule, reason = model.GUARD_INLINE_POLICY_RULE, model.GUARD_INLINE_POLICY_REASON
    inline, suppressed = [], []
    for profile, dist in builds.items():
        for path in sorted((dist / model.TERRAFORM_MODULES_DIR).rglob("*.tf")):
            text = path.read_text(encoding="utf-8")
            where = f"{profile} {path.relative_to(dist)}"
            if re.search(r"^\s*inline_policy\s*\{", text, re.MULTILINE):
                inline.append(f"{where} inline_policy")
            for (kind, name), lines in _tf_resource_blocks(text).items():
                suppressions = _tf_suppressions(lines)
                if kind != "aws_iam_role_policy":
                    assert rule not in suppressions, f"{where} {kind}.{name}: needless suppression"
                elif suppressions.get(rule) == reason:
                    suppressed.append(f"{where} {kind}.{name}")
                else:
                    inline.append(f"{where} {kind}.{name}")
    assert inline == []
    main = f"{TfModule.EXISTING_KEY.path}/main.tf"
    assert suppressed == [f"{profile} {main} aws_iam_role_policy.this" for profile in builds]


def test_terraform_suppression_reader_sees_a_missing_or_wrong_reason() -> None:
    block = 'resource "aws_iam_role_policy" "this" {{\n  # {} {}: {}\n  name = "x"\n}}\n'
    rule, reason = model.GUARD_INLINE_POLICY_RULE, model.GUARD_INLINE_POLICY_REASON
    key = ("aws_iam_role_policy", "this")
    good = _tf_resource_blocks(block.format(model.SUPPRESS_MARKER, rule, reason))
    assert _tf_suppressions(good[key]) == {rule: reason}
    other = _tf_resource_blocks(block.format(model.SUPPRESS_MARKER, rule, "because"))
    assert _tf_suppressions(other[key]) == {rule: "because"}
    unmarked = _tf_resource_blocks(block.format("checkov:skip", rule, reason))
    assert _tf_suppressions(unmarked[key]) == {}
