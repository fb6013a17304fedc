"""Run the registered checks over a dist directory, cfn-lint beside the rest on two cores."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection

from cmek.checks.dist_dir import DistDir
from cmek.checks.registry import Finding, discover

# cfn-lint runs in this process; every other check runs meanwhile in a forked one (see run_all).
# The checks that render a fresh build to compare with (the file set, links.json) run here too,
# after cfn-lint: the forked side holds the Terraform runs and would otherwise be the long pole.
LINT_MODULE = "cmek.checks.lint"
MAIN_MODULES = (LINT_MODULE, "cmek.checks.manifest", "cmek.checks.docs_links")


def _run(dist: DistDir, check_ids: list[str]) -> dict[str, list[Finding]]:
    checks = discover()
    return {check_id: checks[check_id].run(dist) for check_id in check_ids}


def _run_and_send(conn: Connection, dist: DistDir, check_ids: list[str]) -> None:
    try:
        conn.send(_run(dist, check_ids))
    except BaseException as exc:
        conn.send(exc)
    finally:
        conn.close()


def _run_forked(dist: DistDir, check_ids: list[str]) -> Callable[[], dict[str, list[Finding]]]:
    """Start `check_ids` in a forked child (it inherits `dist` and every import, no pickling of
    the parsed templates); the returned function waits for and returns the child's results."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(sender, dist, check_ids), daemon=True)
    child.start()
    sender.close()

    def result() -> dict[str, list[Finding]]:
        try:
            outcome = receiver.recv()
        except EOFError:
            raise RuntimeError(f"check process died (exit code {child.exitcode})") from None
        finally:
            child.join()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return result


def run_all(dist: DistDir, only: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks (all, or `only` these ids); findings come in the order of the check ids.

    cfn-lint and the checks that render a fresh build to compare with run here; the others (real
    Terraform, HCL parsing, the scenarios) run meanwhile in a forked process on the second core.
    The split is by measured cost (scripts/benchmark.py), so neither side waits long for the other.
    """
    checks = discover()
    selected = sorted(only) if only is not None else list(checks)
    main = [i for i in selected if checks[i].fn.__module__ in MAIN_MODULES]
    side = [i for i in selected if i not in main]
    if not (side and main):
        results = _run(dist, selected)
    else:
        # Parse before forking, so both processes share cfn-lint's import and the templates.
        dist.templates  # noqa: B018
        side_results = _run_forked(dist, side)
        results = _run(dist, main) | side_results()
    return [finding for check_id in selected for finding in results[check_id]]
