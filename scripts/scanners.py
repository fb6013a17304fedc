"""The security scanners' own virtual environment, and a command line for cfn-guard-rs.

`python3 scripts/scanners.py setup` creates `.venv-scanners/` at the repository root with pinned
checkov, parliament and cfn-guard-rs from PyPI; run again, it returns at once while the pins are
unchanged. The scanners cannot live in the project's venv: checkov's `bc-python-hcl2` overwrites
python-hcl2's `hcl2` module (pip does not notice) and checkov pins an older boto3 than moto needs.
The three share one venv without conflict (`pip check` is clean).

`.venv-scanners/bin/python scripts/scanners.py guard --rules DIR TEMPLATE.json...` evaluates every
Guard rule file in DIR against every template (JSON, intrinsics in long form) and prints one JSON
report: cfn-guard-rs is a library without a command line. Only the standard library is imported at
the top, so the same file runs under any Python 3.11.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-scanners"
# Exact versions; a new release changes findings, so a bump is a reviewed change here.
PINS: dict[str, str] = {"checkov": "3.3.30", "parliament": "1.6.4", "cfn-guard-rs": "0.3.3"}
# Written last, so an interrupted install is redone on the next run.
STAMP = "cmek-scanners.json"
GUARD_SUFFIX = ".guard"


def venv_python(root: Path = VENV) -> Path:
    return root / "bin" / "python"


def stamp_content() -> dict[str, Any]:
    """What a ready venv records: the pins and the interpreter's minor version."""
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}", "pins": PINS}


def read_stamp(root: Path = VENV) -> dict[str, Any] | None:
    try:
        return json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_ready(root: Path = VENV) -> bool:
    return venv_python(root).exists() and read_stamp(root) == stamp_content()


def installed_versions(root: Path = VENV) -> dict[str, str]:
    """The versions the venv's own pip metadata reports for the pinned packages."""
    code = (
        "import importlib.metadata as m, json, sys;"
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    out = subprocess.run(
        [str(venv_python(root)), "-c", code, *PINS], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def setup(root: Path = VENV) -> int:
    """Create (or re-create) the venv unless it already holds exactly the pins."""
    if is_ready(root):
        print(f"{root.name}: up to date ({', '.join(f'{n}=={v}' for n, v in PINS.items())})")
        return 0
    venv.EnvBuilder(clear=True, with_pip=True).create(root)
    pip = [str(venv_python(root)), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "--quiet", *(f"{n}=={v}" for n, v in PINS.items())], check=True
    )
    subprocess.run([*pip, "check"], check=True, stdout=subprocess.DEVNULL)
    versions = installed_versions(root)
    if versions != PINS:
        print(f"{root.name}: installed {versions}, expected {PINS}", file=sys.stderr)
        return 1
    (root / STAMP).write_text(json.dumps(stamp_content(), indent=2) + "\n", encoding="utf-8")
    print(f"{root.name}: installed {', '.join(f'{n}=={v}' for n, v in PINS.items())}")
    return 0


def _resource(value: Any) -> str:
    """The logical ID a Guard clause looked at, from its `/Resources/<id>/...` path."""
    path = value.get("path", "") if isinstance(value, dict) else ""
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "Resources" else path


def _failures(report: Any) -> list[dict[str, str]]:
    """Each failing clause of each non-compliant rule: the resource and Guard's messages."""
    failures = []
    for clause in report.not_compliant:
        rule = clause.Rule
        for check in rule.checks if rule else [clause]:
            messages = check.Clause.messages if check.Clause else None
            failures.append(
                {
                    "rule": rule.name if rule else "",
                    "resource": _resource(check.value_from),
                    "message": " ".join(
                        " ".join(
                            filter(None, (messages.custom_message, messages.error_message))
                        ).split()
                    )
                    if messages
                    else "",
                }
            )
    return failures


def has_rules(text: str) -> bool:
    """False for a rule file of comments only (the registry keeps such placeholders)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def guard(rules_dir: Path, templates: list[Path]) -> dict[str, Any]:
    """Every rule file against every template: per pair the status and findings, or the error.

    A rule file that cfn-guard-rs cannot run is reported with its error, never skipped; a file of
    comments only is listed apart (cfn-guard-rs answers it with no output at all).
    """
    from cfn_guard_rs import run_checks
    from cfn_guard_rs.errors import GuardError

    results, empty = [], []
    for rule_file in sorted(rules_dir.glob(f"*{GUARD_SUFFIX}")):
        rules = rule_file.read_text(encoding="utf-8")
        if not has_rules(rules):
            empty.append(rule_file.name)
            continue
        for template in templates:
            data = json.loads(template.read_text(encoding="utf-8"))
            entry: dict[str, Any] = {"rule_file": rule_file.name, "template": template.name}
            try:
                report = run_checks(data, rules)
            except (GuardError, ValueError) as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"
            else:
                entry.update(
                    status=report.status,
                    compliant=sorted(report.compliant),
                    not_applicable=sorted(report.not_applicable),
                    failures=_failures(report),
                )
            results.append(entry)
    return {"cfn_guard_rs": PINS["cfn-guard-rs"], "empty_rule_files": empty, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("setup", help="create .venv-scanners with the pinned scanners (default)")
    run = sub.add_parser("guard", help="run every Guard rule file against templates (JSON)")
    run.add_argument("--rules", type=Path, required=True, help="directory of *.guard files")
    run.add_argument("templates", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "guard":
        print(json.dumps(guard(args.rules, args.templates), indent=1))
        return 0
    return setup()


if __name__ == "__main__":
    sys.exit(main())
