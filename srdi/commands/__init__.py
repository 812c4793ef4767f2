"""One module per `srdi` subcommand, each with register(subparsers). A command imports flows and the floor
(schemas, warehouse) only; Prefect is imported inside the command, after the environment is set."""
