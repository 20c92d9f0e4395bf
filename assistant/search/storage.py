"""Where index builds live: the build storage the settings ask for."""

from __future__ import annotations

from ..config import Settings
from .builds import Builds
from .local_builds import LocalBuilds
from .server_builds import ServerBuilds


def builds_for(settings: Settings, client=None) -> Builds:
    """The build storage the settings ask for."""
    if settings.chroma_url or client is not None:
        return ServerBuilds(settings, client)
    return LocalBuilds(settings)
