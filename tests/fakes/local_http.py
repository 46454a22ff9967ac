"""The plumbing every in-test HTTP stand-in shares: 127.0.0.1 only, bounded in requests and lifetime, a request log.

A stand-in subclasses `LocalServer` and writes `handle(h, method)`; `admit(entry)` logs a request and says
whether it is within `max_requests` (over the cap the stand-in answers 503). The server stops itself after
`lifetime_s` even if a test forgets to, and `stop()` may be called any number of times.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the owning LocalServer."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self.server.owner.handle(self, "GET")

    def do_POST(self) -> None:
        self.server.owner.handle(self, "POST")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 drops SYNs of 16 concurrent connects: 1 s retransmit stalls
    owner: LocalServer


class LocalServer:
    """An HTTP server in a daemon thread on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, *, max_requests: int, lifetime_s: float, port: int = 0, name: str = "local-server"):
        self.max_requests = max_requests
        self.lifetime_s = lifetime_s
        self.name = name
        self.log: list[Any] = []  # one entry per request received, in arrival order (the stand-in's own type)
        self.lock = threading.RLock()  # guards log and whatever scripted state a stand-in keeps
        self.stopping = threading.Event()  # set on stop: handlers that wait (hangs, latency) wake up
        self._httpd = _HTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._stopped = False

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        """Requests received so far (those refused over the cap included)."""
        with self.lock:
            return len(self.log)

    def start(self) -> LocalServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)  # server-side hard stop
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self.lock:
            if self._stopped:
                return
            self._stopped = True
        self.stopping.set()
        if self._timer is not None and threading.current_thread() is not self._timer:
            self._timer.cancel()
        if self._thread is not None:
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for handle() ------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        """Answer one request (subclasses)."""
        raise NotImplementedError

    def admit(self, entry: Any) -> bool:
        """Log a request; False when it is over max_requests (the stand-in then answers 503)."""
        with self.lock:
            self.log.append(entry)
            return len(self.log) <= self.max_requests

    @staticmethod
    def read_body(h: BaseHTTPRequestHandler) -> bytes:
        length = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(length) if length else b""

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, body: bytes | str, ctype: str = "application/json",
             headers: dict[str, str] | None = None) -> None:
        payload = body.encode() if isinstance(body, str) else body
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)
        h.wfile.flush()

    @classmethod
    def send_json(cls, h: BaseHTTPRequestHandler, status: int, obj: Any,
                  headers: dict[str, str] | None = None) -> None:
        cls.send(h, status, json.dumps(obj), headers=headers)
