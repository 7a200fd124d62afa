"""Errors the command line reports as bad usage or bad input (exit 2)."""


class TapeUsageError(Exception):
    """Bad usage or bad input: reported in one line, exit code 2."""


class TapeProblem(Exception):
    """The command ran and found a problem (a failed check): exit code 1."""
