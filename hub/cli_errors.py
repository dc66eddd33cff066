"""The error every `orderb2b` command group raises for a bad option value."""


class CliUsageError(Exception):
    """A bad argument or input: the CLI reports it in one line and exits with 2."""
