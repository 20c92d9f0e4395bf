"""Briefing assistant: cited answers from source articles and figures, offline by default."""

from .errors import AssistantError

__all__ = ["Assistant", "Answer", "AssistantError", "Settings"]


def __getattr__(name: str):
    # Lazy so `import assistant` stays cheap (no LangChain, Chroma or torch until needed).
    if name == "Assistant":
        from .pipeline import Assistant

        return Assistant
    if name == "Answer":
        from .answering.answer import Answer

        return Answer
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(name)
