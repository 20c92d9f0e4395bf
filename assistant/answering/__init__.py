"""From a question and its passages to a cited, verified answer: the answer forms tried in order."""
