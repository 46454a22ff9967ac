"""The one fake LLM provider of the test suite: an OpenAI-compatible server with scripted faults (127.0.0.1).

Tests use real litellm against it (through the `fault_server` fixture of tests/conftest.py); it stands in for a
provider only where a test needs to control what the provider does. It answers /v1/chat/completions,
/v1/completions and /v1/models. Each request is matched against scripted rules (by prompt substring and/or
model) and served with the rule's next fault, or normally once the rule's script is used up. A normal answer
is a deterministic markdown review whose numeric citations point into a reference list built from the
prompt's "[n] Title" lines (or a rule's scripted text), with realistic usage numbers. Every request is
recorded (monotonic time, path, body, body hash, prompt hash, fault served, usage) so tests can count calls
and check retries and Retry-After spacing; `count` is the number of requests received.

Faults: "400" (a bad request, not retryable), "429" (with Retry-After), "500", "503", "hang" (sleep past the
client timeout), "malformed" (200 with a broken JSON body), "empty" (200 with an empty completion), "length"
(a normal answer whose finish_reason is "length", as when max_tokens cuts it), "drop" (headers and half a
body, then the connection is closed), "auth" (401 echoing the key sent, as real providers do), "sigill" /
"sigkill" (the server process kills itself with that signal, as a llama.cpp build for the wrong CPU or the
OOM killer does), "ok". `peak` is the most completions answered at once (for concurrency limits).

Support-judge prompts (the support_judge template: sources, then the claim) are answered from a verdict
script per (claim, abstract): `script_verdicts({(claim, abstract): True, ...})`, see `judge_reply`.

Run it standalone (as a stand-in for the local llama.cpp server, for subprocess tests and the benchmarks)
with `python tests/fakes/provider.py [--port N | --port-file PATH] [--script JSON] [--latency S]`; it
prints its api_base on stdout once it listens.
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
from http.server import BaseHTTPRequestHandler
from typing import Any

try:
    from .local_http import LocalServer
except ImportError:  # run as a script (the local-server stand-in): tests/fakes is on sys.path
    from local_http import LocalServer  # type: ignore[no-redef]

FAULTS = ("ok", "400", "429", "500", "503", "hang", "malformed", "empty", "length", "drop", "auth", "sigill",
          "sigkill")
_POOL_LINE = re.compile(r"^\s*\[(\d{1,4})\]\s+(\S.*?)\s*$", re.MULTILINE)


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
    body: dict[str, Any]
    body_sha: str
    prompt_sha: str
    model: str
    fault: str
    retry_after: float | None = None
    prompt: str = ""
    usage: tuple[int, int] | None = None  # (prompt, completion) tokens of a fully delivered answer


@dataclass
class FaultState:
    """The script and answer settings shared by the handler threads (guarded by the server's lock)."""

    rules: list[Rule] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)  # Authorization headers seen (tests check a key was sent)
    hang_s: float = 30.0
    latency_s: float = 0.0
    words: int = 260
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


_CLAIM = re.compile(r"=== SOURCES ===\n(?P<sources>.*)=== CLAIM ===\n(?P<claim>.*?)\n=== END ===", re.DOTALL)


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


def _error_body(status: int, message: str, etype: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": etype, "code": str(status)}}


def completion(kind: str, model: str, text: str, prompt: str, finish: str = "stop") -> dict[str, Any]:
    """An OpenAI chat or text completion object carrying text, with usage counted from prompt and text."""
    pt, ct = _tokens(prompt), _tokens(text)
    usage = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
    cid = "cmpl-" + hashlib.sha1(f"{prompt}|{text}".encode()).hexdigest()[:16]
    if kind == "chat":
        return {"id": cid, "object": "chat.completion", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": finish}], "usage": usage}
    return {"id": cid, "object": "text_completion", "created": 1700000000, "model": model,
            "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}],
            "usage": usage}


class FaultServer(LocalServer):
    """The fake provider and its controls: start(), script(...), records, count, stop(). A context manager."""

    def __init__(self, *, max_requests: int = 500, lifetime_s: float = 120.0, hang_s: float = 30.0,
                 latency_s: float = 0.0, words: int = 260, port: int = 0):
        super().__init__(max_requests=max_requests, lifetime_s=lifetime_s, port=port, name="fault-server")
        self.state = FaultState(hang_s=hang_s, latency_s=latency_s, words=words)
        self.active = 0  # completion requests being answered now
        self.peak = 0  # the most answered at once (tests of concurrency limits; set it to 0 between phases)

    @property
    def api_base(self) -> str:
        """What a litellm 'openai/<name>' model takes as api_base."""
        return f"{self.base}/v1"

    @property
    def latency_s(self) -> float:
        """Seconds every completion waits before it is answered (settable mid-test)."""
        return self.state.latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self.state.latency_s = value

    # -- answering ---------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        if method == "GET":
            if h.path.rstrip("/").endswith("/models"):
                self.send_json(h, 200, {"object": "list", "data": [{"id": "fault-model", "object": "model",
                                                                     "owned_by": "fault-server"}]})
            else:
                self.send_json(h, 404, _error_body(404, f"no route {h.path}", "not_found"))
            return
        raw = self.read_body(h)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.send_json(h, 400, _error_body(400, "request body is not JSON", "invalid_request_error"))
            return
        rec, rule = self._record(h, raw, body)
        path = rec.path
        if rec.fault == "cap":
            self.send_json(h, 503, _error_body(503, "fault server request cap reached", "server_error"))
            return
        if not path.endswith("/completions"):
            self.send_json(h, 404, _error_body(404, f"no route {h.path}", "not_found"))
            return
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if self.state.latency_s:
                self.stopping.wait(self.state.latency_s)
            kind = "chat" if path.endswith("/chat/completions") else "text"
            if not self._serve_fault(h, rec, rule, kind, body):
                self._answer(h, rec, rule, kind, body)
        finally:
            with self.lock:
                self.active -= 1

    def _record(self, h: BaseHTTPRequestHandler, raw: bytes, body: dict[str, Any]) -> tuple[Record, Rule | None]:
        """Log the request with the fault its rule serves ('cap' over max_requests)."""
        prompt = prompt_of(body)
        model = str(body.get("model", ""))
        with self.lock:
            rule = next((r for r in self.state.rules if r.applies(prompt, model)), None)
            fault = (rule.next_fault() if rule else None) or "ok"
            rec = Record(t=time.monotonic(), wall=time.time(), path=h.path.split("?")[0].rstrip("/"), body=body,
                         body_sha=hashlib.sha256(raw).hexdigest(),
                         prompt_sha=hashlib.sha256(prompt.encode()).hexdigest(), model=model, fault=fault,
                         retry_after=rule.retry_after if (rule and fault == "429") else None,
                         prompt=prompt)
            if not self.admit(rec):
                rec.fault = "cap"
            self.state.auth.append(h.headers.get("Authorization") or "")
        return rec, rule

    def _serve_fault(self, h: BaseHTTPRequestHandler, rec: Record, rule: Rule | None, kind: str,
                     body: dict[str, Any]) -> bool:
        """Serve an error-like fault; False when the request gets a completion (ok, empty, length)."""
        fault = rec.fault
        if fault in ("sigill", "sigkill"):
            # directed at this thread, so it dies here, before any reply is written (as a faulting process does)
            signal.pthread_kill(threading.get_ident(), signal.SIGILL if fault == "sigill" else signal.SIGKILL)
        if fault == "429":
            ra = rule.retry_after if rule else 1.0
            ra_txt = str(int(ra)) if float(ra).is_integer() else str(ra)
            self.send_json(h, 429, _error_body(429, "rate limited by fault server", "rate_limit_error"),
                           {"Retry-After": ra_txt})
        elif fault == "auth":  # like real providers, echo the key that was sent (a leak path to test)
            key = (h.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            self.send_json(h, 401, _error_body(401, f"Incorrect API key provided: {key}. You can find your API "
                                                    "key at https://example.invalid/keys.", "invalid_request_error"))
        elif fault == "400":
            self.send_json(h, 400, _error_body(400, "bad request injected by fault server", "invalid_request_error"))
        elif fault == "500":
            self.send_json(h, 500, _error_body(500, "internal error injected by fault server", "server_error"))
        elif fault == "503":
            self.send_json(h, 503, _error_body(503, "service unavailable injected by fault server", "server_error"))
        elif fault == "hang":
            self.stopping.wait(self.state.hang_s)
            try:
                self.send_json(h, 504, _error_body(504, "hung request finally answered", "timeout"))
            except OSError:
                pass
        elif fault == "malformed":
            self.send(h, 200, b'{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"index": 0, "mess')
        elif fault == "drop":
            text = fake_review(rec.prompt, body.get("seed"), self.state.words)
            payload = json.dumps(completion(kind, rec.model, text, rec.prompt)).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload[: len(payload) // 2])
            h.wfile.flush()
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            h.close_connection = True
        else:
            return False
        return True

    def _answer(self, h: BaseHTTPRequestHandler, rec: Record, rule: Rule | None, kind: str,
                body: dict[str, Any]) -> None:
        """A completion: empty, the rule's text, the scripted judge verdict, or a generated review."""
        if rec.fault == "empty":
            text = ""
        elif rule is not None and rule.text is not None:
            text = rule.text
        elif (verdict := judge_reply(rec.prompt, self.state, body.get("seed"))) is not None:
            text = verdict
        else:
            text = fake_review(rec.prompt, body.get("seed"), self.state.words)
        payload = completion(kind, rec.model, text, rec.prompt, "length" if rec.fault == "length" else "stop")
        self.send_json(h, 200, payload)
        with self.lock:
            rec.usage = (payload["usage"]["prompt_tokens"], payload["usage"]["completion_tokens"])

    # -- scripting and inspection ------------------------------------------------------------------------
    def script(self, faults: list[str], *, match: str | None = None, model: str | None = None,
               retry_after: float = 1.0, text: str | None = None) -> Rule:
        """Serve `faults` in order to matching requests, then answer normally (with `text` when given).

        The first matching rule wins."""
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; known: {FAULTS}")
        rule = Rule(faults=list(faults), match=match, model=model, retry_after=retry_after, text=text)
        with self.lock:
            self.state.rules.append(rule)
        return rule

    def script_verdicts(self, verdicts: dict[tuple[str, str], bool | list[bool]],
                        replies: dict[str, str] | None = None) -> None:
        """Script the support judge: (claim, abstract substring) -> verdict(s); replies: claim -> raw reply."""
        with self.lock:
            self.state.verdicts.update(verdicts)
            self.state.judge_replies.update(replies or {})

    def judge_requests(self) -> list[Record]:
        """Records of support-judge requests (prompts in the support_judge format)."""
        return [r for r in self.records if _CLAIM.search(r.prompt)]

    def reset(self) -> None:
        """Forget rules and records (between phases of a test): count starts again from 0."""
        with self.lock:
            self.state.rules.clear()
            self.log.clear()
            self.state.auth.clear()
            self.state.verdicts.clear()
            self.state.judge_replies.clear()

    @property
    def records(self) -> list[Record]:
        """Every request received, in arrival order."""
        with self.lock:
            return list(self.log)

    def requests_matching(self, text: str | None = None, model: str | None = None) -> list[Record]:
        """Records whose prompt contains text (and whose model is model), in arrival order."""
        return [r for r in self.records
                if (text is None or text in r.prompt) and (model is None or r.model == model)]


def _main(argv: list[str] | None = None) -> None:
    """Standalone mode: print the api_base (and write the port to --port-file), serve until the lifetime ends."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script", default="[]", help='JSON list of {"faults": [...], "match": ..., "model": ...}')
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--max-requests", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--hang", type=float, default=30.0)
    ap.add_argument("--words", type=int, default=260, help="length of the generated reviews")
    args = ap.parse_args(argv)
    srv = FaultServer(max_requests=args.max_requests, lifetime_s=args.lifetime, latency_s=args.latency,
                      hang_s=args.hang, words=args.words, port=args.port)
    for r in json.loads(args.script):
        srv.script(r["faults"], match=r.get("match"), model=r.get("model"), retry_after=r.get("retry_after", 1.0),
                   text=r.get("text"))
    srv.start()
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(srv.api_base, flush=True)
    try:
        srv.stopping.wait(args.lifetime)
    except KeyboardInterrupt:
        pass
    srv.stop()
    sys.exit(0)


if __name__ == "__main__":
    _main()
