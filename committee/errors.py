"""Exceptions that map to the CLI's exit codes (design.md): BadInput -> 2, EngineFailed -> 3."""


class CommitteeError(Exception):
    """Base class; `exit_code` is what the CLI returns for it."""

    exit_code = 1


class BadInput(CommitteeError):
    """Bad input or usage: a clear one-line message, nothing written. Exit code 2."""

    exit_code = 2


class EngineFailed(CommitteeError):
    """An engine call failed after retries; the run is stored as resumable. Exit code 3."""

    exit_code = 3


class Interrupted(CommitteeError):
    """The user interrupted a run (Ctrl+C); it is stored and resumable. Exit code 130."""

    exit_code = 130
