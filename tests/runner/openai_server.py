"""A small OpenAI-compatible test server on 127.0.0.1 (stdlib, in a thread) with latency and scripted faults.

Answers /v1/chat/completions and /v1/completions with a deterministic review built from the "[n] Title" pool lines
of the prompt (so scorers see real citations). Faults are queued with `server.script(...)` and consumed one per
request; extend `Fault` / `_apply_fault` for new behaviours. Bounded: at most max_requests answered, and the
server thread stops on `close()` (or leaving the `with` block).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_POOL_LINE = re.compile(r"^\s*\[(\d+)\]\s+(.+?)\s*$", re.M)


@dataclass
class Fault:
    """One scripted answer: kind in ok | status | hang | malformed | empty | drop."""

    kind: str = "ok"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    body: str | None = None


def review_text(prompt: str, n_cites: int = 6) -> str:
    """A short deterministic markdown review citing the first pool entries found in the prompt."""
    pool = _POOL_LINE.findall(prompt)[:n_cites]
    h = hashlib.sha256(prompt.encode()).hexdigest()[:8]
    if not pool:
        pool = [("1", f"An unnamed study {h}")]
    body = [f"# A Review ({h})", "", "## Introduction", ""]
    for n, title in pool:
        body.append(f"Work on {title.split('.')[0][:60].lower()} is relevant here [{n}].")
    body += ["", "## Conclusion", "", "These studies together map the field.", "", "## References", ""]
    body += [f"[{n}] {title}" for n, title in pool]
    return "\n".join(body) + "\n"


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops SYNs of 16 concurrent connects: 1 s retransmit stalls


class OpenAIServer:
    """Start with `with OpenAIServer(latency_s=0.2) as srv:`; point litellm at `openai/<name>` + srv.api_base."""

    def __init__(self, latency_s: float = 0.0, max_requests: int = 10_000, port: int = 0):
        self.latency_s = latency_s
        self.max_requests = max_requests
        self.requests: list[dict[str, Any]] = []
        self.faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._json(400, {"error": {"message": "bad json"}})
                    return
                with server._lock:
                    n = len(server.requests)
                    if n >= server.max_requests:
                        fault = Fault("status", 503, body="test server request limit reached")
                    else:
                        fault = server.faults.popleft() if server.faults else Fault("ok")
                    server.requests.append({"path": self.path, "payload": payload, "fault": fault.kind,
                                            "time": time.time()})
                server._answer(self, payload, fault)

            def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = _Server(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # ----- control ------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *faults: Fault) -> None:
        """Queue faults for the next requests (one each, in order); afterwards requests succeed."""
        with self._lock:
            self.faults.extend(faults)

    @property
    def count(self) -> int:
        return len(self.requests)

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- answers ------------------------------------------------------------------------------

    def _answer(self, h: Any, payload: dict[str, Any], fault: Fault) -> None:
        if self.latency_s:
            time.sleep(self.latency_s)
        if fault.kind == "status":
            h._json(fault.status, {"error": {"message": fault.body or f"injected {fault.status}",
                                             "type": "server_error"}}, fault.headers)
            return
        if fault.kind == "hang":
            time.sleep(fault.seconds)
        if fault.kind == "drop":
            h.send_response(200)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", "1000")
            h.end_headers()
            h.wfile.write(b'{"id": "x", "choi')
            h.wfile.flush()
            h.close_connection = True
            return
        if fault.kind == "malformed":
            data = (fault.body or "{not json").encode()
            h.send_response(200)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        chat = "messages" in payload
        prompt = "\n".join(m.get("content") or "" for m in payload.get("messages", [])) if chat \
            else str(payload.get("prompt") or "")
        text = "" if fault.kind == "empty" else review_text(prompt)
        words = text.split()
        max_tokens = int(payload.get("max_tokens") or 10_000)
        finish = "stop"
        if len(words) > max_tokens:
            text, finish = " ".join(words[:max_tokens]), "length"
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": min(len(words), max_tokens)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
            obj = "chat.completion"
        else:
            choice["text"] = text
            choice["logprobs"] = None
            obj = "text_completion"
        h._json(200, {"id": "cmpl-" + hashlib.sha1(prompt.encode()).hexdigest()[:12], "object": obj,
                      "created": int(time.time()), "model": payload.get("model", "fake"), "choices": [choice],
                      "usage": usage})


def main() -> None:
    """Serve in the foreground (for manual tries): python tests/runner/openai_server.py [latency_s]."""
    import sys

    srv = OpenAIServer(latency_s=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
    srv.start()
    print(srv.api_base, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.close()


if __name__ == "__main__":
    main()
