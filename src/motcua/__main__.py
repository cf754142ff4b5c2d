"""`python -m motcua …` does what the `motcua` command does."""

from motcua.cli import main

main()
