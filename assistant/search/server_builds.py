"""Builds as collections on a Chroma server; a small meta collection holds the pointer and
the manifests. Several app replicas can read the same server."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError
from .builds import CURRENT, MANIFEST, PREVIOUS, REBUILD, OpenBuild, build_lock, copy_collections
from .integrity import chromadb_version
from .sentence_store import SUFFIX, sentence_collection


def http_client(url_text: str, token: str = ""):
    """A client for a Chroma server at `http(s)://host:port`, sending `token` as a bearer
    token when the server requires one, and refusing a server of another chromadb version."""
    from urllib.parse import urlparse

    import chromadb

    url = urlparse(url_text)
    if not url.hostname:
        raise AssistantError(f"ASSISTANT_CHROMA_URL={url_text!r} is not a URL.")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                     ssl=url.scheme == "https", headers=headers)
        client.heartbeat()
        server = client.get_version()
    except Exception as exc:  # chromadb raises several types for an unreachable server
        text = str(exc).lower()
        if any(word in text for word in ("401", "403", "unauthori", "forbidden")):
            raise AssistantError(
                f"The Chroma server at {url_text} refused the request; set "
                "ASSISTANT_CHROMA_TOKEN to its token.") from None
        raise AssistantError(
            f"Cannot reach the Chroma server at {url_text} ({exc.__class__.__name__}); start it "
            "with `chroma run --path DIR --host 127.0.0.1 --port N` or unset "
            "ASSISTANT_CHROMA_URL."
        ) from None
    # The server speaks the API of its major version (the 1.x server reports "1.0.0" whatever
    # package ships it): a client of another major version cannot read its collections.
    installed = chromadb_version()
    if _major(server) != _major(installed):
        raise AssistantError(
            f"The Chroma server at {url_text} runs chromadb {server} but this app has "
            f"{installed}; run a chromadb {_major(installed)}.x server (`make install` "
            "installs one here: `.venv/bin/chroma run`).")
    return client


def _major(version: str) -> str:
    return str(version).split(".")[0]


class ServerBuilds:
    """Builds as collections on a Chroma server; a meta collection holds pointer and manifests.

    Several app replicas can read the same server. Builds still take a lock in the local index
    folder, so run `index` from one place.
    """

    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.client = client or http_client(settings.chroma_url, settings.chroma_token)
        self.prefix = f"{settings.collection}-build-"
        self.meta = self.client.get_or_create_collection(f"{settings.collection}-meta")

    def lock(self):
        return build_lock(Path(self.settings.index_dir))

    def _read(self, key: str) -> str | None:
        got = self.meta.get(ids=[key], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def _write(self, key: str, text: str) -> None:
        # Meta records carry no meaningful vector; Chroma needs one, so a constant stands in.
        self.meta.upsert(ids=[key], documents=[text], embeddings=[[0.0]])

    def current(self) -> str | None:
        return self._read(CURRENT)

    def manifest(self) -> dict | None:
        name = self.current()
        if name is None:
            return None
        text = self._read(f"{MANIFEST}:{name}")
        if text is None:
            raise AssistantError(f"The index on the Chroma server has no manifest; {REBUILD}.")
        return json.loads(text)

    def open(self) -> OpenBuild:
        name = self.current()
        if name is None:
            raise AssistantError(
                f"There is no index on the Chroma server {self.settings.chroma_url}; build it "
                "with `python -m assistant index`."
            )
        return OpenBuild(name, self.client, self.prefix + name, self.keyword_path(name),
                         owns_client=False)

    def begin(self, name: str, copy_published: bool, compact: bool = True
              ) -> tuple[object, str]:
        """A new collection, with the published one's vectors copied in (always compact)."""
        self.client.create_collection(
            self.prefix + name, configuration={"hnsw": {"space": "cosine"}})
        current = self.current() if copy_published else None
        if current:
            copy_collections(self.client, self.client, self.prefix + current, self.prefix + name)
        return self.client, self.prefix + name

    def keyword_path(self, name: str) -> Path:
        """The keyword index is local to each replica: a cache file per build, made on demand."""
        folder = Path(self.settings.index_dir) / "keyword-cache"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.sqlite3"

    def save_manifest(self, name: str, manifest: dict) -> None:
        self._write(f"{MANIFEST}:{name}", json.dumps(manifest))

    def publish(self, name: str) -> None:
        old = self.current()
        if old:
            self._write(PREVIOUS, old)
        self._write(CURRENT, name)

    @staticmethod
    def release(client) -> None:
        """The server's client is shared and stays open."""

    def verify(self) -> None:
        """The server keeps its own files; reading errors surface as clear messages."""

    def roll_back(self) -> str | None:
        return None

    def discard(self, name: str) -> None:
        for collection in (self.prefix + name, sentence_collection(self.prefix + name)):
            with contextlib.suppress(Exception):
                self.client.delete_collection(collection)
        self.meta.delete(ids=[f"{MANIFEST}:{name}"])

    def cleanup(self) -> None:
        keep = {self.current(), self._read(PREVIOUS)}
        for collection in self.client.list_collections():
            name = getattr(collection, "name", collection)
            build = name[len(self.prefix):].removesuffix(SUFFIX)
            if name.startswith(self.prefix) and build not in keep:
                self.discard(build)
