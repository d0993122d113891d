"""Sub-commands of the `gdsim` command line. Each module exposes `register(subparsers)`, which
adds its parser and sets `func` to a callable taking the parsed arguments and returning an exit
status."""
