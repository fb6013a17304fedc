"""`python -m cmek` is the same CLI as the `cmek` console script."""

from cmek.cli import run

run()
