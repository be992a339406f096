"""One module per `simplest-node` subcommand: each has `add_arguments(parser)` and `run(args)`."""
