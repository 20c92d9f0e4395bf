"""Text that gives orders to an assistant rather than asking or stating something."""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instruction|instructions|rules|"
    r"prompt|previous|above|guidelines)\b|\bsystem prompt\b|\byou are now\b|"
    r"\b(?:ignore|disregard|forget)\b.{0,20}\b(?:sources|context|documents|everything)\b|"
    r"^\s*(?:please\s+)?(?:write|compose|generate|create|draft|sing|tell me)\b.{0,40}"
    r"\b(?:poem|story|joke|song|essay|email|letter|code|script|haiku|limerick|rap)\b|"
    r"\bact as\b|\bpretend (?:to be|you)\b|\bjailbreak\b|\bdeveloper mode\b|"
    r"\brespond only with\b|\banswer \d+ to everything\b|\bprint your\b|\breveal your\b|"
    r"^\s*(?:system|assistant)\s*:|\banswer every question\b")


def looks_like_instruction(text: str) -> bool:
    """True for text that tries to steer the assistant rather than ask about the sources."""
    return bool(_INSTRUCTION.search(text.lower()))


_TO_THE_READER = re.compile(
    r"\b(?:the|this) (?:assistant|ai|model|chatbot|bot)\b.{0,40}\b(?:must|should|will|shall)\b|"
    r"\byou (?:must|should|will|shall) (?:now )?(?:answer|say|respond|reply|output|print|"
    r"ignore)\b|\b(?:answer|respond|reply) (?:to )?every (?:question|query)\b|"
    r"^\s*(?:system|assistant|user)\s*:|\b(?:you are|you're) (?:now )?(?:in|an?) \w+ mode\b",
    re.IGNORECASE)


def addresses_the_reader(sentence: str) -> bool:
    """True for a sentence that gives orders to an assistant (instructions, role or mode claims)
    rather than stating a fact: documents are data, and such a sentence is never an answer."""
    return looks_like_instruction(sentence) or bool(_TO_THE_READER.search(sentence))
