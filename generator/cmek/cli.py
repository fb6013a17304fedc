"""The `cmek` command line: parse arguments, run one command, turn its outcome into an exit code.

Commands live in cmek/commands (one module each, listed in `cmek.commands.COMMANDS`). Every
error the package raises is a `CmekError` whose kind is the exit code; anything else is a bug,
reported as exit 3 in one line. A traceback is printed only with `--debug` or CMEK_DEBUG=1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn, TextIO

from cmek import __version__
from cmek.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_TOOL_FAILED, CmekError, StdoutError

DEBUG_ENV = "CMEK_DEBUG"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other bad input; argparse would print the usage block first.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser and the command modules it imported: every command listed; the flags (and the
    module) of each command, or, given `argv`, only of the command it names (start-up: `cmek
    --help` imports no command module, `cmek snippet` only snippet's)."""
    from cmek.commands import COMMANDS, load

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
    # The command is the first word that is not an option (the top level's options take no value).
    named = None if argv is None else next((a for a in argv if not a.startswith("-")), None)
    commands = {}
    for name, (_, help_line) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_line)
        if argv is None or named == name:
            commands[name] = load(name)
            commands[name].add_arguments(command_parser)
    return parser, commands


def run() -> NoReturn:
    """Console entry point: `main`, then exit without tearing the interpreter down.

    Freeing cfn-lint's schemas and rules object by object takes about 0.8 s, a quarter of a whole
    `cmek check`; the output is flushed first and the OS reclaims the memory at once (mypy's
    `hard_exit` does the same). Before anything runs, closed standard streams are reopened, stdout
    is guarded (see `_GuardedStdout`) and SIGTERM is turned into an exception, so an interrupted
    build cleans up after itself.
    """
    _reopen_closed_std_fds()
    sys.stdout = _GuardedStdout(sys.stdout)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        code = exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    except StdoutError as exc:  # argparse printing --help or --version
        if not exc.broken_pipe:
            _report(False, f"cmek: error: {exc}")
        code = exc.exit_code
    os._exit(_flush(code))


def _reopen_closed_std_fds() -> None:
    """Reopen a closed stdin, stdout or stderr (`cmek build >&-`) on /dev/null.

    Otherwise the next file opened takes descriptor 1 and a print lands in it. stdout is reopened
    read-only, so writing to it still fails (EBADF) and is reported, never silently lost.
    """
    for fd, flags, name in (
        (0, os.O_RDONLY, "stdin"),
        (1, os.O_RDONLY, "stdout"),
        (2, os.O_WRONLY, "stderr"),
    ):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, flags)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
        if getattr(sys, name) is None:
            mode = "r" if fd == 0 else "w"
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so `finally` blocks run (a build removes its staging copy)."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated


class _GuardedStdout:
    """sys.stdout for a console run: the first write or flush the OS refuses (closed, full,
    broken pipe) raises `StdoutError`, a `CmekError` (exit 3, one line); later output is dropped,
    so the exit path does not fail a second time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._failed = False

    def write(self, text: str) -> int:
        if not self._failed:
            self._guard(self._stream.write, text)
        return len(text)

    def flush(self) -> None:
        if not self._failed:
            self._guard(self._stream.flush)

    def _guard(self, operation: Callable[..., object], *args: str) -> None:
        try:
            operation(*args)
        except (OSError, ValueError) as exc:
            self._failed = True
            raise StdoutError(exc) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _flush(code: int) -> int:
    """Flush stdout and stderr; output that cannot be written turns success into exit 3."""
    try:
        sys.stdout.flush()
    except StdoutError as exc:
        if not exc.broken_pipe:
            _report(False, f"cmek: error: {exc}")
        if code == EXIT_OK:
            code = EXIT_TOOL_FAILED
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, commands = _parser(argv)
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        return commands[args.command].run(args)
    except StdoutError as exc:
        if not exc.broken_pipe:
            _report(debug, f"cmek: error: {exc}")
        return exc.exit_code
    except CmekError as exc:
        _report(debug, f"cmek: error: {exc}")
        return exc.exit_code
    except _Terminated:
        _report(debug, "cmek: terminated")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        _report(debug, "cmek: interrupted")
        return 128 + signal.SIGINT
    except Exception as exc:
        line = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        _report(debug, f"cmek: internal error: {line} (run with --debug for the traceback)")
        return EXIT_TOOL_FAILED


def _report(debug: bool, line: str) -> None:
    if debug:
        import traceback  # only here: it costs start-up time on every run

        traceback.print_exc()
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr)
