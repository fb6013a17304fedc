"""`cmek snippet`: the key-policy statement for the console path (paste into the key policy)."""

from __future__ import annotations

import argparse
import sys

from generator.commands import add_config_argument, load_config
from generator.errors import EXIT_OK

NAME = "snippet"
HELP = "print the key-policy statement for the console"
ORDER = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    from generator.render import snippet

    sys.stdout.write(snippet.render(load_config(args)))
    return EXIT_OK
