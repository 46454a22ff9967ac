"""A fault-injecting OpenAI-compatible server for reliability tests (127.0.0.1, bounded in requests and time).

It answers /v1/chat/completions, /v1/completions and /v1/models. Each request is matched against scripted
rules (by prompt substring and/or model) and served with the rule's next fault, or normally once the rule's
script is used up. A normal answer is a deterministic markdown review whose numeric citations point into a
reference list built from the prompt's "[n] Title" lines, with realistic usage numbers. Every request is
recorded (monotonic time, path, body hash, prompt hash, fault served) so tests can check retries and
Retry-After spacing.

Faults: "429" (with Retry-After), "500", "503", "hang" (sleep past the client timeout), "malformed" (200
with a broken JSON body), "empty" (200 with an empty completion), "drop" (headers and half a body, then the
connection is closed), "auth" (401 echoing the key sent, as real providers do), "sigill" / "sigkill" (the
server process kills itself with that signal, as a llama.cpp build for the wrong CPU or the OOM killer does), "ok".

Support-judge prompts (the support_judge template: sources, then the claim) are answered from a verdict
script per (claim, abstract): `script_verdicts({(claim, abstract): True, ...})`, see `judge_reply`.

Run it standalone (for the kill/resume subprocess tests) with
`python tests/reliability/fault_server.py --port-file PATH [--script JSON]` (or `--port N`, as a stand-in for
the local llama.cpp server).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("ok", "429", "500", "503", "hang", "malformed", "empty", "drop", "auth", "sigill", "sigkill")
_POOL_LINE = re.compile(r"^\s*\[(\d{1,4})\]\s+(\S.*?)\s*$", re.M)


@dataclass
class Rule:
    """Serve `faults` in order to requests whose prompt contains `match` (and whose model is `model`)."""

    faults: list[str]
    match: str | None = None
    model: str | None = None
    retry_after: float = 1.0
    text: str | None = None  # when set, normal answers carry this text instead of the generated review
    served: int = 0

    def applies(self, prompt: str, model: str) -> bool:
        if self.match is not None and self.match not in prompt:
            return False
        if self.model is not None and self.model != model:
            return False
        return True

    def next_fault(self) -> str | None:
        """The next scripted fault, or None when the script is used up (then the request is answered)."""
        if self.served < len(self.faults):
            f = self.faults[self.served]
            self.served += 1
            return f
        return None


@dataclass
class Record:
    """One request as the server saw it."""

    t: float
    wall: float
    path: str
    body_sha: str
    prompt_sha: str
    model: str
    fault: str
    retry_after: float | None = None
    prompt: str = ""
    usage: tuple[int, int] | None = None  # (prompt, completion) tokens of a fully delivered answer


@dataclass
class FaultState:
    """Rules, records and limits shared by the handler threads."""

    rules: list[Rule] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)  # Authorization headers seen (tests check a key was sent)
    max_requests: int = 500
    hang_s: float = 30.0
    latency_s: float = 0.0
    words: int = 260
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    # support-judge script: (claim, abstract substring) -> verdict, or verdicts indexed by the request's seed
    verdicts: dict[tuple[str, str], bool | list[bool]] = field(default_factory=dict)
    judge_replies: dict[str, str] = field(default_factory=dict)  # claim -> raw reply (e.g. an unparseable one)


def prompt_of(body: dict[str, Any]) -> str:
    """The text a request sends: the completion prompt, or every chat message's content joined."""
    if "messages" in body:
        parts = []
        for m in body.get("messages") or []:
            c = m.get("content")
            if isinstance(c, list):
                c = " ".join(str(p.get("text", "")) for p in c if isinstance(p, dict))
            parts.append(str(c or ""))
        return "\n".join(parts)
    p = body.get("prompt", "")
    if isinstance(p, list):
        p = "\n".join(str(x) for x in p)
    return str(p)


def pool_titles(prompt: str) -> list[tuple[int, str]]:
    """The "[n] Title" lines of a prompt (first occurrence of each number)."""
    seen: dict[int, str] = {}
    for m in _POOL_LINE.finditer(prompt):
        n = int(m.group(1))
        if n not in seen:
            seen[n] = m.group(2)
    return sorted(seen.items())


def fake_review(prompt: str, seed: Any = None, words: int = 260) -> str:
    """A deterministic markdown review citing the prompt's pool with [n] markers, and its reference list."""
    digest = hashlib.sha256(f"{seed}|{prompt}".encode()).digest()
    pool = pool_titles(prompt)
    topic = "the topic"
    m = re.search(r"(?:topic|Topic|TOPIC)\s*[:=]?\s*\"?([^\n\"]{3,80})", prompt)
    if m:
        topic = m.group(1).strip().rstrip(".")
    # choose up to 8 cited papers deterministically from the pool
    chosen: list[tuple[int, str]] = []
    if pool:
        k = min(len(pool), 3 + digest[0] % 6)
        start = digest[1] % len(pool)
        step = 1 + digest[2] % max(1, len(pool) - 1) if len(pool) > 1 else 1
        idx = start
        used: set[int] = set()
        while len(chosen) < k:
            while idx in used:
                idx = (idx + 1) % len(pool)
            used.add(idx)
            chosen.append(pool[idx])
            idx = (idx + step) % len(pool)
    sections = ["Introduction", "Methods", "Applications", "Open Problems"]
    filler = ("This line of work studies how models are trained, evaluated and deployed, and what the evidence "
              "says about their strengths and limits in practice")
    lines = [f"# A Review of {topic}", ""]
    per_section = max(1, words // (len(sections) * 25))
    c = 0
    for s in sections:
        lines += [f"## {s}", ""]
        sents = []
        for j in range(per_section):
            if chosen:
                n, title = chosen[c % len(chosen)]
                c += 1
                short = " ".join(title.split()[:6])
                sents.append(f"{filler}, as shown by work on {short} [{n}].")
            else:
                sents.append(f"{filler}.")
        lines += [" ".join(sents), ""]
    if chosen:
        lines += ["## References", ""]
        for n, title in sorted(chosen):
            lines.append(f"[{n}] {title}")
    return "\n".join(lines).rstrip() + "\n"


_CLAIM = re.compile(r"=== SOURCES ===\n(?P<sources>.*)=== CLAIM ===\n(?P<claim>.*?)\n=== END ===", re.S)


def judge_reply(prompt: str, st: FaultState, seed: Any = None) -> str | None:
    """The scripted support-judge reply for a prompt in the support_judge format, or None for other prompts.

    SUPPORTED when some scripted (claim, abstract) pair with this claim has its abstract among the
    prompt's sources and a true verdict (for a list of verdicts: the one at the request's seed); else
    NOT_SUPPORTED. Claims are matched as substrings of the prompt's claim; judge_replies overrides the reply."""
    m = _CLAIM.search(prompt)
    if m is None:
        return None
    claim, sources = m.group("claim").strip(), m.group("sources")
    for c, reply in st.judge_replies.items():
        if c in claim:
            return reply
    for (c, abstract), v in st.verdicts.items():
        if c in claim and abstract in sources:
            ok = v[int(seed or 0) % len(v)] if isinstance(v, list) else v
            if ok:
                return "SUPPORTED"
    return "NOT_SUPPORTED"


def _tokens(text: str) -> int:
    """A realistic token count (about 4 characters per token, at least 1 for non-empty text)."""
    return max(1, (len(text) + 3) // 4) if text else 0


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    # -- helpers -----------------------------------------------------------------------------------------
    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
              ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers)

    def _error(self, status: int, message: str, etype: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"error": {"message": message, "type": etype, "code": str(status)}}, headers)

    # -- routes ------------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fault-model", "object": "model",
                                                          "owned_by": "fault-server"}]})
        else:
            self._error(404, f"no route {self.path}", "not_found")

    def do_POST(self) -> None:  # noqa: N802
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0].rstrip("/")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "request body is not JSON", "invalid_request_error")
            return
        prompt = prompt_of(body)
        model = str(body.get("model", ""))
        with st.lock:
            over = len(st.records) >= st.max_requests
            rule = next((r for r in st.rules if r.applies(prompt, model)), None)
            fault = (rule.next_fault() if rule else None) or "ok"
            if over:
                fault = "cap"
            rec = Record(t=time.monotonic(), wall=time.time(), path=path,
                         body_sha=hashlib.sha256(raw).hexdigest(),
                         prompt_sha=hashlib.sha256(prompt.encode()).hexdigest(), model=model, fault=fault,
                         retry_after=rule.retry_after if (rule and fault == "429") else None,
                         prompt=prompt)
            st.records.append(rec)
            st.auth.append(self.headers.get("Authorization") or "")
        if fault == "cap":
            self._error(503, "fault server request cap reached", "server_error")
            return
        if path.endswith("/chat/completions"):
            kind = "chat"
        elif path.endswith("/completions"):
            kind = "text"
        else:
            self._error(404, f"no route {self.path}", "not_found")
            return
        if st.latency_s:
            st.stopping.wait(st.latency_s)
        if fault in ("sigill", "sigkill"):
            # directed at this thread, so it dies here, before any reply is written (as a faulting process does)
            signal.pthread_kill(threading.get_ident(), signal.SIGILL if fault == "sigill" else signal.SIGKILL)
        if fault == "429":
            ra = rule.retry_after if rule else 1.0
            ra_txt = str(int(ra)) if float(ra).is_integer() else str(ra)
            self._error(429, "rate limited by fault server", "rate_limit_error", {"Retry-After": ra_txt})
        elif fault == "auth":  # like real providers, echo the key that was sent (a leak path to test)
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            self._error(401, f"Incorrect API key provided: {key}. You can find your API key at "
                             "https://example.invalid/keys.", "invalid_request_error")
        elif fault == "500":
            self._error(500, "internal error injected by fault server", "server_error")
        elif fault == "503":
            self._error(503, "service unavailable injected by fault server", "server_error")
        elif fault == "hang":
            st.stopping.wait(st.hang_s)
            try:
                self._error(504, "hung request finally answered", "timeout")
            except OSError:
                pass
        elif fault == "malformed":
            self._send(200, b'{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"index": 0, "mess')
        elif fault == "drop":
            text = fake_review(prompt, body.get("seed"), st.words)
            payload = json.dumps(self._completion(kind, model, text, prompt)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True
        else:
            if fault == "empty":
                text = ""
            elif rule is not None and rule.text is not None:
                text = rule.text
            elif (verdict := judge_reply(prompt, st, body.get("seed"))) is not None:
                text = verdict
            else:
                text = fake_review(prompt, body.get("seed"), st.words)
            payload = self._completion(kind, model, text, prompt)
            self._json(200, payload)
            with st.lock:
                rec.usage = (payload["usage"]["prompt_tokens"], payload["usage"]["completion_tokens"])

    @staticmethod
    def _completion(kind: str, model: str, text: str, prompt: str) -> dict[str, Any]:
        pt, ct = _tokens(prompt), _tokens(text)
        usage = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
        cid = "cmpl-" + hashlib.sha1(f"{prompt}|{text}".encode()).hexdigest()[:16]
        if kind == "chat":
            return {"id": cid, "object": "chat.completion", "created": 1700000000, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop"}], "usage": usage}
        return {"id": cid, "object": "text_completion", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
                "usage": usage}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: FaultState


class FaultServer:
    """The server and its controls: start(), script(...), records, stop(). Use as a context manager."""

    def __init__(self, *, max_requests: int = 500, lifetime_s: float = 120.0, hang_s: float = 30.0,
                 latency_s: float = 0.0, words: int = 260, port: int = 0):
        self.state = FaultState(max_requests=max_requests, hang_s=hang_s, latency_s=latency_s, words=words)
        self.lifetime_s = lifetime_s
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.state = self.state
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def api_base(self) -> str:
        """What a litellm 'openai/<name>' model takes as api_base."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-server", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)  # server-side hard stop
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        self.state.stopping.set()
        if self._timer is not None and threading.current_thread() is not self._timer:
            self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------------------------
    def script(self, faults: list[str], *, match: str | None = None, model: str | None = None,
               retry_after: float = 1.0, text: str | None = None) -> Rule:
        """Serve `faults` in order to matching requests, then answer normally (with `text` when given).

        The first matching rule wins."""
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; known: {FAULTS}")
        rule = Rule(faults=list(faults), match=match, model=model, retry_after=retry_after, text=text)
        with self.state.lock:
            self.state.rules.append(rule)
        return rule

    def script_verdicts(self, verdicts: dict[tuple[str, str], bool | list[bool]],
                        replies: dict[str, str] | None = None) -> None:
        """Script the support judge: (claim, abstract substring) -> verdict(s); replies: claim -> raw reply."""
        with self.state.lock:
            self.state.verdicts.update(verdicts)
            self.state.judge_replies.update(replies or {})

    def judge_requests(self) -> list[Record]:
        """Records of support-judge requests (prompts in the support_judge format)."""
        return [r for r in self.records if _CLAIM.search(r.prompt)]

    def reset(self) -> None:
        """Forget rules and records (between phases of a test)."""
        with self.state.lock:
            self.state.rules.clear()
            self.state.records.clear()
            self.state.auth.clear()
            self.state.verdicts.clear()
            self.state.judge_replies.clear()

    @property
    def records(self) -> list[Record]:
        with self.state.lock:
            return list(self.state.records)

    def requests_matching(self, text: str | None = None, model: str | None = None) -> list[Record]:
        """Records whose prompt contains text (and whose model is model), in arrival order."""
        return [r for r in self.records
                if (text is None or text in r.prompt) and (model is None or r.model == model)]


def _main(argv: list[str] | None = None) -> None:
    """Standalone mode: write the port to --port-file and serve until the lifetime ends."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script", default="[]", help='JSON list of {"faults": [...], "match": ..., "model": ...}')
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--max-requests", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--hang", type=float, default=30.0)
    args = ap.parse_args(argv)
    srv = FaultServer(max_requests=args.max_requests, lifetime_s=args.lifetime, latency_s=args.latency,
                      hang_s=args.hang, port=args.port)
    for r in json.loads(args.script):
        srv.script(r["faults"], match=r.get("match"), model=r.get("model"), retry_after=r.get("retry_after", 1.0),
                   text=r.get("text"))
    srv.start()
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.port))
        os.replace(args.port_file + ".tmp", args.port_file)
    srv.state.stopping.wait(args.lifetime)
    srv.stop()
    sys.exit(0)


if __name__ == "__main__":
    _main()
