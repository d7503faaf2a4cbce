"""`python -m vtcode` runs the CLI."""

from vtcode.cli import main

main()
