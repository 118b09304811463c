"""The viewer's HTTP server: 127.0.0.1 only, GET/HEAD only, read-only, one store.

Requests are answered by :class:`~.routes.App` (allow-listed routes, names checked against
the store); other methods get 405, other Host headers 403 (a page elsewhere that resolves its
own name to 127.0.0.1 must not read the store).
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from .audio import logmel
from .routes import App, json_response
from .store_view import BadRequestError, NotFoundError, StoreView

HOST = "127.0.0.1"
# The page may load only what this server serves: nothing from the internet.
_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self'; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class ViewerServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 serving one store read-only."""

    daemon_threads = True  # a browser's idle keep-alive connection never blocks exit

    def __init__(self, store: str | Path, port: int = 0) -> None:
        self.app = App(StoreView(store))  # bad store: StoreError (a UserError) before binding
        if self.app.view.sensors_of("microphone"):
            # librosa's first call imports and compiles for ~2 s: do it before anyone waits
            threading.Thread(target=_warm_up_librosa, daemon=True).start()
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a browser cancels requests all the time (a new sample before the last one loaded):
        # that is not worth a traceback in the user's terminal
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"


def _warm_up_librosa() -> None:
    logmel(np.zeros(1024, np.float32), 8000.0)


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    protocol_version = "HTTP/1.1"
    server_version = "simengine-view"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def parse_request(self) -> bool:
        """Refuse every method but GET and HEAD (405) before dispatch, including ones
        ``http.server`` does not know (it would answer 501)."""
        if not super().parse_request():
            return False
        if self.command in ("GET", "HEAD"):
            return True
        self.close_connection = True  # any request body stays unread
        refusal = {"error": f"method {self.command} not allowed (read-only)"}
        self._send(*json_response(refusal, 405), head=False, extra={"Allow": "GET, HEAD"})
        return False

    def _serve(self, head: bool) -> None:
        host = self.headers.get("Host")
        allowed = {f"{HOST}:{self.server.port}", f"localhost:{self.server.port}"}
        try:
            if host is not None and host.lower() not in allowed:
                # a page elsewhere that resolves its own name to 127.0.0.1 (DNS rebinding)
                # must not read the store
                response = json_response({"error": "unexpected Host header"}, 403)
            else:
                response = self.server.app.handle(self.path)
        except NotFoundError as exc:
            response = json_response({"error": str(exc)}, 404)
        except BadRequestError as exc:
            response = json_response({"error": str(exc)}, 400)
        except Exception:  # a bug: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            response = json_response({"error": "internal error (see the server's log)"}, 500)
        self._send(*response, head=head)

    def _send(self, status: int, ctype: str, body: bytes, *, head: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).startswith("5"):  # only server errors reach the terminal
            super().log_request(code, size)


def make_server(store: str | Path, port: int = 0) -> ViewerServer:
    """A server for ``store`` on 127.0.0.1:``port`` (0 picks a free port), not yet
    serving: call ``serve_forever()`` (e.g. in a thread) and ``shutdown()``."""
    return ViewerServer(store, port)


def serve(store: str | Path, port: int = 0) -> None:
    """Serve ``store`` until interrupted (Ctrl-C raises KeyboardInterrupt to the caller
    after the socket is closed)."""
    server = make_server(store, port)
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C is how this command stops: also when it was started from a shell that
        # ignores SIGINT for its children (a background job without job control), and
        # SIGTERM stops it the same way
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"simengine view: {store} at {server.url} (read-only; Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
