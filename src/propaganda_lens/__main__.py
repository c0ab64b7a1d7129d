"""`python -m propaganda_lens …` runs the command line."""

from propaganda_lens.cli.main import app

app()
