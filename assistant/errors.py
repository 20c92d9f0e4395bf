"""The one error class the user sees: its message says what to do next."""


class AssistantError(Exception):
    """A problem the user can fix; shown without a traceback (CLI) or as a chat message (UI)."""
