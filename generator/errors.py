"""Exit codes and the one exception type that the CLI turns into exit code 2."""

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """A value given by the user (flag, config key, file) is not what is expected.

    The message is a single line naming the value and what is expected, so the CLI can print it
    as is, with no traceback.
    """
