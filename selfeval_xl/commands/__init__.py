"""The ``selfeval`` subcommands, one module per kind of work; ``selfeval_xl.cli`` assembles them into one group."""
