"""``simengine view STORE``: a local, read-only web viewer for one rendered store.

The server (:mod:`.server`) binds 127.0.0.1 only and answers a small allow-listed JSON/PNG/WAV
API (:mod:`.camera`, :mod:`.lidar`, :mod:`.audio`, :mod:`.labels`, :mod:`.index`) plus the
single-page app shipped as package data in ``static/`` (plain HTML/CSS/JS: nothing is
fetched from the internet at run time).
"""

from __future__ import annotations

from .server import ViewerServer, make_server, serve

__all__ = ["ViewerServer", "make_server", "serve"]
