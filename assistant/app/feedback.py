"""Reader feedback on answers: one JSON line per vote or comment in data/feedback.jsonl."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

FEEDBACK_FILE = "feedback.jsonl"


def vote_name(liked) -> str:
    """The vote as recorded: up, down, withdrawn (a vote taken back), or the option chosen."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return str(liked) if liked else "withdrawn"


def feedback_record(answer: dict, vote: str | None, comment: str = "") -> dict:
    """What is kept of one piece of feedback: enough to find and judge the answer later."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": answer.get("question", ""),
        "resolved_question": answer.get("resolved_question", ""),
        "answer": answer.get("answer", ""),
        "abstained": answer.get("abstained", False),
        "citations": [{k: c.get(k, "") for k in ("n", "doc_id", "locator", "quote")}
                      for c in answer.get("citations", [])],
        "vote": vote,
        "comment": (comment or "").strip(),
    }


def append_feedback(data_dir: str | Path, record: dict) -> Path:
    """Append one record as a JSON line.

    One write of the whole line, flushed and synced, so concurrent writers and crashes never
    leave half a record.
    """
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FEEDBACK_FILE
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    # Unbuffered: the line goes to the O_APPEND file in one write call, however long it is.
    with open(path, "ab", buffering=0) as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return path
