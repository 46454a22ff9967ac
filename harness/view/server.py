"""Serve the viewer with uvicorn on a socket bound before start-up, so the printed URL names the real port."""

from __future__ import annotations

import socket
import threading
from typing import Callable

import uvicorn

from harness.core.errors import HarnessError
from harness.report.stats import N_BOOT
from harness.view.app import create_app
from harness.view.data import ViewData

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); HarnessError naming --port when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise HarnessError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="--port") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(data: ViewData, *, host: str = "127.0.0.1", port: int = 0, annotator: str = "anonymous",
          n_boot: int = N_BOOT, echo: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C; prints the URL and opens nothing."""
    sock = bind(host, port)
    hosts = ["127.0.0.1", "localhost", "[::1]"] if host in LOOPBACK else ["*"]
    app = create_app(data, annotator=annotator, allowed_hosts=hosts, n_boot=n_boot)
    threading.Thread(target=app.state.view.warm, daemon=True).start()
    echo(f"harness view: {url_of(sock, host)}  (Ctrl-C stops)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
