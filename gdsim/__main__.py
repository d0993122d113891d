"""`python -m gdsim` behaves exactly like the `gdsim` command."""

from gdsim.cli import main

raise SystemExit(main())
