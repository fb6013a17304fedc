"""`python -m generator` is the same CLI as the `cmek` console script."""

from generator.cli import main

raise SystemExit(main())
