"""Shared fixtures: the real embedding model (loaded once), real Chroma in tmp_path, clean env."""

import hashlib
import math
import os
import re
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.search.embeddings import SentenceTransformerEmbeddings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
DEV_QA = SHARED / "qa" / "dev.jsonl"
DATA = Path(__file__).resolve().parent / "data"
FIGURES = ROOT / "corpus" / "figures-2016-article.csv"
# The requester's article lives beside the checkout, not in it: tests that read it say so.
needs_shared = pytest.mark.skipif(
    not SHARED_CORPUS.exists(),
    reason="../shared/corpus (the requester's article) is not beside this checkout")


# The test files that take longest, longest first: under `make test` (two workers) they start
# first, so that no worker is left alone with a long file at the end. The rest keep their order.
LONGEST_FIRST = ["test_reliability.py", "test_browser.py", "test_quality.py", "test_soak.py",
                 "test_load.py", "test_hardening.py", "test_cli.py", "test_server_mode.py",
                 "test_bench.py"]


def pytest_configure(config):
    # Each worker has a core: torch in a worker, and in the processes its tests start (they
    # inherit the environment), uses one thread instead of fighting the other for both.
    if hasattr(config, "workerinput"):
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")


def pytest_collection_modifyitems(config, items):
    if not hasattr(config, "workerinput"):
        return  # one process: the order as written

    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a file's tests keep their order


def free_port() -> int:
    """A free TCP port on loopback, for servers the tests start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)


class CountingEmbeddings(SentenceTransformerEmbeddings):
    """The real model, recording every text it embeds (so tests can see what was re-embedded)."""

    def __init__(self, model):
        super().__init__()
        self._model = model
        self.embedded: list[str] = []

    def embed_documents(self, texts):
        self.embedded.extend(texts)
        return super().embed_documents(texts)

    def embed_query(self, text):
        # Queries (searches, index validation) are not stored passages: not recorded.
        return super().embed_documents([text])[0]


class KeywordEmbeddings(Embeddings):
    """A fake at the embeddings seam, for tests of logic that does not depend on meaning
    (indexing, storage, recovery): a hashed bag of words, L2-normalized, so texts that share
    words rank close and a text always finds itself. Deterministic; no model is loaded."""

    dimension = 384

    def __init__(self):
        self.embedded: list[str] = []

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts):
        self.embedded.extend(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)


@pytest.fixture
def fake_embeddings():
    return KeywordEmbeddings()


@pytest.fixture(scope="session")
def model():
    return SentenceTransformerEmbeddings().model


@pytest.fixture
def embeddings(model):
    return CountingEmbeddings(model)


@pytest.fixture
def cli(model, monkeypatch):
    """`python -m assistant ARGS` run in this process: its exit code, stdout and stderr.

    The same main() a subprocess runs, without loading sentence-transformers and the model
    again (about ten seconds a process); test_cli.py and the crash tests keep real processes.
    `env` sets variables (the ASSISTANT_ settings) for this one run."""
    import contextlib
    import io
    import subprocess

    from assistant.__main__ import main
    from assistant.search.embeddings import shared_embeddings

    monkeypatch.setattr(shared_embeddings(), "_model", model)

    def run(*args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as patch, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            patch.setattr("sys.stdin", io.StringIO(stdin))
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            try:
                code = main([str(a) for a in args])
            except SystemExit as exit_:  # argparse refusing the arguments
                code = exit_.code
        return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def settings(tmp_path):
    return Settings(index_dir=tmp_path / "index")


def _session_bot(tmp_path_factory, model, key: str, corpus: list[str], index: Path):
    """An assistant on `corpus` with its index at `index`; `key` names it within the run.

    Under `make test` both workers need the session's assistants: the first to get here builds
    the index once in the run's shared temporary folder and each opens its own copy (a copy
    taken with no build running opens as it is, nothing embedded again; Chroma's files are
    never shared between processes)."""
    import fcntl
    import gc
    import shutil

    from assistant import Assistant

    def open_at(folder):
        return Assistant.open(corpus=corpus, index=folder, settings=Settings(),
                              embeddings=CountingEmbeddings(model))

    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent / f"shared-{key}"
        shared.mkdir(exist_ok=True)
        with open(shared / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not (shared / "built").exists():
                built = open_at(shared / "index")
                del built  # an assistant lets go of its files when collected (it has no close)
                gc.collect()
                (shared / "built").touch()
        shutil.copytree(shared / "index", index, dirs_exist_ok=True)
    return open_at(index)


@pytest.fixture(scope="session")
def eval_bot(tmp_path_factory, model):
    """The evaluation corpus (original article + our figures), indexed once per session."""
    if not SHARED_CORPUS.exists():
        pytest.skip("../shared/corpus is not available")
    return _session_bot(tmp_path_factory, model, "eval", [str(SHARED_CORPUS), str(FIGURES)],
                        tmp_path_factory.mktemp("eval-index"))


@pytest.fixture(scope="session")
def default_bot(tmp_path_factory, model):
    """Our own default corpus, indexed once per session."""
    # Named as `eval --suite` names a suite's index ("<root>/default"), so CLI runs reuse it.
    return _session_bot(tmp_path_factory, model, "default", [str(ROOT / "corpus")],
                        tmp_path_factory.mktemp("suite-index") / "default")
