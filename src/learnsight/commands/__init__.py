"""Command modules of the `learnsight` CLI; each registers its commands on the app in cli.py."""
