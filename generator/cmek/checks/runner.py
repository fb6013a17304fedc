"""Run the registered checks over a dist directory, cfn-lint beside the rest on two cores."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection

from cmek.checks.dist_dir import DistDir
from cmek.checks.registry import Finding, discover
from cmek.errors import ToolError

# cfn-lint runs in this process (importing it takes 0.5 s), with the checks that read only the
# templates it parses and the model: the CloudFormation checks and their grants. Every other check
# (rendering a fresh build to compare with, the Terraform runs, HCL parsing, the READMEs) runs
# meanwhile in a process forked before cfn-lint is imported, on the second core, and receives the
# templates from this one. The split gives both processes about the same CPU time (1.2 s each;
# scripts/benchmark.py measures the whole against a bare cfn-lint run).
MAIN_CHECKS = ("CMEK-LINT-", "CMEK-CFN-", "CMEK-GRANT-001")

# What each check gave: its findings, or the ToolError that kept it from running.
Outcomes = dict[str, list[Finding] | ToolError]


class ChecksNotRun(ToolError):
    """Some checks could not run (a tool is missing); `findings` are the other checks' findings.

    Exit 3, never a finding: a missing tool says nothing about the artifacts.
    """

    def __init__(self, not_run: dict[str, ToolError], findings: list[Finding]) -> None:
        reasons = "; ".join(dict.fromkeys(str(exc) for exc in not_run.values()))
        super().__init__(f"{len(not_run)} checks could not run ({', '.join(not_run)}): {reasons}")
        self.not_run = not_run
        self.findings = findings


def _run(dist: DistDir, check_ids: list[str]) -> Outcomes:
    checks = discover()
    for start in dict.fromkeys(checks[i].start for i in check_ids if checks[i].start):
        start(dist)  # slow outside work first, so it overlaps every check below
    outcomes: Outcomes = {}
    for check_id in check_ids:
        try:
            outcomes[check_id] = checks[check_id].run(dist)
        except ToolError as exc:
            outcomes[check_id] = exc
    return outcomes


def _run_and_send(
    conn: Connection, templates: Connection, unused: Connection, dist: DistDir, check_ids: list[str]
) -> None:
    unused.close()  # the parent's end: a parent that closes it unsent is then an EOFError
    # Received at once, on a thread: a template bigger than the pipe's buffer must not hold the
    # parent (and cfn-lint) until a check here first asks for the templates.
    receiving = ThreadPoolExecutor(max_workers=1).submit(templates.recv)
    dist.templates_from = receiving.result
    try:
        conn.send(_run(dist, check_ids))
    except BaseException as exc:
        conn.send(exc)
    finally:
        conn.close()


def _run_forked(dist: DistDir, check_ids: list[str]) -> Callable[..., Outcomes]:
    """Start `check_ids` in a forked child (it inherits `dist` and every import so far), send it
    the templates this process parses, as plain data; the returned function waits for and
    returns the child's outcomes, or ends the child (`stop=True`: this process failed, and the
    CLI's exit runs no clean-up that would end it)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    templates_in, templates_out = context.Pipe(duplex=False)
    child = context.Process(
        target=_run_and_send,
        args=(sender, templates_in, templates_out, dist, check_ids),
        daemon=True,
    )
    child.start()
    sender.close()
    templates_in.close()
    try:
        try:
            templates_out.send(dist.parsed_plain())
        except Exception:  # a value pickle cannot carry: the child parses the templates itself
            templates_out.send(None)
    except BaseException:  # an interrupt while parsing: no child outlives this process
        child.terminate()
        child.join()
        raise
    finally:
        templates_out.close()

    def result(stop: bool = False) -> Outcomes:
        """The child's outcomes; with `stop`, end the child instead (this process failed)."""
        try:
            if stop:
                child.terminate()
                return {}
            outcome = receiver.recv()
        except EOFError:
            raise RuntimeError(f"check process died (exit code {child.exitcode})") from None
        finally:
            child.join()
            receiver.close()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return result


@contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """The cyclic garbage collector off while the checks run (reference counting still frees).

    cfn-lint's schema validation, python-hcl2's parse trees and the IAM evaluation allocate
    millions of short-lived containers; the collector's passes over them took a quarter to a half
    of those checks' CPU time (scripts/benchmark.py) and found little to free. A run is short; the
    collector is on again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_all(dist: DistDir, only: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks (all, or `only` these ids); findings come in the order of the check ids.

    MAIN_CHECKS (cfn-lint among them) run here; the others meanwhile in a forked process. Raises
    `ChecksNotRun` (with the other checks' findings) when a tool some checks need is missing.
    """
    checks = discover()
    selected = sorted(only) if only is not None else list(checks)
    main = [i for i in selected if i.startswith(MAIN_CHECKS)]
    side = [i for i in selected if i not in main]
    with _no_cyclic_collection():
        if not (side and main):
            outcomes = _run(dist, selected)
        else:
            side_outcomes = _run_forked(dist, side)
            try:
                outcomes = _run(dist, main)
            except BaseException:  # an interrupt: no child outlives this process
                side_outcomes(stop=True)
                raise
            outcomes |= side_outcomes()
    findings = [f for i in selected if not isinstance(o := outcomes[i], ToolError) for f in o]
    not_run = {i: o for i in selected if isinstance(o := outcomes[i], ToolError)}
    if not_run:
        raise ChecksNotRun(not_run, findings)
    return findings
