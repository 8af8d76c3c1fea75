"""Errors that mean bad input from the user rather than a bug."""


class UserError(Exception):
    """Bad input from the user; the CLI shows it as one line and exits with code 2."""
