"""A short soak: mixed asks and re-indexes with memory and open files flat (see
benchmarks/soak.py; `python -m assistant soak --minutes 30` runs the long form)."""

import pytest

from benchmarks.soak import run_soak


@pytest.mark.slow
def test_mixed_asks_and_reindexes_keep_memory_and_files_flat(embeddings, default_bot):
    # Starts from a copy of the session's index of the same corpus: the time goes to the soak.
    result = run_soak(seconds=15, reindex_every=5, embeddings=embeddings,
                      index=default_bot.settings.index_dir)
    assert result["asks"] >= 20 and result["reindexes"] >= 2, result
    assert result["flat"], result  # memory and open files do not grow with the re-indexes
