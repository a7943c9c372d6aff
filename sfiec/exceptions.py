class DomainError(Exception):
    """A business rule refused an operation; nothing was changed.

    The API maps it to 409 Conflict with its message; pages show the message to the user.
    """

    def __init__(self, message: str, *, details: list | dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidTransition(DomainError):
    """A status change that the workflow does not allow from the current status."""
