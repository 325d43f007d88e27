class DomainError(Exception):
    """A refusal with a sentence a person can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalMove(DomainError):
    pass


class OverCapacity(DomainError):
    pass


class NotAllowed(DomainError):
    pass
