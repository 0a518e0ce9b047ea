"""The ``crmhub`` command line (typer + rich). ``main.app`` is the console script."""
