"""`cmek audit` against the moto server: keys in several regions, roles, throttling, denied regions.

moto stores keys, aliases, key policies and roles but never evaluates a policy for ClickHouse: the
grants are judged by our evaluation of the stored documents. Throttling and a region's AccessDenied
come from the tests' own HTTP proxy in front of moto (moto cannot throttle, and it refuses callers
only when every request carries a moto IAM user's keys).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cmek import cli, iam_policy, model
from cmek.audit import evaluate as audit
from cmek.audit import report as audit_render
from cmek.commands import audit as audit_command
from cmek.verify import evaluate as verify_key
from cmek.verify import fetch as verify_key_fetch

ACCOUNT = "123456789012"  # moto's default account: the customer's
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
CLICKHOUSE_ACCOUNT = "999988887777"
V2_ROLE = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/service-a-encryption"
V2_ROLE_B = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/service-b-encryption"
V1 = model.V1.principal
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
V1_ROLE_NAME = f"{model.ROLE_NAME_PREFIX}legacy"
V2_SID = model.KEY_POLICY_V2_SID


def statement(principals: Any, actions: Any, sid: str = model.KEY_POLICY_CLICKHOUSE_SID) -> dict:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": actions,
        "Resource": "*",
    }


def key_policy(*statements: dict) -> str:
    root = statement(ROOT, model.KMS_ALL_ACTIONS, model.KEY_POLICY_ROOT_SID)
    return json.dumps({"Version": model.POLICY_VERSION, "Statement": [root, *statements]})


def trust(principal: str) -> str:
    return json.dumps(
        {
            "Version": model.POLICY_VERSION,
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def identity(actions: Any, resource: str) -> str:
    return json.dumps(
        {
            "Version": model.POLICY_VERSION,
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
        }
    )


V2_ACTIONS = list(model.V2.actions)
V1_ACTIONS = list(model.V1.actions)
TYPO_ACTIONS = [
    a if a not in model.REENCRYPT_ACTIONS else model.REENCRYPT_TYPO for a in model.V2.actions
]
# name -> (region, key policy statements beyond the root's, alias, state)
KEYS: dict[str, tuple[str, tuple[dict, ...], str, str]] = {
    "v1": ("us-east-1", (statement(V1, V1_ACTIONS),), "alias/svc-v1", "Enabled"),
    "v2": ("us-east-1", (statement(V2_ROLE, V2_ACTIONS, V2_SID),), "alias/svc-v2", "Enabled"),
    "broad": ("us-east-1", (statement(V2_ROLE, "kms:*", V2_SID),), "", "Enabled"),
    "role-key": ("us-east-1", (), "alias/v1-role-key", "Enabled"),
    "plain-east": ("us-east-1", (), "", "Enabled"),
    "both": ("eu-west-1", (statement([V1, V2_ROLE_B], V1_ACTIONS + V2_ACTIONS),), "", "Enabled"),
    "typo": ("eu-west-1", (statement(V2_ROLE_B, TYPO_ACTIONS, V2_SID),), "", "Enabled"),
    "disabled": ("eu-west-1", (statement(V2_ROLE, V2_ACTIONS, V2_SID),), "", "Disabled"),
    "plain-west": ("eu-west-1", (), "alias/unrelated", "Enabled"),
    "plain-south": ("ap-southeast-2", (), "", "Enabled"),
}


@dataclass(frozen=True)
class Account:
    arns: dict[str, str]
    names: dict[str, str]
    endpoint: str


@pytest.fixture
def account(aws) -> Account:
    """The keys of KEYS, a v1 existing-key stack's role on `role-key`, and an unrelated role."""
    arns = {}
    clients = {region: aws("kms", region) for region in REGIONS}
    for name, (region, statements, alias, state) in KEYS.items():
        kms = clients[region]
        # moto 5.2.5 leaves KeyUsage out of DescribeKey unless CreateKey was given it (AWS always
        # returns it).
        meta = kms.create_key(Policy=key_policy(*statements), KeyUsage=model.KEY_USAGE)
        meta = meta["KeyMetadata"]
        arn = meta["Arn"]
        if alias:
            kms.create_alias(AliasName=alias, TargetKeyId=arn)
        if state == "Disabled":
            # moto 5.2.5 bug: DisableKey with a key ARN is a 500 (KeyError); the key id works.
            kms.disable_key(KeyId=meta["KeyId"])
        arns[name] = arn
    iam = aws("iam")
    iam.create_role(RoleName=V1_ROLE_NAME, AssumeRolePolicyDocument=trust(V1))
    iam.put_role_policy(
        RoleName=V1_ROLE_NAME,
        PolicyName=model.ROLE_POLICY_NAME,
        PolicyDocument=identity(V1_ACTIONS, arns["role-key"]),
    )
    iam.create_role(RoleName="ops-admin", AssumeRolePolicyDocument=trust(ROOT))
    iam.put_role_policy(
        RoleName="ops-admin", PolicyName="all", PolicyDocument=identity("kms:*", "*")
    )
    endpoint = aws("kms").meta.endpoint_url
    return Account(arns, {arn: name for name, arn in arns.items()}, endpoint)


def cmek(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmek", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_audit(endpoint: str, *args: str, regions=REGIONS, accounts=(CLICKHOUSE_ACCOUNT,)):
    argv = ["audit", "--endpoint-url", endpoint, "--format", "json"]
    argv += [f"--region={r}" for r in regions] + [f"--clickhouse-account={a}" for a in accounts]
    result = cmek(*argv, *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout) if result.stdout else None


def audit_here(capsys, endpoint: str, *args: str, regions=REGIONS, accounts=(CLICKHOUSE_ACCOUNT,)):
    """The same audit in this process (cli.main): no interpreter start-up, for the tests that
    run it several times."""
    argv = ["audit", "--endpoint-url", endpoint]
    argv += [f"--region={r}" for r in regions] + [f"--clickhouse-account={a}" for a in accounts]
    capsys.readouterr()
    code = cli.main([*argv, *args])
    out = capsys.readouterr().out
    return code, out


def json_here(capsys, endpoint: str, *args: str, **kwargs) -> tuple[int, dict]:
    code, out = audit_here(capsys, endpoint, "--format", "json", *args, **kwargs)
    return code, json.loads(out)


def rows(report: dict, names: dict[str, str]) -> set[tuple[str, str, str, str]]:
    return {
        (names.get(a["key_arn"], a["key_arn"]), a["principal"], a["via"], a["verdict"])
        for a in report["access"]
    }


def findings(report: dict, names: dict[str, str]) -> set[tuple[str, str, str]]:
    return {
        (f["code"], names.get(f["subject"], f["subject"]), f["principal"])
        for f in report["findings"]
    }


V1_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{V1_ROLE_NAME}"
EXPECTED_ROWS = {
    ("v1", V1, "key policy", "valid"),
    ("v2", V2_ROLE, "key policy", "valid"),
    ("broad", V2_ROLE, "key policy", "valid"),
    ("role-key", V1, "role", "valid"),
    ("both", V1, "key policy", "valid"),
    ("both", V2_ROLE_B, "key policy", "valid"),
    ("typo", V2_ROLE_B, "key policy", "not valid"),
    ("disabled", V2_ROLE, "key policy", "not valid"),
}
EXPECTED_FINDINGS = {
    (audit.V1_GRANTED, "v1", V1),
    (audit.V1_GRANTED, "both", V1),
    (audit.BROADER, "both", V2_ROLE_B),
    (audit.BROADER, "broad", V2_ROLE),
    (audit.TYPO, "typo", V2_ROLE_B),
    (audit.KEY_NOT_ENABLED, "disabled", V2_ROLE),
    (audit.V1_ROLE, V1_ROLE_ARN, V1),
}


def test_audit_reports_every_clickhouse_access_and_finding(account: Account) -> None:
    result, report = run_audit(account.endpoint)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""  # a pipe: no progress bar
    assert rows(report, account.names) == EXPECTED_ROWS
    assert findings(report, account.names) == EXPECTED_FINDINGS
    assert report["keys_audited"] == len(KEYS)
    assert report["roles_trusting_clickhouse"] == [V1_ROLE_ARN]
    assert report["unreadable"] == []
    by_key = {(a["key_arn"], a["principal"]): a for a in report["access"]}
    v2 = by_key[(account.arns["v2"], V2_ROLE)]
    assert v2["aliases"] == ["alias/svc-v2"] and v2["state"] == "Enabled"
    assert v2["where"] == [V2_SID] and v2["profile"] == "v2"
    assert set(v2["actions"]) == set(iam_policy.real_actions(model.V2.actions))
    assert v2["extra"] == []
    typo = by_key[(account.arns["typo"], V2_ROLE_B)]
    assert set(typo["missing"]) == set(model.REENCRYPT_COVERS)
    assert set(by_key[(account.arns["broad"], V2_ROLE)]["actions"]) == set(iam_policy.kms_actions())
    assert by_key[(account.arns["role-key"], V1)]["where"] == [V1_ROLE_ARN]
    assert by_key[(account.arns["disabled"], V2_ROLE)]["state"] == "Disabled"
    assert_fixes(report, account)
    assert_verdicts_equal_verify_key(report, account.endpoint)
    assert report["calls"] == {
        "DescribeKey": len(KEYS),
        "GetKeyPolicy": len(KEYS),
        "ListKeys": len(REGIONS),
        "ListAliases": len(REGIONS),
        "ListRoles": 1,
        "ListRolePolicies": 1,  # only the role that trusts ClickHouse
        "GetRolePolicy": 1,
        "ListAttachedRolePolicies": 1,
    }
    assert report["requests"] == sum(report["calls"].values())  # no retries without throttling


def assert_fixes(report: dict, account: Account) -> None:
    fixes = {(f["code"], account.names.get(f["subject"])): f["fix"] for f in report["findings"]}
    endpoint = f" --endpoint-url {account.endpoint}"
    arn = account.arns
    flag = "--cmek-version"
    assert fixes[(audit.V1_GRANTED, "v1")] == (
        f"cmek revoke {flag} v1 --key-arn {arn['v1']}{endpoint} --apply"
    )
    assert fixes[(audit.TYPO, "typo")] == (
        f"cmek grant {flag} v2 --principal {V2_ROLE_B} --key-arn {arn['typo']}{endpoint} --apply"
    )
    assert fixes[(audit.BROADER, "broad")] == (
        f"cmek grant {flag} v2 --principal {V2_ROLE} --key-arn {arn['broad']}{endpoint} --apply"
    )
    role_fix = next(f["fix"] for f in report["findings"] if f["code"] == audit.V1_ROLE)
    assert role_fix == f"delete the v1 existing-key stack that created role {V1_ROLE_NAME} " + (
        "(or the role itself)"
    )


def assert_verdicts_equal_verify_key(report: dict, endpoint: str) -> None:
    """Each key-policy access's verdict is what `verify-key` says for that key and principal."""
    for access in report["access"]:
        if access["via"] != audit.VIA_KEY_POLICY:
            continue
        ref = verify_key.parse_key_ref(access["key_arn"])
        profile = model.PROFILES[access["profile"]]
        request = verify_key.Request(ref, ref.region, profile, access["principal"])
        verdict = verify_key_fetch.verify(request, endpoint)
        assert verdict.verdict == access["verdict"], access
        assert verdict.reasons == tuple(access["reasons"])


def test_applying_the_printed_fixes_leaves_only_the_v1_role(
    account: Account, tmp_path, monkeypatch, capsys
) -> None:
    """Every printed cmek command, run as printed, removes its finding: they are exact."""
    _, report = json_here(capsys, account.endpoint)
    monkeypatch.chdir(tmp_path)  # grant/revoke --apply save backups in the current directory
    commands = [
        shlex.split(command)[1:]
        for f in report["findings"]
        for command in re.findall(
            r"cmek (?:grant|revoke)(?: --[a-z-]+(?: [^\s(-][^\s]*)?)+", f["fix"]
        )
    ]
    assert len(commands) == 6  # v1: 2; broader: 2 (grant narrows); typo: 1; disabled: 1
    assert all(argv[-1] == audit.APPLY_FLAG for argv in commands)
    for argv in commands:
        assert cli.main(argv) == 0, argv
    code, after = json_here(capsys, account.endpoint)
    assert findings(after, account.names) == {(audit.V1_ROLE, V1_ROLE_ARN, V1)}
    assert rows(after, account.names) == {
        ("v2", V2_ROLE, "key policy", "valid"),
        ("broad", V2_ROLE, "key policy", "valid"),
        ("role-key", V1, "role", "valid"),
        ("both", V2_ROLE_B, "key policy", "valid"),
        ("typo", V2_ROLE_B, "key policy", "valid"),
    }
    assert code == 1


def test_without_clickhouse_accounts_only_v1_is_found(account: Account, capsys) -> None:
    _, report = json_here(capsys, account.endpoint, accounts=())
    assert {p for _, p, _, _ in rows(report, account.names)} == {V1}
    assert {code for code, _, _ in findings(report, account.names)} == {
        audit.V1_GRANTED,
        audit.V1_ROLE,
    }


def test_nothing_to_fix_exits_0_and_text_says_so(account: Account, capsys) -> None:
    south = ("ap-southeast-2",)
    code, out = audit_here(capsys, account.endpoint, regions=south)
    assert code == 1  # the v1 role is account-wide (IAM is global)
    assert "v1-role" in out
    account_iam = _iam(account)
    account_iam.delete_role_policy(RoleName=V1_ROLE_NAME, PolicyName=model.ROLE_POLICY_NAME)
    account_iam.delete_role(RoleName=V1_ROLE_NAME)
    code, out = audit_here(capsys, account.endpoint, regions=south)
    assert code == 0, out
    assert out.startswith("cmek audit: 1 customer-managed key(s) in 1 of 1 region(s)")
    assert "0 finding(s)" in out and "Findings" not in out


def _iam(account: Account):
    import boto3

    return boto3.client("iam", region_name="us-east-1", endpoint_url=account.endpoint)


def test_default_region_is_the_sessions(account: Account, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    _, report = json_here(capsys, account.endpoint, regions=())
    assert report["regions"] == ["eu-west-1"]
    assert {account.names[a["key_arn"]] for a in report["access"]} == {"both", "typo", "disabled"}


def test_csv_and_text_carry_the_same_report(account: Account, capsys) -> None:
    import csv

    _, table = audit_here(capsys, account.endpoint, "--format", "csv")
    records = list(csv.DictReader(io.StringIO(table)))
    assert list(records[0]) == list(audit_render.CSV_COLUMNS)
    access = {
        (account.names[r["subject"]], r["principal"], r["via"], r["verdict"])
        for r in records
        if r["record"] == "access"
    }
    assert access == EXPECTED_ROWS
    found = [r for r in records if r["record"] == "finding"]
    assert {
        (r["code"], account.names.get(r["subject"], r["subject"]), r["principal"]) for r in found
    } == (EXPECTED_FINDINGS)
    _, text = audit_here(capsys, account.endpoint)
    for finding in found:
        assert f"{finding['code']}  {finding['subject']}: {finding['message']}" in text
        assert f"fix: {finding['fix']}" in text
    assert audit_render.APPLY_NOTE in text


# --- A proxy in front of moto: throttling and a denied region ------------------------------------


THROTTLED_CALLS = 4


class Proxy:
    """Forwards to moto. Throttles the first attempt of every other distinct KMS call among each
    region's first THROTTLED_CALLS, and answers AccessDeniedException for every call signed for a
    region in `denied`.

    The throttles come in one burst per region: botocore's adaptive mode drops a fresh client to
    0.5 requests/s on a throttle and climbs back over seconds, so throttles spread over the whole
    run would make the test slow without testing more."""

    def __init__(self, upstream: str, throttle: bool, denied: frozenset[str]) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.throttle = throttle
        self.denied = denied
        self.lock = threading.Lock()
        self.seen: set[tuple[str, str, bytes]] = set()
        self.distinct: Counter[str] = Counter()
        self.throttled = 0
        self.refused = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def decide(self, headers: Any, body: bytes) -> str:
        """ "deny", "throttle" or "forward" for one request."""
        scope = re.search(
            r"Credential=[^/]+/[0-9]+/([a-z0-9-]+)/", headers.get("Authorization", "")
        )
        region = scope.group(1) if scope else ""
        if region in self.denied:
            with self.lock:
                self.refused += 1
            return "deny"
        target = headers.get("X-Amz-Target", "")
        if not (self.throttle and target.startswith("TrentService.")):
            return "forward"
        with self.lock:
            call = (region, target, body)
            if call in self.seen:
                return "forward"
            self.seen.add(call)
            self.distinct[region] += 1
            if self.distinct[region] % 2 or self.distinct[region] > THROTTLED_CALLS:
                return "forward"
            self.throttled += 1
            return "throttle"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                decision = proxy.decide(self.headers, body)
                if decision == "forward":
                    status, reply, kind = proxy.forward(self.path, self.headers, body)
                else:
                    error = (
                        "ThrottlingException"
                        if decision == "throttle"
                        else ("AccessDeniedException")
                    )
                    reply = json.dumps({"__type": error, "message": "Rate exceeded"}).encode()
                    status, kind = 400, "application/x-amz-json-1.1"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def forward(self, path: str, headers: Any, body: bytes) -> tuple[int, bytes, str]:
        connection = http.client.HTTPConnection(self.upstream, timeout=30)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() != "connection"}
            connection.request("POST", path, body, forwarded)
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("Content-Type", "")
        finally:
            connection.close()


@pytest.fixture
def proxy(account: Account, request) -> Iterator[Proxy]:
    throttle, denied = request.param
    server = Proxy(account.endpoint, throttle, frozenset(denied))
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def without_endpoint(report: dict, endpoint: str) -> str:
    """The report's accesses and findings, with the endpoint in the fixes normalised."""
    kept = {key: report[key] for key in ("access", "findings")}
    return json.dumps(kept, sort_keys=True).replace(endpoint, "ENDPOINT")


@pytest.mark.parametrize("proxy", [(True, ())], indirect=True)
def test_throttling_still_yields_the_complete_report(
    account: Account, proxy: Proxy, capsys
) -> None:
    _, direct = json_here(capsys, account.endpoint)
    result, throttled = run_audit(proxy.url)
    assert result.returncode == 1, result.stderr
    assert proxy.throttled == len(REGIONS) * THROTTLED_CALLS // 2
    assert without_endpoint(throttled, proxy.url) == without_endpoint(direct, account.endpoint)
    assert throttled["calls"] == direct["calls"]  # each call once; botocore retried the requests
    assert throttled["requests"] == sum(throttled["calls"].values()) + proxy.throttled


@pytest.mark.parametrize("proxy", [(False, ("eu-west-1",))], indirect=True)
def test_a_denied_region_is_reported_and_the_rest_audited(account: Account, proxy: Proxy) -> None:
    result, report = run_audit(proxy.url)
    assert result.returncode == 1
    [unreadable] = report["unreadable"]
    assert unreadable["where"] == "eu-west-1" and unreadable["code"] == "AccessDeniedException"
    west = {"both", "typo", "disabled", "plain-west"}
    assert rows(report, account.names) == {r for r in EXPECTED_ROWS if r[0] not in west}
    assert findings(report, account.names) == {f for f in EXPECTED_FINDINGS if f[1] not in west} | {
        (audit.UNREADABLE, "eu-west-1", "")
    }
    assert report["keys_audited"] == len([k for k in KEYS.values() if k[0] != "eu-west-1"])


@pytest.mark.parametrize("proxy", [(False, ("eu-west-1",))], indirect=True)
def test_nothing_readable_exits_3(account: Account, proxy: Proxy) -> None:
    result, report = run_audit(proxy.url, regions=("eu-west-1",))
    assert result.returncode == 3
    assert result.stderr == "cmek: error: could not audit: no region could be read\n"
    assert report["unreadable"][0]["where"] == "eu-west-1"


# --- Input, progress, pure functions -------------------------------------------------------------

BAD_ARGS = {
    "unknown region": (["--region", "us-east-9"], "--region 'us-east-9'"),
    "zero concurrency": (["--concurrency", "0"], "--concurrency '0'"),
    "huge concurrency": (["--concurrency", "1000"], "from 1 to 64"),
    "short account": (["--clickhouse-account", "1234"], "--clickhouse-account '1234'"),
    "bad endpoint": (["--endpoint-url", "ftp://x"], "--endpoint-url 'ftp://x'"),
    "bad format": (["--format", "xml"], "invalid choice"),
    "both region flags": (["--region", "us-east-1", "--all-regions"], "not allowed with"),
}


@pytest.mark.parametrize(("args", "message"), BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = cmek("audit", *args)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert message in line


def test_no_region_configured_exits_3(monkeypatch, tmp_path) -> None:
    # A missing region, like missing credentials, is the environment's lack: exit 3, one line.
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    result = cmek("audit")
    assert result.returncode == 3 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "no AWS region is configured" in line


AUDIT = (sys.executable, "-m", "cmek", "audit")


def test_progress_bar_on_a_terminal_only(account: Account) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [
                *AUDIT,
                "--endpoint-url",
                account.endpoint,
                "--region",
                "us-east-1",
                "--format",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
        )
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert result.returncode == 1
    assert b"\raudit [" in drawn and b"5/5 keys" in drawn
    assert json.loads(result.stdout)["keys_audited"] == 5


def test_progress_draws_and_clears() -> None:
    stream = io.StringIO()
    bar = audit_command.Progress(stream)
    bar.update(1, 4)
    bar.update(4, 4)
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")
    assert (
        "] 1/4 keys" in stream.getvalue()
        and "#" * audit_command.PROGRESS_WIDTH in stream.getvalue()
    )


KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
META = {
    "Arn": KEY,
    "KeyState": "Enabled",
    "Enabled": True,
    "KeySpec": model.KEY_SPEC,
    "KeyUsage": model.KEY_USAGE,
    "KeyManager": model.KEY_MANAGER_CUSTOMER,
    "Origin": "AWS_KMS",
}


def pure_audit(*statements: dict, roles=(), meta=META) -> audit.Report:
    key = audit.KeyFacts(KEY, "us-east-1", meta, (), key_policy(*statements))
    inventory = audit.Inventory(("us-east-1",), (key,), tuple(roles))
    return audit.audit(inventory, [CLICKHOUSE_ACCOUNT])


def test_v1_through_a_wildcard_principal_is_fixed_by_hand() -> None:
    report = pure_audit(statement("*", "kms:Decrypt", "open"))
    [finding] = report.findings
    assert finding.code == audit.V1_GRANTED and "'open'" in finding.fix
    assert not finding.fix.startswith("cmek ")


def test_clickhouse_account_root_is_a_v2_principal() -> None:
    report = pure_audit(statement(CLICKHOUSE_ACCOUNT, V2_ACTIONS, V2_SID))
    assert [(a.principal, a.profile) for a in report.access] == [
        (f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:root", "v2")
    ]
    assert report.findings == () and report.exit_code == 0


def test_a_conditional_or_denied_grant_gives_no_access() -> None:
    conditional = {**statement(V2_ROLE, V2_ACTIONS, V2_SID), "Condition": {"Bool": {"x": "y"}}}
    deny = {**statement(V1, "kms:*", "deny"), "Effect": "Deny"}
    report = pure_audit(conditional, statement(V1, V1_ACTIONS), deny)
    assert report.access == ()
    # The denied v1 grant is no finding; the conditional v2 grant is one, with its condition.
    [finding] = report.findings
    assert (finding.code, finding.principal) == (audit.CONDITIONAL, V2_ROLE)
    assert '{"Bool":{"x":"y"}}' in finding.message


def test_a_role_trusting_v1_with_an_external_id_still_counts() -> None:
    document = json.loads(trust(V1))
    document["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": "abc"}}
    role = verify_key.RoleFacts(f"arn:aws:iam::{ACCOUNT}:role/custom", True, document, ())
    report = pure_audit(roles=[role])
    [finding] = report.findings
    assert finding.code == audit.V1_ROLE and finding.fix.startswith("delete role custom")


def test_a_v2_role_path_on_a_pending_deletion_key() -> None:
    role = verify_key.RoleFacts(
        f"arn:aws:iam::{ACCOUNT}:role/bridge",
        True,
        json.loads(trust(V2_ROLE)),
        (("inline p", json.loads(identity(V2_ACTIONS, KEY))),),
    )
    report = pure_audit(roles=[role], meta={**META, "KeyState": "PendingDeletion"})
    [access] = report.access
    assert (access.via, access.where, access.verdict) == ("role", (role.arn,), "not valid")
    assert [f.code for f in report.findings] == [audit.KEY_NOT_ENABLED]


def test_profile_of() -> None:
    accounts = [CLICKHOUSE_ACCOUNT]
    assert audit.profile_of(V1, accounts) is model.V1
    assert audit.profile_of(V2_ROLE, accounts) is model.V2
    assert audit.profile_of(f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:user/x", accounts) is None
    assert audit.profile_of(f"arn:aws:iam::{ACCOUNT}:role/x", accounts) is None
    shaped = f"arn:aws:iam::444455556666:role/{model.V2_ROLE_NAME_PREFIX}abc"
    assert audit.profile_of(shaped, [], ACCOUNT) is model.V2
    assert audit.profile_of(shaped, [], "444455556666") is None  # the audited account's own role
    assert audit.profile_of(shaped.replace(":role/", ":user/"), [], ACCOUNT) is None


def test_an_unreadable_key_or_iam_is_a_finding_not_a_failure() -> None:
    broken = audit.KeyFacts(KEY, "us-east-1", None, error="DescribeKey: AccessDeniedException")
    iam = audit.Unreadable("iam", "AccessDenied", "ListRoles: AccessDenied: no")
    report = audit.audit(audit.Inventory(("us-east-1",), (broken,), (), (iam,)), [])
    assert [(f.code, f.subject) for f in report.findings] == [
        (audit.UNREADABLE, "iam"),
        (audit.UNREADABLE, KEY),
    ]
    assert report.readable and report.exit_code == 1


# --- Issue 15: v2 found by the role's shape; fixes safe to run as printed ----------------------

CH_ROLE = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/{model.V2_ROLE_NAME_PREFIX}4f1c2d3e-0000-4abc"
V2_NEEDED = set(iam_policy.real_actions(model.V2.actions))
# name -> (statements beyond the root's, the findings the audit must report for CH_ROLE)
SHAPED: dict[str, tuple[tuple[dict, ...], set[str]]] = {
    "typo": ((statement(CH_ROLE, TYPO_ACTIONS, V2_SID),), {audit.TYPO}),
    "broad": ((statement(CH_ROLE, "kms:*", "ops-wide"),), {audit.BROADER}),
    "shared-broad": (
        (statement([V1, CH_ROLE], V1_ACTIONS + V2_ACTIONS),),
        {audit.BROADER, audit.V1_GRANTED},
    ),
    "missing": (
        (statement(CH_ROLE, [a for a in V2_ACTIONS if a != "kms:Decrypt"], V2_SID),),
        {audit.V2_MISSING},
    ),
    "typo-and-broad": (
        (statement(CH_ROLE, [*TYPO_ACTIONS, "kms:CreateGrant"], "mine"),),
        {audit.TYPO, audit.BROADER},
    ),
}


def _role_access(kms, arn: str) -> set[str]:
    """The v2 actions CH_ROLE is allowed on the key now, by the shared evaluator."""
    policy = iam_policy.load(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
    grants = iam_policy.evaluate(policy, CH_ROLE, sorted(V2_NEEDED), arn)
    return {a for a, g in grants.items() if g.allowed}


def test_v2_grant_found_by_role_shape_and_its_fixes_are_safe_in_order(aws, tmp_path) -> None:
    """No --clickhouse-account: a CH-TDE-... role of another account is a v2 grant. Each printed
    fix, run as printed (a real subprocess against moto), never takes an action of the v2 set
    from the role, and after the last one verify-key says valid."""
    kms = aws("kms")
    arns = {}
    for name, (statements, _) in SHAPED.items():
        meta = kms.create_key(Policy=key_policy(*statements), KeyUsage=model.KEY_USAGE)
        arns[name] = meta["KeyMetadata"]["Arn"]
    names = {arn: name for name, arn in arns.items()}
    endpoint = kms.meta.endpoint_url
    result, report = run_audit(endpoint, regions=("us-east-1",), accounts=())
    assert result.returncode == 1, result.stderr
    assert {
        (names[a["key_arn"]], a["profile"]) for a in report["access"] if a["principal"] == CH_ROLE
    } == {(name, "v2") for name in SHAPED}
    for name, (_, expected) in SHAPED.items():
        codes = {f["code"] for f in report["findings"] if f["subject"] == arns[name]}
        assert codes == expected, name
    fixes = list(dict.fromkeys(f["fix"] for f in report["findings"]))
    assert all(fix.startswith("cmek ") and fix.endswith(audit.APPLY_FLAG) for fix in fixes)
    assert len(fixes) == len(SHAPED) + 1  # one command per key, plus the v1 revoke
    for fix in fixes:
        key = re.search(r"--key-arn (\S+)", fix).group(1)
        before = _role_access(kms, key)
        done = subprocess.run(
            [sys.executable, "-m", "cmek", *shlex.split(fix)[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, (fix, done.stderr)
        assert "applied:" in done.stderr, done.stderr
        assert _role_access(kms, key) >= before, fix
    for name, arn in arns.items():
        request = verify_key.Request(verify_key.parse_key_ref(arn), "us-east-1", model.V2, CH_ROLE)
        verdict = verify_key_fetch.verify(request, endpoint)
        assert verdict.verdict == "valid", (name, verdict.reasons)
    result, after = run_audit(endpoint, regions=("us-east-1",), accounts=())
    assert (result.returncode, after["findings"]) == (0, []), after["findings"]


def test_a_conditional_grant_to_v1_is_reported_and_csv_cells_cannot_run(aws, capsys) -> None:
    """A Condition does not take the retired principal out of a key policy: the grant is a HIGH
    finding with its condition, in every format. Its Sid, chosen by whoever wrote the policy,
    starts like a spreadsheet formula: in CSV it is shown as text (OWASP "CSV Injection")."""
    import csv

    sid = '=HYPERLINK("http://evil.example","x")'
    conditional = {
        **statement(V1, V1_ACTIONS, sid),
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }
    kms = aws("kms", "us-east-1")
    # moto 5.2.5 leaves KeyUsage out of DescribeKey unless CreateKey was given it.
    arn = kms.create_key(Policy=key_policy(conditional), KeyUsage=model.KEY_USAGE)["KeyMetadata"][
        "Arn"
    ]
    endpoint = kms.meta.endpoint_url
    code, report = json_here(capsys, endpoint, regions=("us-east-1",))
    assert code == 1
    assert report["access"] == []
    [finding] = report["findings"]
    assert finding["code"] == model.FINDING_V1_CONDITIONAL == audit.V1_CONDITIONAL
    assert (finding["subject"], finding["principal"]) == (arn, V1)
    assert finding["severity"] == "HIGH"
    assert '{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}' in finding["message"]
    assert finding["fix"] == f"cmek revoke --cmek-version v1 --key-arn {arn} --endpoint-url " + (
        f"{endpoint} --apply"
    )
    _, table = audit_here(capsys, endpoint, "--format", "csv", regions=("us-east-1",))
    [row] = [r for r in csv.DictReader(io.StringIO(table)) if r["record"] == "finding"]
    assert row["severity"] == "HIGH"
    assert row["message"].startswith("statement ")  # not a formula: left as it is
    assert f"statement {sid!r}" in row["message"]
    # The same Sid on a plain grant is an access row's `where` cell, which it would begin.
    kms.create_key(Policy=key_policy(statement(V1, V1_ACTIONS, sid)), KeyUsage=model.KEY_USAGE)
    _, table = audit_here(capsys, endpoint, "--format", "csv", regions=("us-east-1",))
    [access] = [r for r in csv.DictReader(io.StringIO(table)) if r["record"] == "access"]
    assert access["where"] == f"'{sid}"
    _, text = audit_here(capsys, endpoint, regions=("us-east-1",))
    assert f"  HIGH   {model.FINDING_V1_CONDITIONAL}  {arn}: " in text


@pytest.mark.parametrize("start", list(model.CSV_FORMULA_STARTS))
def test_a_csv_cell_that_starts_like_a_formula_is_prefixed(start: str) -> None:
    cell = f"{start}cmd|' /C calc'!A0"
    assert audit_render.csv_cell(cell) == f"'{cell}"
    assert audit_render.csv_cell(f"x{cell}") == f"x{cell}"
    assert audit_render.csv_cell(3) == 3


def test_printed_fixes_are_shell_quoted() -> None:
    import shlex

    endpoint = "http://127.0.0.1:5000/$(touch pwned)"
    fix = audit.Fixes(endpoint).revoke(model.V1, V1, KEY)
    assert shlex.split(fix)[-3:] == ["--endpoint-url", endpoint, audit.APPLY_FLAG]
