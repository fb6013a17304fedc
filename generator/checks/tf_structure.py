"""Terraform checks of the files under dist/terraform, read with python-hcl2 and compared with the
model and the config: parsing, each module's contract, version pins, the new key, the wiring to
cmek-policy and the READMEs."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from generator import model
from generator.checks import DistDir, Problems, check, sources, tf_files, tf_runs
from generator.checks.tf_files import Directory, blocks, expression, literal
from generator.model import TfModule, TfVar


@check(
    "CMEK-TF-001",
    "Every Terraform file (.tf, .tfvars, .tftest.hcl, tfvars example) parses as HCL.",
    sources.TF_SYNTAX,
)
def parses(dist: DistDir) -> Problems:
    # python-hcl2 8.1.4 rejects the `$${` and `%%{` escapes that Terraform reads as literal `${`
    # and `%{`. No config value can hold them today (the principal is validated as an ARN); if
    # one ever does, this check reports it although Terraform would accept the file.
    tf_runs.runs(dist)  # start Terraform now: it runs while the files are parsed
    parsed = tf_files.parsed(dist)
    if not parsed:
        yield model.TERRAFORM_DIR, "no Terraform files; run `cmek build`"
    for relpath, doc in parsed.items():
        if isinstance(doc, str):
            yield relpath, f"python-hcl2 cannot parse it: {doc}"


def _declared(directory: Directory, kind: str, contract: tuple[str, ...]) -> Problems:
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
    sources.TF_MODULE_STRUCTURE,
)
def contract(dist: DistDir) -> Problems:
    for module in TfModule:
        for name in model.TF_MODULE_FILES:
            if not dist.exists(f"{module.path}/{name}"):
                yield f"{module.path}/{name}", "missing"
        directory = tf_files.directory(dist, module.path)
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
    policy = tf_files.directory(dist, TfModule.POLICY.path)
    for kind in ("provider", "resource", "data", "module"):
        for relpath, labels, _ in policy.blocks(kind):
            yield (
                relpath,
                (f"{kind} {'.'.join(labels)}: {TfModule.POLICY.value} must stay provider-free"),
            )
    for mode, path in model.TF_EXAMPLE_PATHS.items():
        yield from _example(dist, path, model.TF_MODULE_BY_MODE[mode])


def _example(dist: DistDir, path: str, module: TfModule) -> Problems:
    for name in model.TF_EXAMPLE_FILES:
        if not dist.exists(f"{path}/{name}"):
            yield f"{path}/{name}", "missing"
    directory = tf_files.directory(dist, path)
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
    tfvars = tf_files.parsed(dist).get(f"{path}/terraform.tfvars.example")
    if isinstance(tfvars, dict):
        variables = directory.named("variable")
        for name in tfvars:
            if not name.startswith("__") and name not in variables:
                yield f"{path}/terraform.tfvars.example", f"{name!r} is not a declared variable"


@check(
    "CMEK-TF-006",
    "Every module and example pins Terraform (required_version) and, where it uses AWS, "
    "hashicorp/aws with a version constraint, in versions.tf.",
    sources.TF_PROVIDER_REQUIREMENTS,
)
def versions(dist: DistDir) -> Problems:
    paths = {module.path: module is not TfModule.POLICY for module in TfModule}
    paths.update(dict.fromkeys(model.TF_EXAMPLE_PATHS.values(), True))
    parsed = tf_files.parsed(dist)
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
    sources.KMS_ROTATION,
)
def new_key(dist: DistDir) -> Problems:
    directory = tf_files.directory(dist, TfModule.NEW_KEY.path)
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
    sources.TF_COMPOSITION,
)
def policy_wiring(dist: DistDir) -> Problems:
    out = model.TfOutput
    uses = {
        TfModule.EXISTING_KEY: {
            ("aws_iam_role", "assume_role_policy"): out.TRUST_POLICY_JSON,
            ("aws_iam_role_policy", "policy"): out.ROLE_POLICY_JSON,
        },
        TfModule.NEW_KEY: {("aws_kms_key", "policy"): out.KEY_POLICY_JSON},
    }
    for module, wanted in uses.items():
        directory = tf_files.directory(dist, module.path)
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
    sources.TF_PUBLISH,
)
def readmes(dist: DistDir) -> Problems:
    paths = [module.path for module in TfModule] + list(model.TF_EXAMPLE_PATHS.values())
    for path in paths:
        relpath = f"{path}/README.md"
        if not dist.exists(relpath):
            continue  # CMEK-TF-004 reports missing files
        rows = set(re.findall(r"^\| `([A-Za-z0-9_-]+)` \|", dist.read(relpath), re.MULTILINE))
        directory = tf_files.directory(dist, path)
        for kind in ("variable", "output"):
            for name in sorted(set(directory.named(kind)) - rows):
                yield relpath, f"{kind} {name!r} is not in a table"
