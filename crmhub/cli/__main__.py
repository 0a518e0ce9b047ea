"""``python -m crmhub.cli``: the same command line as the ``crmhub`` script."""

from crmhub.cli.main import app

app(prog_name="crmhub")
