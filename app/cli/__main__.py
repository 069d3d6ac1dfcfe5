"""`python -m app.cli` runs the CLI (used by tests that start it as a subprocess)."""

from app.cli import main

main()
