"""Terraform checks of the files under dist/terraform, read with python-hcl2 and compared with the
model and the config: parsing, each module's contract, version pins, the new key, the wiring to
cmek-policy and the READMEs."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, sources, tf_files, tf_runs
from cmek.checks.tf_files import Directory, blocks, expression, literal
from cmek.model import TfModule, TfVar
from cmek.render.tf_interface import v1_principal


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


def _example_paths() -> dict[str, tuple[TfModule, tuple[str, ...]]]:
    """Each example's directory: the module it calls and the providers it configures."""
    paths = {
        path: (model.TF_MODULE_BY_MODE[mode], ("aws",))
        for mode, path in model.TF_EXAMPLE_PATHS.items()
    }
    both = ("aws", model.CLICKHOUSE_PROVIDER_NAME)
    paths[model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2] = (TfModule.NEW_KEY, both)
    paths[model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE] = (TfModule.POLICY, both)
    return paths


# The examples whose contract is their own (model.TF_*_EXAMPLE_INPUTS/OUTPUTS), not the module's.
_OWN_CONTRACTS: dict[str, tuple[tuple[TfVar, ...], tuple[model.TfOutput, ...]]] = {
    model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2: (
        model.TF_V2_EXAMPLE_INPUTS,
        model.TF_V2_EXAMPLE_OUTPUTS,
    ),
    model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE: (
        model.TF_EXISTING_SERVICE_EXAMPLE_INPUTS,
        model.TF_EXISTING_SERVICE_EXAMPLE_OUTPUTS,
    ),
}


@check(
    "CMEK-TF-004",
    "Each module and example has its files and declares exactly the contract's variables and "
    "outputs, typed and described, with the v1 principal where the contract has it; "
    "cmek-policy declares no provider or resource.",
    sources.TF_MODULE_STRUCTURE,
)
def contract(dist: DistDir) -> Problems:
    principal = v1_principal(dist.config)
    for module in TfModule:
        for name in model.TF_MODULE_FILES:
            if not dist.exists(f"{module.path}/{name}"):
                yield f"{module.path}/{name}", "missing"
        directory = tf_files.directory(dist, module.path)
        yield from _declared(directory, "variable", tuple(model.TF_INPUTS[module]))
        yield from _declared(directory, "output", tuple(model.TF_OUTPUTS[module]))
        # With a profile the principal defaults to null (each profile's own); the role module
        # is v1's and defaults to its principal.
        expected = None if TfVar.PROFILE in model.TF_INPUTS[module] else principal
        yield from _principal_default(directory, expected)
    policy = tf_files.directory(dist, TfModule.POLICY.path)
    for kind in ("provider", "resource", "data", "module"):
        for relpath, labels, _ in policy.blocks(kind):
            yield (
                relpath,
                (f"{kind} {'.'.join(labels)}: {TfModule.POLICY.value} must stay provider-free"),
            )
    yield from _v1_fallback(policy, principal)
    for path, (module, providers) in _example_paths().items():
        yield from _example(dist, path, module, providers)
    for path, (inputs, outputs) in _OWN_CONTRACTS.items():
        directory = tf_files.directory(dist, path)
        yield from _declared(directory, "variable", inputs)
        yield from _declared(directory, "output", outputs)


def _principal_default(directory: Directory, expected: str | None) -> Problems:
    variables = directory.named("variable")
    if TfVar.CLICKHOUSE_ROLE_ARN not in variables:
        return
    relpath, body = variables[TfVar.CLICKHOUSE_ROLE_ARN]
    default = literal(body.get("default"))
    if default != expected:
        yield (
            relpath,
            f"{TfVar.CLICKHOUSE_ROLE_ARN.value} defaults to {default!r}, expected {expected!r}",
        )


def _v1_fallback(policy: Directory, principal: str) -> Problems:
    """cmek-policy's v1 principal when clickhouse_role_arn is null: the configured one."""
    name = model.TF_DEFAULT_PRINCIPALS_LOCAL
    found = [
        (relpath, body[name])
        for relpath, _, body in policy.blocks("locals")
        if isinstance(body.get(name), dict)
    ]
    if len(found) != 1:
        yield policy.path, f"expected one local {name!r} (each profile's own principal)"
        return
    relpath, principals = found[0]
    fallback = literal(principals.get(model.V1.name))
    if fallback != principal:
        yield (
            relpath,
            f"{model.V1.name} falls back to {fallback!r}, expected the principal {principal!r}",
        )
    if set(principals) - {model.V1.name}:
        yield relpath, f"{name} names profiles without a principal of their own"


def _example(dist: DistDir, path: str, module: TfModule, providers: tuple[str, ...]) -> Problems:
    for name in model.TF_EXAMPLE_FILES:
        if not dist.exists(f"{path}/{name}"):
            yield f"{path}/{name}", "missing"
    directory = tf_files.directory(dist, path)
    source = posixpath.relpath(module.path, path)
    calls = [
        body for _, _, body in directory.blocks("module") if literal(body.get("source")) == source
    ]
    if len(calls) != 1:
        yield path, f"expected one module block with source {source!r}"
    for provider in providers:
        if provider not in directory.named("provider"):
            yield path, f"no provider {provider!r} block"
    outputs = set(directory.named("output"))
    printed = _OWN_CONTRACTS[path][1] if path in _OWN_CONTRACTS else model.TF_OUTPUTS[module]
    for name in printed:
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
    "Every module and example pins Terraform (required_version) and each provider it uses "
    "(hashicorp/aws, ClickHouse/clickhouse) with the model's version constraint, in versions.tf.",
    sources.TF_PROVIDER_REQUIREMENTS,
)
def versions(dist: DistDir) -> Problems:
    paths = {module.path: () if module is TfModule.POLICY else ("aws",) for module in TfModule}
    paths.update({path: providers for path, (_, providers) in _example_paths().items()})
    parsed = tf_files.parsed(dist)
    for path, expected in paths.items():
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
        if sorted(providers) != sorted(expected):
            yield relpath, f"required_providers {sorted(providers)}, expected {sorted(expected)}"
        for name in expected:
            yield from _pinned(path, relpath, name, providers.get(name))


def _pinned(path: str, relpath: str, name: str, spec: Any) -> Problems:
    source, version = model.tf_provider_pin(path, name)
    spec = spec if isinstance(spec, dict) else {}
    if literal(spec.get("source")) != source:
        yield relpath, f"{name} provider source is not {source!r}"
    if literal(spec.get("version")) != version:
        yield relpath, f"{name} provider version is not {version!r}"


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
    "Only cmek-policy builds policy documents: the provider modules take theirs from it, pass it "
    "the profile and the account and partition of aws_caller_identity / aws_partition; the "
    "ClickHouse provider example grants the service's role with profile v2 and associates the key.",
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
        for variable, target in _policy_inputs(directory, module).items():
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
    yield from _v2_example_wiring(dist)
    yield from _existing_service_wiring(dist)


def _policy_inputs(directory: Directory, module: TfModule) -> dict[TfVar, str]:
    """What a provider module must pass cmek-policy: each input and the expression it reads."""
    data = {labels[0]: labels[1] for _, labels, _ in directory.blocks("data") if len(labels) > 1}
    inputs = {
        TfVar.ACCOUNT_ID: f"data.aws_caller_identity.{data.get('aws_caller_identity')}.account_id",
        TfVar.PARTITION: f"data.aws_partition.{data.get('aws_partition')}.partition",
        TfVar.CLICKHOUSE_ROLE_ARN: f"var.{TfVar.CLICKHOUSE_ROLE_ARN.value}",
    }
    if TfVar.PROFILE in model.TF_INPUTS[module]:
        inputs[TfVar.PROFILE] = f"var.{TfVar.PROFILE.value}"
    return inputs


def _one(directory: Directory, kind: str, label: str) -> tuple[str | None, dict[str, Any]]:
    found = [(labels[1], body) for _, labels, body in directory.blocks(kind) if labels[0] == label]
    return found[0] if len(found) == 1 else (None, {})


def _v2_example_wiring(dist: DistDir) -> Problems:
    """The service (TDE on), its role into cmek-new-key (v2), the key ARN into the association."""
    path = model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2
    directory = tf_files.directory(dist, path)
    service_name, service = _one(directory, "resource", model.CLICKHOUSE_SERVICE_RESOURCE)
    _, association = _one(directory, "resource", model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE)
    source = posixpath.relpath(TfModule.NEW_KEY.path, path)
    calls = [
        (labels[0], body)
        for _, labels, body in directory.blocks("module")
        if literal(body.get("source")) == source
    ]
    if service_name is None or not association or len(calls) != 1:
        yield (
            path,
            (
                f"expected one {model.CLICKHOUSE_SERVICE_RESOURCE}, one "
                f"{model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE} and one {TfModule.NEW_KEY.value} call"
            ),
        )
        return
    tde = [block.get("enabled") for block in _as_blocks(service.get("transparent_data_encryption"))]
    if tde != [True]:
        yield (
            path,
            f"{model.CLICKHOUSE_SERVICE_RESOURCE} does not enable transparent_data_encryption",
        )
    module_name, call = calls[0]
    service_ref = f"{model.CLICKHOUSE_SERVICE_RESOURCE}.{service_name}"
    if literal(call.get(TfVar.PROFILE)) != model.CURRENT_PROFILE:
        yield path, f"module {module_name!r} does not set {TfVar.PROFILE.value} = {model.V2.name!r}"
    expected = [
        (
            f"module {module_name!r} input",
            call,
            TfVar.CLICKHOUSE_ROLE_ARN.value,
            f"{service_ref}.{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}",
        ),
        ("association", association, "service_id", f"{service_ref}.id"),
        ("association", association, "key_id", f"module.{module_name}.{model.TfOutput.KEY_ARN}"),
    ]
    for what, body, attribute, target in expected:
        if not _references(body.get(attribute), target):
            yield path, f"{what} {attribute} is not {target}"


def _existing_service_wiring(dist: DistDir) -> Problems:
    """The data source's role into cmek-policy (v2), its key policy onto the key, then the
    association of that key with that service."""
    path = model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE
    directory = tf_files.directory(dist, path)
    data_name, _ = _one(directory, "data", model.CLICKHOUSE_SERVICE_DATA_SOURCE)
    policy_name, key_policy = _one(directory, "resource", "aws_kms_key_policy")
    _, association = _one(directory, "resource", model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE)
    source = posixpath.relpath(TfModule.POLICY.path, path)
    calls = [
        (labels[0], body)
        for _, labels, body in directory.blocks("module")
        if literal(body.get("source")) == source
    ]
    if data_name is None or policy_name is None or not association or len(calls) != 1:
        yield (
            path,
            f"expected one data {model.CLICKHOUSE_SERVICE_DATA_SOURCE}, one aws_kms_key_policy, "
            f"one {model.CLICKHOUSE_TDE_ASSOCIATION_RESOURCE} and one {TfModule.POLICY.value} call",
        )
        return
    module_name, call = calls[0]
    if literal(call.get(TfVar.PROFILE)) != model.CURRENT_PROFILE:
        yield path, f"module {module_name!r} does not set {TfVar.PROFILE.value} = {model.V2.name!r}"
    data = f"data.{model.CLICKHOUSE_SERVICE_DATA_SOURCE}.{data_name}"
    key = f"var.{TfVar.KMS_KEY_ARN.value}"
    expected = [
        (call, TfVar.CLICKHOUSE_ROLE_ARN.value, f"{data}.{model.CLICKHOUSE_DATA_ROLE_ATTRIBUTE}"),
        (key_policy, "policy", f"module.{module_name}.{model.TfOutput.KEY_POLICY_JSON}"),
        (key_policy, "key_id", key),
        (association, "service_id", f"{data}.id"),
        (association, "key_id", key),
    ]
    for body, attribute, target in expected:
        if not _references(body.get(attribute), target):
            yield path, f"{attribute} is not {target}"
    if association.get("depends_on") != [f"${{aws_kms_key_policy.{policy_name}}}"]:
        yield path, f"the association does not depend on aws_kms_key_policy.{policy_name}"


def _as_blocks(value: Any) -> list[dict[str, Any]]:
    # python-hcl2 gives an object attribute as a dict, a nested block as a list of dicts.
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@check(
    "CMEK-TF-009",
    "Each module and example README has an inputs and an outputs table listing every variable "
    "and output it declares.",
    sources.TF_PUBLISH,
)
def readmes(dist: DistDir) -> Problems:
    paths = [module.path for module in TfModule] + list(_example_paths())
    for path in paths:
        relpath = f"{path}/README.md"
        if not dist.exists(relpath):
            continue  # CMEK-TF-004 reports missing files
        rows = set(re.findall(r"^\| `([A-Za-z0-9_-]+)` \|", dist.read(relpath), re.MULTILINE))
        directory = tf_files.directory(dist, path)
        for kind in ("variable", "output"):
            for name in sorted(set(directory.named(kind)) - rows):
                yield relpath, f"{kind} {name!r} is not in a table"
