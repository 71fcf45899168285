"""`python -m fairnotice` runs the CLI."""

from fairnotice.cli import main

main()
