"""`python -m learnsight` runs the command line."""

from learnsight.cli import main

main()
