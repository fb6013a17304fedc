"""CMEK v2 on the CloudFormation side: profile-aware links, the v2 snippet, principal mistakes.

Expectations come from cmek.model; publish's layout is read from cmek.publish.upload, so links
and published objects cannot drift apart.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from cmek import cli, config, iam_policy, model
from cmek.errors import InputError
from cmek.key_policy import edit as key_policy
from cmek.publish import upload as publish
from cmek.render import links, snippet

V2_ROLE = "arn:aws:iam::444455556666:role/clickhouse-service-encryption"
# The copy mistake: ClickHouse's v1 role name in the customer's own account.
V1_ROLE_OWN_ACCOUNT = model.V1.principal.replace(model.CLICKHOUSE_V1_ACCOUNT, "111122223333")
ONE_REGION = config.Config(regions=("us-west-2",))


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).fragment.partition("?")[2]))


def test_every_stack_has_links_with_its_profile() -> None:
    found = links.links(ONE_REGION)
    assert {(x.template, x.mode, x.profile) for x in found} == {
        (s.filename, m.value, s.profile.name) for s in model.STACKS for m in s.modes
    }


def test_links_open_exactly_the_objects_publish_creates() -> None:
    # The default base is the default publish prefix in ClickHouse's bucket.
    bucket = config.Config().templates.bucket
    target = publish.Target(bucket, model.PUBLISH_PREFIX, model.VERSION)
    keys = {name: key for name, (key, _) in publish.template_keys(target).items()}
    base = model.DEFAULT_TEMPLATE_URL_BASE.removesuffix(f"{model.PUBLISH_PREFIX}/")
    for link in links.links(ONE_REGION):
        assert query(link.url)["templateURL"] == base + keys[link.template]


def test_profile_filter_and_v2_principal() -> None:
    v2 = links.links(ONE_REGION, links.StackInputs(encryption_role_arn=V2_ROLE), model.V2)
    assert [x.template for x in v2] == [model.STACK_V2_NEW_KEY.filename]
    assert query(v2[0].url)[f"param_{model.PARAM_ENCRYPTION_ROLE_ARN}"] == V2_ROLE
    bare = links.links(ONE_REGION, profile=model.V2)
    assert f"param_{model.PARAM_ENCRYPTION_ROLE_ARN}" not in query(bare[0].url)
    v1 = links.links(ONE_REGION, profile=model.V1)
    assert {x.profile for x in v1} == {model.V1.name}
    assert all(model.PARAM_ENCRYPTION_ROLE_ARN not in x.url for x in v1)


def test_links_document_states_its_base_version_and_templates() -> None:
    doc = links.document(ONE_REGION)
    assert doc["version"] == model.VERSION
    assert doc["template_url_base"] == model.DEFAULT_TEMPLATE_URL_BASE
    assert set(doc["templates"]) == {s.filename for s in model.STACKS}
    assert {query(x["url"])["templateURL"] for x in doc["links"]} == set(doc["templates"].values())


def test_links_cli_v2(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["links", "--cmek-version", "v2", "--principal", V2_ROLE, "--region", "us-west-2"]
    assert cli.main(args) == 0
    first, *rows = capsys.readouterr().out.splitlines()
    assert first.startswith("# ") and model.DEFAULT_TEMPLATE_URL_BASE in first
    (row,) = rows
    assert row.split("\t")[:3] == ["us-west-2", model.STACK_V2_NEW_KEY.filename, "new-key"]
    assert query(row.split("\t")[3])[f"param_{model.PARAM_ENCRYPTION_ROLE_ARN}"] == V2_ROLE


@pytest.mark.parametrize(
    ("command", "profile", "principal"),
    [
        ("links", "v2", model.V1.principal),
        ("links", "v1", V1_ROLE_OWN_ACCOUNT),
        ("links", "v2", V1_ROLE_OWN_ACCOUNT),
        ("snippet", "v2", model.V1.principal),
        ("snippet", "v1", V1_ROLE_OWN_ACCOUNT),
        ("snippet", "v2", "arn:aws:iam::444455556666:user/not-a-role"),
    ],
)
def test_principal_mistakes_are_bad_input(
    capsys: pytest.CaptureFixture[str], command: str, profile: str, principal: str
) -> None:
    assert cli.main([command, "--cmek-version", profile, "--principal", principal]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--principal" in err[0]


def test_links_principal_alone_is_a_v2_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["links", "--principal", V2_ROLE]) == 0
    printed = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert printed and {row[1] for row in printed} == {model.STACK_V2_NEW_KEY.filename}
    assert all(f"param_{model.PARAM_ENCRYPTION_ROLE_ARN}={V2_ROLE}" in row[3] for row in printed)


def test_v2_snippet_needs_a_principal(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["snippet", "--cmek-version", "v2"]) == 2
    assert "--principal" in capsys.readouterr().err


@pytest.mark.parametrize(
    "data",
    [
        {"profile": "v2", "principal": model.V1.principal},
        {"profile": "v1", "principal": V1_ROLE_OWN_ACCOUNT},
    ],
)
def test_config_refuses_the_mistakes(data: dict[str, str]) -> None:
    with pytest.raises(InputError, match="principal"):
        config.from_mapping(data)


def test_v2_snippet_is_the_statement_grant_writes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["snippet", "--cmek-version", "v2", "--principal", V2_ROLE]) == 0
    printed = capsys.readouterr().out
    assert printed == snippet.render(config.Config(model.V2, V2_ROLE))
    statement = json.loads(printed)
    written = key_policy.clickhouse_statement(model.V2, V2_ROLE)
    assert statement == written | {"Resource": "*"}
    assert statement["Sid"] == model.KEY_POLICY_V2_SID
    assert statement["Action"] == list(model.V2.actions)


def test_each_declared_action_is_real_and_reencrypt_star_is_exactly_from_and_to() -> None:
    for profile in model.PROFILES.values():
        for action in profile.actions:
            assert iam_policy.expand_actions(action), (profile.name, action)
    assert set(iam_policy.expand_actions(model.REENCRYPT_ACTIONS[0])) == set(model.REENCRYPT_COVERS)
    assert iam_policy.expand_actions(model.REENCRYPT_TYPO) == ()
