"""Embed and store passages (Chroma builds, BM25), and find the passages a question needs."""
