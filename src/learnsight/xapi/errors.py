"""Client errors of the LRS: each carries the HTTP status it is answered with."""


class XAPIError(Exception):
    """A client error the LRS answers with 400 (or the given status)."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class StatementError(XAPIError):
    """A statement breaks a rule of the xAPI Data part."""

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(f"{path}: {rule}")
        self.path = path
        self.rule = rule
