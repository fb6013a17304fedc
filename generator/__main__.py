"""`python -m generator` is the same CLI as the `cmek` console script."""

from generator.cli import run

run()
