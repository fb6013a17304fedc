"""`cmek grant` / `cmek revoke`: pure edits on real policy documents, the CLI on files and stdin,
hostile inputs, and live keys on the moto server (dry run, --apply, backup, concurrent change).

The policies are in tests/fixtures/policies/ (README.md there says where each comes from).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cmek import iam_policy, model
from cmek.commands import grant as grant_command
from cmek.commands import revoke as revoke_command
from cmek.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_TOOL_FAILED, InputError, ToolError
from cmek.key_policy import edit as key_policy

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
ACCOUNT = model.EXAMPLE_ACCOUNT
V2_ROLE = "arn:aws:iam::999988887777:role/CH-TDE-c0ffee00-1234-4abc-9def-0123456789ab"
NEW_V2_ROLE = "arn:aws:iam::999988887777:role/CH-TDE-0badcafe-0000-4000-8000-000000000000"
V1_ROLE = model.V1.principal
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/ExampleAdminRole"
# The start of most CLI calls below: grant v2 to the service role.
GRANT_V2 = ("grant", "--cmek-version", "v2", "--principal", V2_ROLE)


def text(name: str) -> str:
    return (FIXTURES / name).read_text()


def load(name: str) -> dict:
    return iam_policy.load(text(name))


def granted(policy: dict, profile: model.Profile, principal: str) -> bool:
    """Every real action of the profile is allowed to the principal by a statement naming it (a
    Deny with a Condition may still apply to some requests; an unconditional one must not)."""
    actions = iam_policy.real_actions(profile.actions)
    allows = dict(policy, Statement=[s for s in policy["Statement"] if s["Effect"] == "Allow"])
    named = iam_policy.evaluate(allows, principal, actions).values()
    full = iam_policy.evaluate(policy, principal, actions).values()
    return all(g.allowed and g.via == iam_policy.VIA_PRINCIPAL for g in named) and not any(
        g.denied_by for g in full
    )


def do_grant(name: str, principal: str = NEW_V2_ROLE, profile=model.V2) -> key_policy.Edit:
    policy = load(name)
    return key_policy.grant(policy, profile, principal, key_policy.key_account(policy), text(name))


def do_revoke(name: str, principal: str = V1_ROLE, profile=model.V1) -> key_policy.Edit:
    policy = load(name)
    return key_policy.revoke(policy, profile, principal, key_policy.key_account(policy), text(name))


# --- Pure edits on real documents ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "aws-default.json",
        "console-default.json",
        "clickhouse-provider-example.json",
        "with-deny.json",
    ],
)
def test_grant_v2_appends_one_statement_and_keeps_the_others(name):
    before = load(name)
    edit = do_grant(name)
    assert edit.changed and not granted(before, model.V2, NEW_V2_ROLE)
    after = json.loads(edit.text)
    assert after["Statement"][:-1] == json.loads(text(name))["Statement"]
    assert after["Statement"][-1] == key_policy.clickhouse_statement(model.V2, NEW_V2_ROLE)
    assert after["Statement"][-1]["Sid"] == model.KEY_POLICY_V2_SID
    assert {k: v for k, v in after.items() if k != "Statement"} == {
        k: v for k, v in before.items() if k != "Statement"
    }
    assert granted(iam_policy.load(edit.text), model.V2, NEW_V2_ROLE)
    assert edit.notes[0].startswith("granted: added statement")


def test_grant_statement_is_the_artifacts_statement():
    from cmek.render import policies

    built = json.loads(policies.clickhouse_key_statement(model.V2, NEW_V2_ROLE).to_json())
    ours = key_policy.clickhouse_statement(model.V2, NEW_V2_ROLE)
    assert {k: v for k, v in ours.items() if k != "Sid"} == {
        k: v for k, v in built.items() if k != "Sid"
    }
    assert ours["Action"] == list(model.V2.actions)


def test_grant_twice_is_unchanged():
    first = do_grant("aws-default.json")
    policy = iam_policy.load(first.text)
    second = key_policy.grant(policy, model.V2, NEW_V2_ROLE, ACCOUNT, first.text)
    assert not second.changed and second.text == first.text
    assert second.notes[0].startswith("unchanged:")
    assert model.KEY_POLICY_V2_SID in second.notes[0]


def test_grant_recognises_a_grant_under_another_sid():
    name = "clickhouse-provider-example.json"
    edit = do_grant(name, V2_ROLE)
    assert not edit.changed and edit.text == text(name)  # byte for byte
    assert "unchanged" in edit.notes[0] and "AllowClickHouse" in edit.notes[0]


def allowed(policy: dict, principal: str) -> set[str]:
    grants = iam_policy.evaluate(policy, principal, iam_policy.kms_actions())
    return {a for a, g in grants.items() if g.allowed}


V2_REAL = set(iam_policy.real_actions(model.V2.actions))


def test_grant_narrows_a_shared_broader_statement_and_keeps_the_others():
    """The migration policy grants the v2 role v1's actions in v1's statement: grant takes the role
    out of it and gives it the v2 statement, in the same write; v1 keeps exactly what it had."""
    before = load("migration-two-principals.json")
    edit = do_grant("migration-two-principals.json", V2_ROLE)
    after = json.loads(edit.text)
    assert edit.changed
    assert allowed(after, V2_ROLE) == V2_REAL
    assert allowed(after, V1_ROLE) == allowed(before, V1_ROLE)
    shared = next(s for s in after["Statement"] if s["Sid"] == model.KEY_POLICY_CLICKHOUSE_SID)
    assert shared["Principal"] == {"AWS": [V1_ROLE]}
    assert any(n.startswith("narrowed: took") for n in edit.notes)
    again = key_policy.grant(iam_policy.load(edit.text), model.V2, V2_ROLE, ACCOUNT, edit.text)
    assert not again.changed


@pytest.mark.parametrize("sid", [model.KEY_POLICY_V2_SID, "custom"])
def test_grant_narrows_a_broader_statement_in_place(sid):
    policy = load("aws-default.json")
    policy["Statement"].append(key_policy.clickhouse_statement(model.V2, V2_ROLE) | {"Sid": sid})
    policy["Statement"][-1]["Action"] = "kms:*"
    edit = key_policy.grant(policy, model.V2, V2_ROLE, ACCOUNT)
    after = json.loads(edit.text)
    assert len(after["Statement"]) == len(policy["Statement"])  # repaired, not re-added
    assert after["Statement"][-1]["Sid"] == sid
    assert after["Statement"][-1]["Action"] == list(model.V2.actions)
    assert allowed(after, V2_ROLE) == V2_REAL
    assert any(n.startswith("narrowed: set") for n in edit.notes)


def test_grant_replaces_the_typo_in_place_under_any_sid():
    policy = load("aws-default.json")
    typo = [model.REENCRYPT_TYPO if a == "kms:ReEncrypt*" else a for a in model.V2.actions]
    policy["Statement"].append(
        key_policy.clickhouse_statement(model.V2, V2_ROLE) | {"Sid": "theirs", "Action": typo}
    )
    assert not granted(policy, model.V2, V2_ROLE)
    edit = key_policy.grant(policy, model.V2, V2_ROLE, ACCOUNT)
    after = json.loads(edit.text)
    assert [s["Sid"] for s in after["Statement"]] == [s["Sid"] for s in policy["Statement"]]
    assert after["Statement"][-1]["Action"] == list(model.V2.actions)
    assert allowed(after, V2_ROLE) == V2_REAL
    assert edit.notes[0].startswith("fixed: replaced")
    assert not any(n.startswith("warning") for n in edit.notes)  # no typo is left


def test_grant_warns_of_a_broader_statement_it_cannot_edit():
    """A scoped Resource is a shape cmek does not rewrite: the statement stays, with a warning."""
    policy = load("aws-default.json")
    scoped = key_policy.clickhouse_statement(model.V2, V2_ROLE) | {
        "Sid": "scoped",
        "Action": "kms:*",
        "Resource": [f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"],
    }
    policy["Statement"].append(scoped)
    edit = key_policy.grant(policy, model.V2, V2_ROLE, ACCOUNT)
    assert any("narrow it by hand" in n and "'scoped'" in n for n in edit.notes)
    assert scoped in json.loads(edit.text)["Statement"]


def test_grant_refuses_to_edit_an_owned_sid_of_another_shape():
    policy = load("aws-default.json")
    policy["Statement"].append(
        key_policy.clickhouse_statement(model.V2, V2_ROLE)
        | {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}
    )
    with pytest.raises(InputError, match="another shape"):
        key_policy.grant(policy, model.V2, NEW_V2_ROLE, ACCOUNT)


def test_grant_with_deny_keeps_the_denies_and_warns():
    edit = do_grant("with-deny.json")
    after = json.loads(edit.text)
    denies = [s for s in after["Statement"] if s["Effect"] == "Deny"]
    assert denies == [s for s in load("with-deny.json")["Statement"] if s["Effect"] == "Deny"]
    assert any("DenyOutsideTls" in n and "may deny" in n for n in edit.notes)


@pytest.mark.parametrize(
    ("profile", "principal", "message"),
    [
        (model.V2, V1_ROLE, "v1 role"),
        (model.V1, f"arn:aws:iam::{ACCOUNT}:role/prod-kms-request-role", f"in account {ACCOUNT}"),
        (model.V2, f"arn:aws:iam::{ACCOUNT}:role/my-role", "key's own account"),
    ],
)
def test_grant_refuses_mistakes_users_made(profile, principal, message):
    with pytest.raises(InputError, match=message):
        key_policy.grant(load("aws-default.json"), profile, principal, ACCOUNT)


def test_revoke_v1_from_a_shared_statement_keeps_v2():
    before = load("migration-two-principals.json")
    edit = do_revoke("migration-two-principals.json")
    after = iam_policy.load(edit.text)
    assert edit.changed and "others kept" in edit.notes[0]
    assert granted(after, model.V2, V2_ROLE) and not granted(after, model.V1, V1_ROLE)
    assert after["Statement"][0] == before["Statement"][0]
    shared = after["Statement"][1]
    assert shared["Principal"] == {"AWS": [V2_ROLE]}
    assert {k: v for k, v in shared.items() if k != "Principal"} == {
        k: v for k, v in before["Statement"][1].items() if k != "Principal"
    }


def test_revoke_the_only_principal_removes_its_statement():
    edit = do_revoke("clickhouse-provider-example.json", V2_ROLE, model.V2)
    before = load("clickhouse-provider-example.json")["Statement"]
    assert json.loads(edit.text)["Statement"] == before[:2]
    assert "removed statement 'AllowClickHouse'" in edit.notes[0]


def test_revoke_after_grant_restores_the_meaning():
    granted_text = do_grant("console-default.json").text
    policy = iam_policy.load(granted_text)
    edit = key_policy.revoke(policy, model.V2, NEW_V2_ROLE, ACCOUNT, granted_text)
    assert json.loads(edit.text) == json.loads(text("console-default.json"))


def test_revoke_of_an_absent_principal_is_unchanged():
    edit = do_revoke("aws-default.json")
    assert not edit.changed and edit.text == text("aws-default.json")
    assert edit.notes == (f"unchanged: no Allow statement names {V1_ROLE}",)


def test_revoke_reports_wildcard_grants_it_cannot_remove():
    policy = load("migration-two-principals.json")
    policy["Statement"].append(
        {
            "Sid": "Everyone",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:Describe*",
            "Resource": "*",
        }
    )
    edit = key_policy.revoke(policy, model.V1, V1_ROLE, ACCOUNT)
    assert any("still allowed by statement 'Everyone'" in n for n in edit.notes)
    assert json.loads(edit.text)["Statement"][-1]["Sid"] == "Everyone"


def test_revoke_refuses_a_lockout():
    # Without the root statement, the administrators' role is the only one that can manage the
    # key: taking it out would leave nobody.
    policy = load("console-default.json")
    policy["Statement"] = policy["Statement"][1:]
    with pytest.raises(InputError, match="kms:PutKeyPolicy"):
        key_policy.revoke(policy, model.V2, ADMIN, ACCOUNT)
    key_policy.check_manageable(policy, ACCOUNT)  # the input itself is manageable


def test_an_explicit_deny_of_put_key_policy_is_a_lockout():
    policy = load("aws-default.json")
    policy["Statement"].append(
        {"Sid": "Freeze", "Effect": "Deny", "Principal": "*", "Action": "kms:Put*", "Resource": "*"}
    )
    with pytest.raises(InputError, match="nobody could manage"):
        key_policy.grant(policy, model.V2, NEW_V2_ROLE, ACCOUNT)


def test_near_limit_policy():
    near = text("near-limit.json")
    assert model.KEY_POLICY_MAX_BYTES - 200 < len(near.encode()) <= model.KEY_POLICY_MAX_BYTES
    with pytest.raises(
        InputError, match=f"over KMS's key-policy limit of {model.KEY_POLICY_MAX_BYTES}"
    ):
        do_grant("near-limit.json")
    # Removing one application role shrinks it; the indented form no longer fits, the compact one
    # does, and that is what is offered.
    role = load("near-limit.json")["Statement"][5]["Principal"]["AWS"]
    edit = do_revoke("near-limit.json", role, model.V2)
    assert edit.changed and "\n" not in edit.text
    assert len(edit.text.encode()) <= model.KEY_POLICY_MAX_BYTES
    assert len(json.loads(edit.text)["Statement"]) == len(load("near-limit.json")["Statement"]) - 1


def test_key_account_from_the_policy():
    assert key_policy.key_account(load("aws-default.json")) == ACCOUNT
    assert key_policy.key_account(load("clickhouse-provider-example.json")) == ACCOUNT
    two = load("aws-default.json")
    two["Statement"].append(dict(two["Statement"][0], Principal={"AWS": "444455556666"}))
    assert key_policy.key_account(two) is None


# --- The CLI on files and stdin ------------------------------------------------------------------


def cmek(*args: str, stdin: str | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "cmek", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_cli_grant_from_stdin():
    result = cmek(
        "grant",
        "--cmek-version",
        "v2",
        "--principal",
        NEW_V2_ROLE,
        "--policy-file",
        "-",
        stdin=text("console-default.json"),
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout) == json.loads(do_grant("console-default.json").text)
    assert result.stderr.startswith("granted:")


def test_cli_revoke_v1_default_principal_from_file():
    result = cmek(
        "revoke",
        "--cmek-version",
        "v1",
        "--policy-file",
        str(FIXTURES / "migration-two-principals.json"),
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert V1_ROLE not in result.stdout and V2_ROLE in result.stdout
    assert result.stdout == do_revoke("migration-two-principals.json").text


def test_cli_unchanged_prints_the_input_as_it_was():
    result = cmek(
        *GRANT_V2,
        "--policy-file",
        str(FIXTURES / "clickhouse-provider-example.json"),
    )
    assert result.returncode == EXIT_OK
    assert result.stdout == text("clickhouse-provider-example.json")
    assert "unchanged" in result.stderr


LONG = "x" * 100_000
BAD_INPUTS = [
    (["grant", "--cmek-version", "v3", "--principal", V2_ROLE], "invalid choice"),
    (["grant", "--cmek-version", "v2"], "--principal"),
    (["grant", "--cmek-version", "v2", "--principal", "arn:aws:iam::1:role/x"], "IAM role ARN"),
    (["grant", "--cmek-version", "v2", "--principal", LONG], "100000 characters"),
    (
        ["grant", "--cmek-version", "v2", "--principal", f"arn:aws:iam::999988887777:role/{LONG}"],
        "characters",
    ),
    (["grant", "--cmek-version", "v2", "--principal", V1_ROLE], "v1 role"),
    (["revoke", "--cmek-version", "v2"], "--principal"),
    ([*GRANT_V2, "--apply"], "needs --key-arn"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_cli_bad_arguments_exit_2_with_one_line(args, message):
    result = cmek(*args, "--policy-file", str(FIXTURES / "aws-default.json"))
    assert_one_line_refusal(result, message)


def assert_one_line_refusal(result, message, code=EXIT_BAD_INPUT):
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 400, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "not JSON"),
        (b'{"Statement": "x"}', "statement #0"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b" " * (model.POLICY_FILE_MAX_BYTES + 1), "larger than"),
        (b"[" * 200_000, "not JSON"),
        (
            json.dumps(
                {
                    "Statement": {
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": "*",
                        "Principal": {"AWS": V2_ROLE},
                    }
                }
            ).encode(),
            "kms:PutKeyPolicy",
        ),
        (
            json.dumps({"Statement": {"Sid": LONG, "Effect": "Bogus", "Action": "a:b"}}).encode(),
            "100000 characters",
        ),
    ],
)
def test_cli_bad_policy_files_exit_2(tmp_path, content, message):
    path = tmp_path / "policy.json"
    path.write_bytes(content)
    result = cmek(*GRANT_V2, "--policy-file", str(path))
    assert_one_line_refusal(result, message)


def test_cli_missing_policy_file(tmp_path):
    result = cmek("revoke", "--cmek-version", "v1", "--policy-file", str(tmp_path / "nope.json"))
    assert_one_line_refusal(result, "cannot read")


# --- Live keys on the moto server ----------------------------------------------------------------


@pytest.fixture
def key(aws):
    """A key created through the KMS API (moto stores its policy as text; the dict-policy bug is
    only for stack-created keys), with moto's default policy: the account-root statement."""
    kms = aws("kms")
    arn = kms.create_key(Description="cmek grant tests")["KeyMetadata"]["Arn"]
    return kms, arn


def live(*args: str, endpoint: str, cwd: Path | None = None):
    return cmek(*args, "--endpoint-url", endpoint, cwd=cwd)


def policy_of(kms, arn: str) -> dict:
    return json.loads(kms.get_key_policy(KeyId=arn, PolicyName=model.KEY_POLICY_NAME)["Policy"])


def test_live_dry_run_shows_a_diff_and_changes_nothing(key, moto_endpoint, tmp_path):
    kms, arn = key
    before = policy_of(kms, arn)
    result = live(
        *GRANT_V2,
        "--key-arn",
        arn,
        endpoint=moto_endpoint,
        cwd=tmp_path,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.startswith(f"--- {arn} (current)\n+++ {arn} (new)\n")
    assert f'+        "AWS": "{V2_ROLE}"' in result.stdout
    assert "dry run" in result.stderr
    assert policy_of(kms, arn) == before and list(tmp_path.iterdir()) == []


def test_live_apply_backup_then_unchanged_then_revoke(key, moto_endpoint, tmp_path):
    kms, arn = key
    original = kms.get_key_policy(KeyId=arn, PolicyName=model.KEY_POLICY_NAME)["Policy"]
    args = (
        "--cmek-version",
        "v2",
        "--principal",
        V2_ROLE,
        "--key-arn",
        arn,
        "--apply",
        "--backup-dir",
        str(tmp_path),
    )
    result = live("grant", *args, endpoint=moto_endpoint)
    assert result.returncode == EXIT_OK, result.stderr
    assert granted(policy_of(kms, arn), model.V2, V2_ROLE)
    backups = list(tmp_path.iterdir())
    assert len(backups) == 1 and backups[0].read_text() == original
    assert backups[0].name.startswith(arn.rsplit("/", 1)[1] + ".policy.")
    assert f"--policy file://{backups[0]}" in result.stderr

    again = live("grant", *args, endpoint=moto_endpoint)
    assert again.returncode == EXIT_OK and again.stdout == "" and "unchanged" in again.stderr
    assert len(list(tmp_path.iterdir())) == 1

    revoked = live("revoke", *args, endpoint=moto_endpoint)
    assert revoked.returncode == EXIT_OK, revoked.stderr
    assert policy_of(kms, arn) == json.loads(original)
    assert len(list(tmp_path.iterdir())) == 2


def test_live_refuses_a_v1_role_from_the_keys_account(key, moto_endpoint):
    _, arn = key
    account = arn.split(":")[4]
    copied = f"arn:aws:iam::{account}:role/prod-kms-request-role"
    result = live(
        "grant",
        "--cmek-version",
        "v1",
        "--principal",
        copied,
        "--key-arn",
        arn,
        "--apply",
        endpoint=moto_endpoint,
    )
    assert_one_line_refusal(result, "names ClickHouse's v1 role in account")


def parse(command, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("command", [grant_command, revoke_command])
def test_live_concurrent_change_is_refused(key, moto_endpoint, tmp_path, command):
    """A real concurrent writer: `before_write` runs after the command read the policy and before
    it writes; there it replaces the policy through the moto server, as another admin would."""
    kms, arn = key
    if command is revoke_command:  # something to revoke first
        policy = policy_of(kms, arn)
        policy["Statement"].append(key_policy.clickhouse_statement(model.V2, V2_ROLE))
        kms.put_key_policy(KeyId=arn, PolicyName=model.KEY_POLICY_NAME, Policy=json.dumps(policy))
    theirs = policy_of(kms, arn)
    theirs["Statement"].append(
        key_policy.clickhouse_statement(model.V2, NEW_V2_ROLE) | {"Sid": "Someone else's edit"}
    )

    def concurrent_edit() -> None:
        kms.put_key_policy(KeyId=arn, PolicyName=model.KEY_POLICY_NAME, Policy=json.dumps(theirs))

    args = parse(
        command,
        "--cmek-version",
        "v2",
        "--principal",
        V2_ROLE,
        "--key-arn",
        arn,
        "--apply",
        "--endpoint-url",
        moto_endpoint,
        "--backup-dir",
        str(tmp_path),
    )
    with pytest.raises(ToolError, match="changed since it was read") as info:
        command.run(args, before_write=concurrent_edit)
    assert info.value.exit_code == EXIT_TOOL_FAILED
    assert policy_of(kms, arn) == theirs  # their edit stands, ours was not written
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key-arn", "arn:aws:kms:us-east-1:123456789012:alias/x"], "KMS key ARN"),
        (["--key-arn", LONG], "100000 characters"),
        (["--key-arn", model.EXAMPLE_KEY_ARN, "--region", "Mars-1"], "--region"),
        (["--key-arn", model.EXAMPLE_KEY_ARN, "--backup-dir", "."], "needs --apply"),
        (
            ["--key-arn", model.EXAMPLE_KEY_ARN, "--apply", "--backup-dir", "/nonexistent/dir"],
            "not a directory",
        ),
    ],
)
def test_live_bad_inputs_exit_2(args, message, moto_endpoint):
    result = live(*GRANT_V2, *args, endpoint=moto_endpoint)
    assert_one_line_refusal(result, message)


def test_live_bad_endpoint_url_exits_2():
    result = cmek(
        *GRANT_V2,
        "--endpoint-url",
        "not a url",
        "--key-arn",
        model.EXAMPLE_KEY_ARN,
    )
    assert_one_line_refusal(result, "--endpoint-url")


def test_live_missing_key_is_exit_3(aws, moto_endpoint):
    result = live(
        *GRANT_V2,
        "--key-arn",
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        endpoint=moto_endpoint,
    )
    assert_one_line_refusal(result, "GetKeyPolicy", code=EXIT_TOOL_FAILED)


def test_restore_command_is_shell_quoted_and_names_the_region(tmp_path):
    import shlex

    from cmek.key_policy.apply import restore_command

    saved = tmp_path / "it's a $(folder)" / "k.policy.json"
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    words = shlex.split(restore_command(key, saved))
    assert words == [
        "aws", "kms", "put-key-policy", "--region", "eu-west-1", "--key-id", key,
        "--policy-name", "default", "--policy", f"file://{saved}",
    ]  # fmt: skip
