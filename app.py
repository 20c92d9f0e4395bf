"""Serve the briefing assistant's chat UI on 127.0.0.1:7860 (see `python -m assistant serve`)."""

from assistant.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *__import__("sys").argv[1:]]))
