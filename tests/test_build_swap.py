"""A signal at any step of `cmek build`'s swap leaves DIR a complete old or new build.

Each case runs the real CLI (`cli.run`, the console entry) in its own process. The child pauses at
one step of `build.write` (it prints `at STEP` on stderr and waits for a line on stdin); the test
then sends a real signal to that process. Steps: while filling the staging copy, just before the
renameat2(RENAME_EXCHANGE) call, just after it, and before removing the old copy (and just after
the staging folder is made: a signal there once left it behind). SIGINT and
SIGTERM are held during the swap; SIGKILL cannot be held, so a SIGKILL on either side of the
exchange proves that DIR is never missing: the exchange itself is one system call.
Only the rendering is replaced in the child (a two-file build), so each case takes a fraction of
a second.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cmek import build

OLD = {"old.txt": "old build"}
NEW = {"new.txt": "new build", "sub/more.txt": "more"}
TIMEOUT = 60

CHILD = """
import os, signal, sys
from cmek import build, cli

# Started by a runner that ignores SIGINT (a background job, nohup, some CI agents), Python keeps
# it ignored and every SIGINT case would fail; a terminal's Ctrl-C is what these cases stand for.
signal.signal(signal.SIGINT, signal.default_int_handler)

STEP = os.environ["SWAP_STEP"]
NEW = {new!r}
build.artifacts = lambda config, inputs=None: NEW | {{"manifest.json": build.manifest(NEW)}}


def pause(name):
    if name == STEP:
        sys.stderr.write(f"at {{name}}\\n")
        sys.stderr.flush()
        sys.stdin.readline()


def wrap(owner, attr, before=None, after=None):
    real = getattr(owner, attr)

    def step(*args, **kwargs):
        if before:
            pause(before)
        result = real(*args, **kwargs)
        if after:
            pause(after)
        return result

    setattr(owner, attr, step)


wrap(build.tempfile, "mkdtemp", after="staging")
wrap(build, "_fill", before="fill")
wrap(build, "_renameat2_call", before="exchange", after="exchanged")
wrap(build, "_remove_old", before="remove")
if os.environ.get("SWAP_FALLBACK"):
    build._renameat2 = lambda: None
    renames = []

    def replace(src, dst, real=os.replace):
        real(src, dst)
        renames.append(dst)
        if len(renames) == 1:
            pause("between-renames")

    os.replace = replace
if os.environ.get("SWAP_RMTREE_FAILS"):
    def rmtree(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    build.shutil.rmtree = rmtree
cli.run()
"""


def _tree(root: Path) -> dict[str, str] | None:
    if not root.is_dir():
        return None
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _as_built(files: dict[str, str]) -> dict[str, str]:
    return files | {"manifest.json": build.manifest(files)}


def _start(tmp_path: Path, step: str, **env: str) -> subprocess.Popen[str]:
    build.write(_as_built(OLD), tmp_path / "dist")
    code = CHILD.format(new=NEW)
    return subprocess.Popen(
        [sys.executable, "-c", code, "build", "--out", "dist"],
        cwd=tmp_path,
        env=os.environ | {"SWAP_STEP": step, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _signal_at(proc: subprocess.Popen[str], step: str, signum: int) -> tuple[int, list[str]]:
    assert proc.stderr is not None and proc.stdin is not None
    assert proc.stderr.readline() == f"at {step}\n"
    proc.send_signal(signum)
    if signum != signal.SIGKILL:
        # Let a paused step go on (a held signal waits for the swap); a child that the signal
        # already ended has closed its end of the pipe.
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write("\n")
            proc.stdin.flush()
    _, stderr = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, stderr.splitlines()


EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -signal.SIGKILL}
LINE = {signal.SIGINT: ["cmek: interrupted"], signal.SIGTERM: ["cmek: terminated"]}
# Which build DIR holds after a signal at each step: before the exchange the old one (a held
# signal lets the exchange happen first), after it the new one.
CASES = [
    ("staging", signal.SIGINT, OLD),
    ("staging", signal.SIGTERM, OLD),
    ("staging", signal.SIGKILL, OLD),
    ("fill", signal.SIGINT, OLD),
    ("fill", signal.SIGTERM, OLD),
    ("fill", signal.SIGKILL, OLD),
    ("exchange", signal.SIGINT, NEW),
    ("exchange", signal.SIGTERM, NEW),
    ("exchange", signal.SIGKILL, OLD),
    ("exchanged", signal.SIGINT, NEW),
    ("exchanged", signal.SIGTERM, NEW),
    ("exchanged", signal.SIGKILL, NEW),
    ("remove", signal.SIGINT, NEW),
    ("remove", signal.SIGTERM, NEW),
    ("remove", signal.SIGKILL, NEW),
]


@pytest.mark.parametrize(
    ("step", "signum", "files"),
    CASES,
    ids=[f"{step}-{signal.Signals(s).name}" for step, s, _ in CASES],
)
def test_a_signal_at_each_step_leaves_a_complete_dist(
    tmp_path: Path, step: str, signum: int, files: dict[str, str]
) -> None:
    proc = _start(tmp_path, step)
    code, lines = _signal_at(proc, step, signum)
    assert _tree(tmp_path / "dist") == _as_built(files)
    assert code == EXIT[signum]
    if signum == signal.SIGKILL:
        return  # nothing can clean up after SIGKILL: a leftover copy is allowed, DIR is whole
    assert lines == LINE[signum]
    # No staging copy and no previous build left beside DIR, whichever step the signal hit.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_fallback_holds_signals_between_its_two_renames(tmp_path: Path, signum: int) -> None:
    """Without renameat2, DIR is missing between the two renames: SIGINT and SIGTERM wait."""
    proc = _start(tmp_path, "between-renames", SWAP_FALLBACK="1")
    code, lines = _signal_at(proc, "between-renames", signum)
    assert (code, lines) == (EXIT[signum], LINE[signum])
    assert _tree(tmp_path / "dist") == _as_built(NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_failed_clean_up_is_a_warning_and_exit_0(tmp_path: Path) -> None:
    proc = _start(tmp_path, "none", SWAP_RMTREE_FAILS="1")
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, stderr
    assert stdout == "wrote 3 files to dist\n"
    (leftover,) = [p for p in tmp_path.iterdir() if p.name != "dist"]
    assert stderr.splitlines() == [
        "cmek: warning: the new build is in place, but the previous one could not be removed "
        f"(Permission denied): delete {leftover}"
    ]
    assert _tree(tmp_path / "dist") == _as_built(NEW)
    assert _tree(leftover) == _as_built(OLD)
