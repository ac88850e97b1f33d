"""Errors the CLI turns into one line for the operator."""


class StartupError(Exception):
    """Something outside rotobot stops it from starting (a port taken); the message says what to change."""
