"""Load a corpus: articles and figures tables, split into passages, figures read from sentences."""
