"""One error model: every error the package raises derives from `CmekError`, and its kind is the
exit code.

Lower layers (config, model, render, build, AWS helpers) describe the *value* that is wrong; they
never spell a CLI flag. The CLI names the flag (`InputError.within`) and prints one line.
"""

from __future__ import annotations

EXIT_OK = 0
# A check found a problem, or a key is not usable: the tool worked, the answer is "no".
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
# The tool could not do its job: a tool it needs is missing or failed, a write failed, a bug.
EXIT_TOOL_FAILED = 3

# Error lines quote at most this much of a bad value, so a 50 MB value is not echoed back.
QUOTE_MAX = 80


def quote(value: object, limit: int = QUOTE_MAX) -> str:
    """`repr` of a value, cut to a short prefix: error lines stay one short line."""
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text)} characters)"
    return repr(text)


class CmekError(Exception):
    """Base of every error the package raises on purpose; `exit_code` says which kind it is."""

    exit_code = EXIT_TOOL_FAILED

    def __init__(self, message: str) -> None:
        # One line, whatever the cause said: a multi-line library message would break the contract.
        super().__init__(" ".join(str(message).split()))


class InputError(CmekError, ValueError):
    """A value given by the user (flag, config key, file) is not what is expected.

    The message names the value and what is expected; `within` puts the flag or key in front.
    """

    exit_code = EXIT_BAD_INPUT

    def within(self, what: str) -> InputError:
        return InputError(f"{what} {self}")


class ToolError(CmekError):
    """The tool could not do its job: a program or library it needs is missing or failed, a write
    failed, an AWS call failed for a reason that is not the user's input."""

    exit_code = EXIT_TOOL_FAILED


class StdoutError(ToolError):
    """Standard output cannot be written: closed (`>&-`), full (/dev/full), or the reader went
    away (`| head -1`, a broken pipe). The CLI raises it from the first failed write or flush."""

    def __init__(self, exc: OSError | ValueError) -> None:
        reason = getattr(exc, "strerror", None) or "it is closed"
        super().__init__(f"cannot write to standard output: {reason}")
        # A reader that stopped reading chose to: no error line for it (the exit code says it).
        self.broken_pipe = isinstance(exc, BrokenPipeError)
