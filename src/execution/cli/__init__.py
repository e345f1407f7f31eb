"""`aster-exec`: the command-line interface (the Typer app in `cli.app`, one module per
command group in `cli.commands`)."""
