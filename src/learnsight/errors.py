"""The base of every expected failure: a user's mistake or an unusable input, never a bug."""


class LearnsightError(Exception):
    """Reported to the user in one line (the CLI) or as a 4xx answer (the API), without a
    traceback: the message names the record, the field and the reason."""
