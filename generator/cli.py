"""The `cmek` command line: parse arguments, run one command, turn its outcome into an exit code.

Commands live in generator/commands (one module each). Every error the package raises is a
`CmekError` whose kind is the exit code; anything else is a bug, reported as exit 3 in one line.
A traceback is printed only with `--debug` or CMEK_DEBUG=1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from typing import NoReturn

from generator import __version__
from generator.errors import EXIT_BAD_INPUT, EXIT_TOOL_FAILED, CmekError

DEBUG_ENV = "CMEK_DEBUG"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other bad input; argparse would print the usage block first.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    from generator.commands import discover

    parser = _Parser(
        prog="cmek",
        description=(
            "Generate, check and publish the CloudFormation stacks and Terraform modules that "
            "give ClickHouse Cloud access to a customer-managed AWS KMS key."
        ),
    )
    parser.add_argument("--version", action="version", version=f"cmek {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help=f"print tracebacks (also {DEBUG_ENV}=1)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands = {}
    for command in discover():
        command.add_arguments(sub.add_parser(command.NAME, help=command.HELP))
        commands[command.NAME] = command
    return parser, commands


def run() -> NoReturn:
    """Console entry point: `main`, then exit without tearing the interpreter down.

    Freeing cfn-lint's schemas and rules object by object takes about 0.8 s, a quarter of a whole
    `cmek check`; the output is flushed first and the OS reclaims the memory at once (mypy's
    `hard_exit` does the same).
    """
    code = main()
    os._exit(_flush(code))


def _flush(code: int) -> int:
    """Flush stdout and stderr; a closed or full stdout turns success into exit 3, quietly."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            if stream is sys.stdout and code == 0:
                code = EXIT_TOOL_FAILED
    return code


def main(argv: list[str] | None = None) -> int:
    parser, commands = _parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        return commands[args.command].run(args)
    except CmekError as exc:
        _report(debug, f"cmek: error: {exc}")
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`cmek links | head`): nothing more can be said on stdout.
        _silence_stdout()
        return EXIT_TOOL_FAILED
    except KeyboardInterrupt:
        _report(debug, "cmek: interrupted")
        return 130
    except Exception as exc:
        line = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        _report(debug, f"cmek: internal error: {line} (run with --debug for the traceback)")
        return EXIT_TOOL_FAILED


def _report(debug: bool, line: str) -> None:
    if debug:
        traceback.print_exc()
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr)


def _silence_stdout() -> None:
    # Point stdout at /dev/null so the final flush does not raise again (Python's documented way).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
