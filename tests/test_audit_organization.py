"""`cmek audit --organization` against the moto server: an organization of several accounts, each
entered through its role, `--format asff` and `--security-hub`.

moto 5.2.5 serves Organizations (CreateAccount, ListAccounts, CloseAccount), STS AssumeRole with a
session per account (keys created with it live in that account), KMS, IAM and Security Hub
(BatchImportFindings updates a finding of the same Id; GetFindings ignores Filters, which the code
applies again). It lets any role be assumed, so a refused AssumeRole comes from the test's proxy
in front of moto; a suspended account is one closed with CloseAccount (moto then lists it as
SUSPENDED, as AWS does during the 90 days after closing).
"""

from __future__ import annotations

import http.client
import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import botocore.session
import pytest
from cmek import model
from cmek.audit import evaluate as audit

V1 = model.V1.principal
CH_ROLE = f"arn:aws:iam::999988887777:role/{model.V2_ROLE_NAME_PREFIX}0123-abcd"
TYPO = [model.REENCRYPT_TYPO if a == "kms:ReEncrypt*" else a for a in model.V2.actions]
REGION = "us-east-1"


def policy(account: str, principal: str, actions: Any) -> str:
    root = {
        "Sid": model.KEY_POLICY_ROOT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    grant = {
        "Sid": "grant",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions,
        "Resource": "*",
    }
    return json.dumps({"Version": model.POLICY_VERSION, "Statement": [root, grant]})


class Proxy:
    """Forwards every request to moto; `answer(path, body)` may answer one itself (status, content
    type, body), or rewrite moto's answer (`rewrite`). Subclasses model what moto does not."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, body: bytes) -> tuple[int, str, bytes] | None:
        return None

    def rewrite(self, path: str, body: bytes, status: int, reply: bytes) -> bytes:
        return reply

    def forward(self, path: str, body: bytes, headers: dict) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection(self.upstream, timeout=30)
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        status, reply = response.status, response.read()
        kind = response.getheader("Content-Type", "")
        connection.close()
        return status, kind, self.rewrite(path, body, status, reply)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                status, kind, reply = proxy.answer(self.path, body) or proxy.forward(
                    self.path, body, headers
                )
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


class DenyAssume(Proxy):
    """Refuses AssumeRole into `account` as AWS does (AccessDenied); moto lets any role in."""

    def __init__(self, upstream: str, account: str) -> None:
        super().__init__(upstream)
        self.account = account

    def answer(self, path: str, body: bytes) -> tuple[int, str, bytes] | None:
        if b"Action=AssumeRole" in body and self.account.encode() in body:
            return (
                403,
                "text/xml",
                b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                b"<Message>denied by a service control policy</Message></Error></ErrorResponse>",
            )
        return None


@contextmanager
def serving(proxy: Proxy) -> Iterator[Proxy]:
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()


def session_in(endpoint: str, account: str) -> boto3.session.Session:
    sts = boto3.client("sts", region_name=REGION, endpoint_url=endpoint)
    role = f"arn:aws:iam::{account}:role/{model.DEFAULT_ORG_ROLE_NAME}"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


@pytest.fixture
def org(aws) -> Iterator[dict[str, Any]]:
    organizations = aws("organizations")
    organizations.create_organization(FeatureSet="ALL")
    ids = {}
    for name in ("apps", "data", "closed", "locked"):
        made = organizations.create_account(Email=f"{name}@example.com", AccountName=name)
        ids[name] = made["CreateAccountStatus"]["AccountId"]
    organizations.close_account(AccountId=ids["closed"])
    endpoint = aws("kms").meta.endpoint_url
    keys = {}
    kms = session_in(endpoint, ids["apps"]).client("kms", endpoint_url=endpoint)
    for name, principal, actions in (
        ("apps-v1", V1, list(model.V1.actions)),
        ("apps-typo", CH_ROLE, TYPO),
    ):
        keys[name] = kms.create_key(Policy=policy(ids["apps"], principal, actions))["KeyMetadata"]
    kms_data = session_in(endpoint, ids["data"]).client("kms", endpoint_url=endpoint)
    meta = kms_data.create_key(Policy=policy(ids["data"], CH_ROLE, list(model.V2.actions)))
    keys["data-v2"] = meta["KeyMetadata"]
    with serving(DenyAssume(endpoint, ids["locked"])) as proxy:
        yield {"ids": ids, "keys": keys, "endpoint": proxy.url, "moto": endpoint}


def org_audit(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    argv = ["audit", "--organization", "--endpoint-url", endpoint, "--region", REGION, *args]
    result = subprocess.run(
        [sys.executable, "-m", "cmek", *argv], capture_output=True, text=True, timeout=180
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_organization_report_names_every_account_and_key(org) -> None:
    result = org_audit(org["endpoint"], "--format", "json", "--concurrency", "4")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    ids, keys = org["ids"], org["keys"]
    by_account = {a["account_id"]: a for a in report["accounts"]}
    assert set(by_account) == {*ids.values(), "123456789012"}
    assert by_account[ids["apps"]]["account_name"] == "apps"
    codes = {
        (f["account_id"], f["code"], f["subject"])
        for a in report["accounts"]
        for f in a["findings"]
    }
    assert codes == {
        (ids["apps"], audit.V1_GRANTED, keys["apps-v1"]["Arn"]),
        (ids["apps"], audit.TYPO, keys["apps-typo"]["Arn"]),
        (ids["closed"], audit.ACCOUNT_NOT_AUDITED, ids["closed"]),
        (ids["locked"], audit.ACCOUNT_NOT_AUDITED, ids["locked"]),
    }
    reasons = {
        a["account_id"]: a["findings"][0]["message"] for a in report["accounts"] if a["findings"]
    }
    assert "SUSPENDED" in reasons[ids["closed"]]
    assert "AccessDenied" in reasons[ids["locked"]]
    access = {
        (a["account_id"], a["key_arn"], a["profile"])
        for r in report["accounts"]
        for a in r["access"]
    }
    assert (ids["data"], keys["data-v2"]["Arn"], "v2") in access
    assert report["summary"] == "cmek audit: 3 of 5 account(s) audited; 4 finding(s)"
    assert report["exit_code"] == 1


def test_exclude_and_only_accounts(org) -> None:
    ids = org["ids"]
    result = org_audit(org["endpoint"], "--format", "csv", "--account", ids["data"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("account_id,account_name,record,subject")
    assert all(line.startswith(f"{ids['data']},data,") for line in lines[1:]) and len(lines) == 2
    result = org_audit(
        org["endpoint"], "--exclude-account", ids["locked"], "--exclude-account", ids["closed"]
    )
    assert result.returncode == 1
    assert (
        ids["locked"] not in result.stdout and f"== account {ids['apps']} (apps)" in result.stdout
    )


def test_asff_has_every_required_member_of_botocores_model(org) -> None:
    result = org_audit(org["endpoint"], "--format", "asff")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["Findings"]
    shape = botocore.session.get_session().get_service_model("securityhub")
    required = shape.shape_for("AwsSecurityFinding").required_members
    resource_required = shape.shape_for("Resource").required_members
    assert len(findings) == 4
    for finding in findings:
        assert set(required) <= set(finding), finding
        assert all(set(resource_required) <= set(r) for r in finding["Resources"])
        assert (
            finding["Severity"]["Label"]
            == model.ASFF_SEVERITY[finding["ProductFields"]["cmek/code"]]
        )
    typo = next(f for f in findings if f["ProductFields"]["cmek/code"] == audit.TYPO)
    assert typo["Remediation"]["Recommendation"]["Text"].startswith("cmek grant ")
    assert typo["Resources"][0]["Type"] == "AwsKmsKey"
    assert len({f["Id"] for f in findings}) == len(findings)
    again = json.loads(org_audit(org["endpoint"], "--format", "asff").stdout)["Findings"]
    assert {f["Id"] for f in again} == {f["Id"] for f in findings}  # stable across runs


def _hub_findings(org, account: str) -> list[dict]:
    hub = session_in(org["moto"], account).client("securityhub", endpoint_url=org["moto"])
    pages = hub.get_paginator("get_findings").paginate()
    return [f for page in pages for f in page["Findings"]]


def test_security_hub_twice_no_duplicates_and_a_fixed_finding_is_archived(org) -> None:
    ids, keys = org["ids"], org["keys"]
    first = org_audit(org["endpoint"], "--security-hub")
    assert first.returncode == 1, first.stderr
    after_first = _hub_findings(org, ids["apps"])
    assert len(after_first) == 2
    second = org_audit(org["endpoint"], "--security-hub")
    assert second.returncode == 1, second.stderr
    after_second = _hub_findings(org, ids["apps"])
    assert sorted(f["Id"] for f in after_second) == sorted(f["Id"] for f in after_first)
    kms = session_in(org["moto"], ids["apps"]).client("kms", endpoint_url=org["moto"])
    fixed = policy(ids["apps"], CH_ROLE, list(model.V2.actions))
    kms.put_key_policy(KeyId=keys["apps-typo"]["KeyId"], PolicyName="default", Policy=fixed)
    third = org_audit(org["endpoint"], "--security-hub")
    assert third.returncode == 1, third.stderr
    states = {
        f["ProductFields"]["cmek/code"]: f["RecordState"] for f in _hub_findings(org, ids["apps"])
    }
    assert states == {audit.V1_GRANTED: "ACTIVE", audit.TYPO: "ARCHIVED"}
    assert _hub_findings(org, ids["data"]) == []


# --- The progress line (issue 19) -----------------------------------------------------------------

PROGRESS = re.compile(r"\raudit: (\d+)/(\d+) accounts, (\d+)/(\d+) regions")


def org_audit_on_terminal(endpoint: str, *args: str) -> tuple[int, str, str]:
    """The audit with a real pseudo-terminal as its stderr (where the progress line goes) and a
    pipe as its stdout; the terminal is read while the child runs, so it never blocks."""
    master, slave = pty.openpty()
    argv = ["audit", "--organization", "--endpoint-url", endpoint, "--region", REGION, *args]
    child = subprocess.Popen(
        [sys.executable, "-m", "cmek", *argv], stdout=subprocess.PIPE, stderr=slave, text=True
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child's side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    out, _ = child.communicate(timeout=180)
    reader.join(timeout=10)
    os.close(master)
    return child.returncode, out, b"".join(chunks).decode()


def test_progress_line_on_a_terminal_and_none_in_a_pipe(org) -> None:
    # Audited: every active account (the management account included); a suspended one is
    # reported at once and never entered, so it is not counted in the line.
    accounts = len(org["ids"]) - 1 + 1
    code, out, terminal = org_audit_on_terminal(org["endpoint"], "--format", "json")
    assert code == 1, terminal
    assert json.loads(out)["exit_code"] == 1  # the report on stdout is untouched
    seen = [tuple(map(int, m)) for m in PROGRESS.findall(terminal)]
    assert seen == [(n, accounts, n, accounts) for n in range(1, accounts + 1)], terminal
    assert terminal.endswith("\r\x1b[K"), repr(terminal[-40:])  # the line is cleared at the end
    piped = org_audit(org["endpoint"], "--format", "json")
    assert piped.returncode == 1
    assert "audit:" not in piped.stderr and "\r" not in piped.stderr, piped.stderr


# --- Security Hub: batches, retries, refused findings (issue 19) ---------------------------------

IMPORT_PATH = "/findings/import"  # BatchImportFindings (botocore's securityhub model)


class HubProxy(Proxy):
    """Counts BatchImportFindings requests and the findings each carries; answers the first with
    Security Hub's throttling error (botocore retries it), and reports every finding whose Id holds
    one of `refuse` as refused (FailedFindings), as Security Hub does for a finding it rejects.
    moto imports every finding and never throttles, so both come from here."""

    def __init__(self, upstream: str, refuse: tuple[str, ...]) -> None:
        super().__init__(upstream)
        self.refuse = refuse
        self.batches: list[int] = []
        self.throttled = 0

    def answer(self, path: str, body: bytes) -> tuple[int, str, bytes] | None:
        if path != IMPORT_PATH or self.throttled:
            return None
        self.throttled += 1
        error = {"__type": "TooManyRequestsException", "message": "Rate exceeded"}
        return 429, "application/json", json.dumps(error).encode()

    def rewrite(self, path: str, body: bytes, status: int, reply: bytes) -> bytes:
        if path != IMPORT_PATH or status != 200:
            return reply
        sent = [f["Id"] for f in json.loads(body)["Findings"]]
        self.batches.append(len(sent))
        refused = [i for i in sent if any(r in i for r in self.refuse)]
        answer = json.loads(reply)
        answer["FailedCount"], answer["SuccessCount"] = len(refused), len(sent) - len(refused)
        answer["FailedFindings"] = [
            {"Id": i, "ErrorCode": "InvalidInput", "ErrorMessage": "refused by the test"}
            for i in refused
        ]
        return json.dumps(answer).encode()


def test_security_hub_batches_of_100_retried_and_refused_findings_named(org) -> None:
    data = org["ids"]["data"]
    kms = session_in(org["moto"], data).client("kms", endpoint_url=org["moto"])
    typo = policy(data, CH_ROLE, TYPO)
    made = [kms.create_key(Policy=typo)["KeyMetadata"]["KeyId"] for _ in range(130)]
    refuse = (made[7], made[120])
    with serving(HubProxy(org["moto"], refuse)) as hub:
        result = org_audit(hub.url, "--account", data, "--security-hub")
    assert hub.throttled == 1  # the throttled request was retried: every batch below arrived
    assert hub.batches and max(hub.batches) <= model.ASFF_BATCH_SIZE, hub.batches
    assert sum(hub.batches) == len(made) and len(hub.batches) == -(-len(made) // 100)
    refused = [
        line for line in result.stderr.splitlines() if "Security Hub refused finding" in line
    ]
    assert len(refused) == len(refuse), result.stderr
    for key_id in refuse:
        [line] = [line for line in refused if key_id in line]
        assert line.endswith(": InvalidInput refused by the test"), line
    assert result.returncode == 3, result.stderr  # a write failed, though the audit was done
    assert len(_hub_findings(org, data)) == len(made)  # moto imported what the proxy called refused


def test_assumed_sessions_share_one_botocore_loader(org) -> None:
    # Each account's session used to parse botocore's service models again (~25 MB per account
    # in progress); one shared loader parses them once per run.
    from cmek.audit import fetch, organization

    ctx = fetch.Context((REGION,), (), org["moto"], 2, fetch.CallCounter())
    base = boto3.session.Session(region_name=REGION)
    members = [
        organization.Member(org["ids"][name], name, model.ORG_ACCOUNT_ACTIVE, "aws")
        for name in ("apps", "data")
    ]
    sessions = [
        organization.assumed_session(base, m, model.DEFAULT_ORG_ROLE_NAME, ctx) for m in members
    ]
    loaders = {id(s._session.get_component("data_loader")) for s in sessions}
    assert len(loaders) == 1
    identities = [
        c.get_caller_identity()["Account"]
        for c in (s.client("sts", endpoint_url=org["moto"]) for s in sessions)
    ]
    assert identities == [m.account_id for m in members]  # still one account per session
