"""Entry point for ``python -m migration_guard``."""

from migration_guard.cli import main

raise SystemExit(main())
