"""The one exception type for mistakes a user can fix (bad paths, bad files, bad flags)."""


class UserError(Exception):
    """A problem with the user's input. The CLI prints its message on one line and exits 2.

    The message must name the file or flag at fault; no traceback is shown.
    """


class FieldError(ValueError):
    """A bad value of one named field of a config; a command maps `field` to the flag that set it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
