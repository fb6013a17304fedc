"""Hostile inputs to every command, as an attacker or an unlucky command line would give them.

Each case runs `python -m cmek ...` as a real subprocess in its own working directory and
expects an honest exit code (2 bad input, 1 a finding, 3 stdout unusable), ONE short line on stderr
(no traceback, never the whole bad value), and nothing written: the working directory (which holds
every file and folder the case names) is the same before and after, byte for byte.

No case reaches AWS: every value is refused before a client is made (AWS variables point nowhere).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cmek import build, model

# "About 300": the longest explanation of what is expected, plus an 80-character quote.
LINE_MAX = 320
KEY = model.EXAMPLE_KEY_ARN
ROLE = model.EXAMPLE_ROLE_ARN
ROLE_65 = f"arn:aws:iam::{model.EXAMPLE_ACCOUNT}:role/{'r' * 65}"
HUGE = "x" * 100_000  # under the kernel's 128 KB per argument; 50 MB goes through a config file
TIMEOUT = 60


def _url(bucket: str, prefix: str = "cf/") -> str:
    return f"https://s3.us-east-2.amazonaws.com/{bucket}/{prefix}"


# --- What a case may set up in its working directory --------------------------------------------
def _config(text: str) -> Callable[[Path], None]:
    return lambda cwd: (cwd / "cmek.toml").write_text(text)


def _fifo(cwd: Path) -> None:
    os.mkfifo(cwd / "fifo")


def _big(cwd: Path) -> None:
    (cwd / "big.toml").write_text("# " + "x" * (model.CONFIG_FILE_MAX_BYTES + 10))


def _huge_principal(cwd: Path) -> None:
    (cwd / "cmek.toml").write_text(f'principal = "{ROLE}{"x" * 60_000}"\n')


def _mine(cwd: Path) -> None:
    (cwd / "mine").mkdir()
    (cwd / "mine" / "notes.txt").write_text("someone's notes")


def _somedir(cwd: Path) -> None:
    (cwd / "somedir").mkdir()


def _binary(cwd: Path) -> None:
    (cwd / "cmek.toml").write_bytes(b"\xff\xfe principal")


def _dist(cwd: Path) -> None:
    # A fresh build of the default config, made once per session (tests/conftest.py `built`).
    shutil.copytree(_BUILT["path"], cwd / "dist", symlinks=True)


def _dist_with(edit: Callable[[Path], None], rewrite_manifest: bool = False):
    def setup(cwd: Path) -> None:
        _dist(cwd)
        edit(cwd / "dist")
        if rewrite_manifest:
            # As an attacker who can edit the files can edit the manifest too.
            files = {
                p.relative_to(cwd / "dist").as_posix(): p.read_text()
                for p in sorted((cwd / "dist").rglob("*"))
                if p.is_file() and p.name != model.MANIFEST_FILE
            }
            (cwd / "dist" / model.MANIFEST_FILE).write_text(build.manifest(files))

    return setup


def _socket(dist: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(dist / "sock"))


def _symlinked_dir(dist: Path) -> None:
    outside = dist.parent / "outside"
    shutil.move(dist / model.TERRAFORM_DIR, outside)
    (dist / model.TERRAFORM_DIR).symlink_to(outside)


def _pad(relpath: str, size: int) -> Callable[[Path], None]:
    return lambda dist: (dist / relpath).write_text((dist / relpath).read_text() + "#" * size)


def _link(cwd: Path) -> None:
    _dist(cwd)
    (cwd / "link").symlink_to(cwd / "dist")


def _home(cwd: Path) -> None:
    (cwd / "home" / "notes.txt").write_text("mine")


def _policy(text: str) -> Callable[[Path], None]:
    return lambda cwd: (cwd / "policy.json").write_text(text)


def _statement(extra: str) -> str:
    return (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow", '
        f'"Principal": {{"AWS": "{model.V1.principal}"}}, "Action": "kms:Decrypt", '
        f'"Resource": "*"{extra}}}]}}'
    )


SURROGATE = _policy(_statement(', "Condition": {"StringEquals": {"aws:x": "\\ud800"}}'))
NAN = _policy(_statement(', "Condition": {"NumericLessThan": {"aws:x": NaN}}'))
INFINITY = _policy(_statement(', "Condition": {"NumericLessThan": {"aws:x": -Infinity}}'))
# A name over NAME_MAX (255 bytes), and a path over PATH_MAX (4096 bytes) of legal names.
LONG_NAME = "n" * 300
LONG_PATH = "/".join(["p" * 200] * 25)


def _tampered(cwd: Path) -> None:
    """A build whose template an attacker edited, manifest rewritten: only the checks see it."""
    _dist_with(
        lambda d: (d / model.STACK_COMBINED.path).write_text(
            (d / model.STACK_COMBINED.path).read_text().replace("kms:Decrypt", "kms:Decryp")
        ),
        rewrite_manifest=True,
    )(cwd)


_BUILT: dict[str, Path] = {}


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    expect: str
    code: int = 2
    setup: tuple[Callable[[Path], None], ...] = ()
    stdout: str = "capture"  # capture | closed | full
    writes: bool = False  # True only for a build that succeeds (stdout cases)
    extra: dict = field(default_factory=dict)


def c(*argv: str, expect: str, code: int = 2, setup=(), **kw) -> Case:
    return Case(tuple(argv), expect, code, tuple(setup), **kw)


BUILD = {
    "config /dev/zero": c("build", "--config", "/dev/zero", expect="character device"),
    "config FIFO": c("build", "--config", "fifo", expect="is a FIFO", setup=[_fifo]),
    "config directory": c("build", "--config", "somedir", expect="directory", setup=[_somedir]),
    "config oversized": c("build", "--config", "big.toml", expect="larger than", setup=[_big]),
    "config missing": c("build", "--config", "none.toml", expect="cannot read it"),
    "config not UTF-8": c("build", "--config", "cmek.toml", expect="TOML", setup=[_binary]),
    "role path empty segment": c(
        "build",
        "--config",
        "cmek.toml",
        expect="empty segment",
        setup=[_config(f'principal = "arn:aws:iam::{model.EXAMPLE_ACCOUNT}:role//x"')],
    ),
    "role name empty": c(
        "build",
        "--config",
        "cmek.toml",
        expect="role name",
        setup=[_config(f'principal = "arn:aws:iam::{model.EXAMPLE_ACCOUNT}:role/name/"')],
    ),
    "role name 65 characters": c(
        "build",
        "--config",
        "cmek.toml",
        expect="1-64",
        setup=[_config(f'principal = "{ROLE_65}"')],
    ),
    "principal 60 KB": c(
        "build", "--config", "cmek.toml", expect="characters)", setup=[_huge_principal]
    ),
    "v2 without principal": c(
        "build", "--config", "cmek.toml", expect="required", setup=[_config('profile = "v2"')]
    ),
    "unknown region": c(
        "build",
        "--config",
        "cmek.toml",
        expect="us-east-9",
        setup=[_config('regions = ["us-east-9"]')],
    ),
    **{
        f"bucket {name}": c(
            "build",
            "--config",
            "cmek.toml",
            expect=expect,
            setup=[_config(f'template_url_base = "{_url(name)}"')],
        )
        for name, expect in {
            "192.168.1.1": "IP address",
            "xn--bucket": "xn--",
            "sthree-bucket": "sthree-",
            "bucket-s3alias": "-s3alias",
            "bucket--ol-s3": "--ol-s3",
            "a..bucket": "'..'",
            "a.-bucket": "'.-'",
            "a-.bucket": "'-.'",
        }.items()
    },
    **{
        f"url prefix {prefix}": c(
            "build",
            "--config",
            "cmek.toml",
            expect=expect,
            setup=[_config(f'template_url_base = "{_url("my.bucket", prefix)}"')],
        )
        for prefix, expect in {
            "a/../": "'..' segments",
            "./": "'..' segments",
            "%2e%2e/": "expected an S3 URL",
            "a//": "expected an S3 URL",
        }.items()
    },
    "out holds someone's files": c("build", "--out", "mine", expect="no manifest", setup=[_mine]),
    "out spelled mine/": c("build", "--out", "mine/", expect="no manifest", setup=[_mine]),
    "out spelled ./mine/..": c("build", "--out", "./mine/..", expect="ending in a name"),
    "out a symlink to a build": c("build", "--out", "link", expect="symbolic link", setup=[_link]),
    "out the cwd": c("build", "--out", ".", expect="ending in a name"),
    "out /": c("build", "--out", "/", expect="ending in a name"),
    "out HOME": c("build", "--out", "home", expect="your home", setup=[_home]),
    "out a FIFO": c("build", "--out", "fifo", expect="found a FIFO", setup=[_fifo]),
    "out /dev/null": c("build", "--out", "/dev/null", expect="character device"),
    "out an edited build": c(
        "build",
        "--out",
        "dist",
        expect="edited after the build",
        setup=[_dist_with(_pad(model.DOCS_FILE, 1))],
    ),
    "out a build plus a file": c(
        "build",
        "--out",
        "dist",
        expect="not part of its cmek build",
        setup=[_dist_with(lambda d: (d / "notes.txt").write_text("mine"))],
    ),
    "out name over NAME_MAX": c("build", "--out", LONG_NAME, expect="at most 255 bytes"),
    "out path over PATH_MAX": c("build", "--out", LONG_PATH, expect="bytes in all"),
    "config name over NAME_MAX": c("build", "--config", LONG_NAME, expect="File name too long"),
    "config path over PATH_MAX": c("build", "--config", LONG_PATH, expect="File name too long"),
    "stdout closed": c(
        "build",
        "--out",
        "new",
        expect="warning: the build is in new",
        code=0,
        stdout="closed",
        writes=True,
    ),
    "stdout full": c(
        "build", "--out", "new", expect="No space left", code=0, stdout="full", writes=True
    ),
}

CHECK = {
    "a FIFO": c(
        "check",
        "dist",
        expect="fifo: CMEK-DIST-001 is a FIFO",
        code=1,
        setup=[_dist_with(lambda d: os.mkfifo(d / "fifo"))],
    ),
    "a socket": c("check", "dist", expect="is a socket", code=1, setup=[_dist_with(_socket)]),
    "README a link to /dev/zero": c(
        "check",
        "dist",
        expect="README.md: CMEK-DIST-001 is a symbolic link to outside DIR",
        code=1,
        setup=[
            _dist_with(
                lambda d: ((d / "README.md").unlink(), (d / "README.md").symlink_to("/dev/zero"))
            )
        ],
    ),
    "a symlinked directory": c(
        "check",
        "dist",
        expect="terraform: CMEK-DIST-001 is a symbolic link",
        code=1,
        setup=[_dist_with(_symlinked_dir)],
    ),
    "an oversized template": c(
        "check",
        "dist",
        expect="over the 1048576-byte cap",
        code=1,
        setup=[_dist_with(_pad(model.STACK_COMBINED.path, 1_100_000), rewrite_manifest=True)],
    ),
    "an extra file, manifest rewritten": c(
        "check",
        "dist",
        expect="extra.txt: CMEK-DIST-001 not written by a build",
        code=1,
        setup=[_dist_with(lambda d: (d / "extra.txt").write_text("x"), rewrite_manifest=True)],
    ),
    "a missing file, manifest rewritten": c(
        "check",
        "dist",
        expect=f"{model.SNIPPET_FILE}: CMEK-DIST-001 missing",
        code=1,
        setup=[_dist_with(lambda d: (d / model.SNIPPET_FILE).unlink(), rewrite_manifest=True)],
    ),
    "DIR /dev/zero": c("check", "/dev/zero", expect="expected a directory built"),
    "DIR a FIFO": c("check", "fifo", expect="expected a directory built", setup=[_fifo]),
    "manifest deleted": c(
        "check",
        "dist",
        expect=f"{model.MANIFEST_FILE}: CMEK-DIST-001 missing",
        code=1,
        setup=[_dist_with(lambda d: (d / model.MANIFEST_FILE).unlink())],
    ),
    "DIR name over NAME_MAX": c("check", LONG_NAME, expect="File name too long"),
    "manifest a link to /dev/zero": c(
        "check",
        "dist",
        expect=f"{model.MANIFEST_FILE}: CMEK-DIST-001 is a symbolic link",
        code=1,
        setup=[
            _dist_with(
                lambda d: (
                    (d / model.MANIFEST_FILE).unlink(),
                    (d / model.MANIFEST_FILE).symlink_to("/dev/zero"),
                )
            )
        ],
    ),
    "config /dev/zero": c("check", "--config", "/dev/zero", expect="character device"),
    "config FIFO": c("check", "--config", "fifo", expect="is a FIFO", setup=[_fifo]),
    "stdout full": c("check", "dist", expect="No space left", code=3, stdout="full", setup=[_dist]),
}

LINKS = {
    "empty stack name": c("links", "--stack-name", "", expect="1-128"),
    "long stack name": c("links", "--stack-name", "a" * 129, expect="1-128"),
    "unknown region": c("links", "--region", "us-east-9", expect="us-east-9"),
    "key in no region": c(
        "links",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY.replace("us-east-1", "xx-moon-1"),
        expect="xx-moon-1",
    ),
    "key 100 KB": c("links", "--cmek-version", "v1", "--key-arn", HUGE, expect="characters)"),
    "external id too short": c(
        "links", "--cmek-version", "v1", "--external-id", "x", expect="2-1224"
    ),
    "config FIFO": c("links", "--config", "fifo", expect="is a FIFO", setup=[_fifo]),
    "stdout closed": c("links", expect="Bad file descriptor", code=3, stdout="closed"),
    "stdout full": c("links", expect="No space left", code=3, stdout="full"),
}

SNIPPET = {
    "config /dev/zero": c("snippet", "--config", "/dev/zero", expect="character device"),
    "role name 65 characters": c(
        "snippet",
        "--config",
        "cmek.toml",
        expect="1-64",
        setup=[_config(f'principal = "{ROLE_65}"')],
    ),
    "stdout closed": c(
        "snippet", "--cmek-version", "v1", expect="Bad file descriptor", code=3, stdout="closed"
    ),
    "stdout full": c(
        "snippet", "--cmek-version", "v1", expect="No space left", code=3, stdout="full"
    ),
}

PUBLISH = {
    **{
        f"bucket {name}": c("publish", "--bucket", name, expect=expect)
        for name, expect in {
            "192.168.1.1": "IP address",
            "xn--bucket": "xn--",
            "bucket-s3alias": "-s3alias",
            "a..b": "'..'",
            "ab": "3-63",
            HUGE: "characters)",
        }.items()
    },
    "prefix dot segment": c(
        "publish", "--bucket", "my-bucket", "--prefix", "a/../b", expect="key segments"
    ),
    "version ..": c("publish", "--bucket", "my-bucket", "--version", "..", expect="key segment"),
    "version latest": c(
        "publish", "--bucket", "my-bucket", "--version", "latest", expect="key segment"
    ),
    "region unknown": c(
        "publish", "--bucket", "my-bucket", "--region", "us-moon-1", expect="where S3 runs"
    ),
    "region upper case": c(
        "publish", "--bucket", "my-bucket", "--region", "US-EAST-1", expect="where S3 runs"
    ),
    "DIR name over NAME_MAX": c(
        "publish", "--bucket", "my-bucket", LONG_NAME, expect="File name too long"
    ),
    "DIR a build check refuses": c(
        "publish",
        "--bucket",
        "my-bucket",
        "dist",
        expect="refused: ",
        code=1,
        setup=[_tampered],
    ),
    "DIR not a build": c(
        "publish", "--bucket", "my-bucket", "mine", expect="cannot read the build", setup=[_mine]
    ),
}

VERIFY_KEY = {
    "key in no region": c(
        "verify-key",
        "--cmek-version",
        "v1",
        KEY.replace("us-east-1", "us-moon-1"),
        expect="us-moon-1",
    ),
    "key 100 KB": c("verify-key", "--cmek-version", "v1", HUGE, expect="characters)"),
    "region unknown": c(
        "verify-key", "--cmek-version", "v1", KEY, "--region", "xx-east-9", expect="xx-east-9"
    ),
    "principal empty path segment": c(
        "verify-key", KEY, "--principal", ROLE.replace("role/", "role//"), expect="empty segment"
    ),
    "role arn 65 characters": c(
        "verify-key", "--cmek-version", "v1", KEY, "--role-arn", ROLE_65, expect="1-64"
    ),
    **{
        f"watch {value}": c(
            "verify-key",
            "--cmek-version",
            "v1",
            KEY,
            "--watch",
            value,
            expect=f"--watch {value!r}: expected a number of seconds from 1 to 86400",
        )
        for value in (
            "0",
            "0.5",
            "-1",
            "nan",
            "inf",
            "1e309",
            "1e3",
            "99999999999999999999",
            "86401",
            "\u0663",  # ARABIC-INDIC DIGIT THREE: float() takes it
            "\uff13",  # FULLWIDTH DIGIT THREE
            "\u00b2",  # SUPERSCRIPT TWO: isdigit() but not int()
            " 600",
        )
    },
}

GRANT = {
    "policy file FIFO": c(
        "grant", "--cmek-version", "v1", "--policy-file", "fifo", expect="FIFO", setup=[_fifo]
    ),
    "policy file /dev/zero": c(
        "grant", "--cmek-version", "v1", "--policy-file", "/dev/zero", expect="character device"
    ),
    "policy file directory": c(
        "grant",
        "--cmek-version",
        "v1",
        "--policy-file",
        "somedir",
        expect="directory",
        setup=[_somedir],
    ),
    "key in no region": c(
        "grant",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY.replace("us-east-1", "us-moon-1"),
        expect="us-moon-1",
    ),
    "principal empty role name": c(
        "grant",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY,
        "--principal",
        ROLE + "/",
        expect="role name",
    ),
    "policy file name over NAME_MAX": c(
        "grant", "--cmek-version", "v1", "--policy-file", LONG_NAME, expect="File name too long"
    ),
    "policy file path over PATH_MAX": c(
        "grant", "--cmek-version", "v1", "--policy-file", LONG_PATH, expect="File name too long"
    ),
    "policy lone surrogate": c(
        "grant",
        "--cmek-version",
        "v1",
        "--policy-file",
        "policy.json",
        expect="lone UTF-16 surrogate (\\ud800)",
        setup=[SURROGATE],
    ),
    "policy NaN": c(
        "grant",
        "--cmek-version",
        "v1",
        "--policy-file",
        "policy.json",
        expect="'NaN' is not a JSON value",
        setup=[NAN],
    ),
    "policy -Infinity": c(
        "grant",
        "--cmek-version",
        "v1",
        "--policy-file",
        "policy.json",
        expect="'-Infinity' is not a JSON value",
        setup=[INFINITY],
    ),
    "backup dir name over NAME_MAX": c(
        "grant",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY,
        "--apply",
        "--backup-dir",
        LONG_NAME,
        expect="at most 255 bytes",
    ),
    "backup dir path over PATH_MAX": c(
        "grant",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY,
        "--apply",
        "--backup-dir",
        LONG_PATH,
        expect="bytes in all",
    ),
    "region unknown": c(
        "grant",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY,
        "--region",
        "us-moon-1",
        expect="us-moon-1",
    ),
}

REVOKE = {
    "policy file FIFO": c(
        "revoke", "--cmek-version", "v1", "--policy-file", "fifo", expect="FIFO", setup=[_fifo]
    ),
    "key in no region": c(
        "revoke",
        "--cmek-version",
        "v1",
        "--key-arn",
        KEY.replace("us-east-1", "us-moon-1"),
        expect="us-moon-1",
    ),
    "policy lone surrogate": c(
        "revoke",
        "--cmek-version",
        "v1",
        "--policy-file",
        "policy.json",
        expect="lone UTF-16 surrogate",
        setup=[SURROGATE],
    ),
    "policy NaN": c(
        "revoke",
        "--cmek-version",
        "v1",
        "--policy-file",
        "policy.json",
        expect="not a JSON value",
        setup=[NAN],
    ),
    "principal 65 characters": c(
        "revoke", "--cmek-version", "v2", "--key-arn", KEY, "--principal", ROLE_65, expect="1-64"
    ),
}

AUDIT = {
    "region unknown": c("audit", "--region", "us-moon-1", expect="us-moon-1"),
    "account 100 KB": c(
        "audit", "--region", "us-east-1", "--clickhouse-account", HUGE, expect="characters)"
    ),
    **{
        f"concurrency {value}": c(
            "audit",
            "--region",
            "us-east-1",
            "--concurrency",
            value,
            expect=f"--concurrency {value!r}: expected a whole number from 1 to 64",
        )
        for value in ("0", "65", "-1", "1.5", "\u0663", "\uff13", "\u00b2", "9" * 40)
    },
    "endpoint not http": c(
        "audit", "--region", "us-east-1", "--endpoint-url", "file:///etc", expect="http(s) URL"
    ),
}

COMMANDS = {
    "build": BUILD,
    "check": CHECK,
    "links": LINKS,
    "snippet": SNIPPET,
    "publish": PUBLISH,
    "verify-key": VERIFY_KEY,
    "grant": GRANT,
    "revoke": REVOKE,
    "audit": AUDIT,
}
CASES = {f"{cmd}: {name}": case for cmd, cases in COMMANDS.items() for name, case in cases.items()}


def _env(cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CMEK_"))}
    return env | {
        "HOME": str(cwd / "home"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def _snapshot(root: Path) -> dict[str, object]:
    """Every entry under `root` (no link followed): kind, and the bytes of regular files."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            relpath = path.relative_to(root).as_posix()
            if stat.S_ISREG(mode):
                found[relpath] = path.read_bytes()
            elif stat.S_ISLNK(mode):
                found[relpath] = ("link", os.readlink(path))
            else:
                found[relpath] = stat.S_IFMT(mode)
    return found


def _run(case: Case, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "cmek", *case.argv]
    if case.stdout == "closed":
        argv = ["bash", "-c", 'exec "$@" >&-', "bash", *argv]
    with open("/dev/full" if case.stdout == "full" else os.devnull, "w") as full:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=_env(cwd),
            stdin=subprocess.DEVNULL,
            stdout=full if case.stdout == "full" else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
        )


@pytest.fixture(scope="module", autouse=True)
def _built(built: Path) -> None:
    _BUILT["path"] = built


def test_every_command_has_hostile_inputs() -> None:
    from cmek import commands

    assert set(commands.COMMANDS) == set(COMMANDS)
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    for setup in case.setup:
        setup(tmp_path)
    before = _snapshot(tmp_path)
    result = _run(case, tmp_path)
    output = result.stderr + (result.stdout or "")
    assert "Traceback" not in output, output[-2000:]
    assert result.returncode == case.code, (result.returncode, output[-1000:])
    if case.code == 1:  # findings: on stdout, stderr quiet
        assert result.stderr == ""
        assert case.expect in result.stdout, result.stdout[-2000:]
    else:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr[-2000:]
        assert len(lines[0]) <= LINE_MAX, lines[0][:400]
        assert case.expect in lines[0], lines[0]
        if case.code == 2:
            assert not result.stdout
    after = _snapshot(tmp_path)
    if case.writes:
        assert {p: v for p, v in after.items() if not p.startswith("new")} == before
        assert json.loads(after[f"new/{model.MANIFEST_FILE}"])["generator"] == "cmek"
    else:
        assert after == before


def test_broken_pipe_is_exit_3_without_a_word(tmp_path: Path) -> None:
    """`cmek links | head -c 1`: the reader went away; no traceback, no error line, exit 3.

    The pipe is shrunk to one page (Linux F_SETPIPE_SZ), so v1's links as JSON (tens of KB) cannot
    all fit before the reader closes: the writer always meets the closed pipe. With the default
    64 KB pipe the outcome depended on how much the reader had buffered (an intermittent exit 0).
    """
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmek", "links", "--cmek-version", "v1", "--format", "json"],
        cwd=tmp_path,
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    assert proc.stderr is not None
    assert os.read(read_end, 1) == b"{"
    os.close(read_end)
    assert proc.wait(timeout=TIMEOUT) == 3
    assert proc.stderr.read() == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "cmek: interrupted"), (signal.SIGTERM, 143, "cmek: terminated")],
)
@pytest.mark.parametrize("command", ["grant", "revoke"])
def test_a_signal_while_reading_stdin_is_one_line(
    tmp_path: Path, command: str, signum: int, code: int, line: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmek", command, "--cmek-version", "v1", "--policy-file", "-"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    # More than a pipe holds: this write returns only once the command is reading its stdin,
    # so the signal arrives while it waits for the rest.
    proc.stdin.write(b" " * 256 * 1024)
    proc.stdin.flush()
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code
    assert stderr.decode().splitlines() == [line]
    assert stdout == b""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "cmek: interrupted"), (signal.SIGTERM, 143, "cmek: terminated")],
)
def test_a_signal_ends_a_watch_with_its_exit_code(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    """`verify-key --watch`: a stopped watch is not a clean exit (the README's 130 and 143). The
    endpoint refuses connections, so each check is "could not check", one line, then a wait."""
    (tmp_path / "home").mkdir()
    start = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    start += "from cmek import cli; cli.run()"
    argv = ["verify-key", "--cmek-version", "v1", KEY, "--watch", "1"]
    argv += ["--endpoint-url", "http://127.0.0.1:9"]
    proc = subprocess.Popen(
        [sys.executable, "-c", start, *argv],
        cwd=tmp_path,
        env=_env(tmp_path) | {"AWS_MAX_ATTEMPTS": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()
        assert "could not check" in first or " not valid " in first, first
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code
    assert stderr.splitlines() == [line]


def test_an_out_name_of_250_bytes_is_built(tmp_path: Path) -> None:
    """A legal name near NAME_MAX: the staging folder's name is derived, not appended to it."""
    (tmp_path / "home").mkdir()
    name = "d" * 250
    result = _run(c("build", "--out", name, expect=""), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["home", name])
    assert json.loads((tmp_path / name / model.MANIFEST_FILE).read_text())["generator"] == "cmek"
