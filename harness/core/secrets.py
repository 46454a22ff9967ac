"""Secrets: which config fields and environment variables hold keys, and redaction of them from all that is written."""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any, Mapping

REDACTED = "***"

_SECRET_NAME = re.compile(r"(^|[_\-.])(api_?key|key|token|secret|password|passwd|auth|authorization)s?($|[_\-.])",
                          re.I)
_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{30,}|hf_[A-Za-z0-9]{20,}"
    r"|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}"
    r"|Bearer\s+[A-Za-z0-9_\-.=]{16,})"
)
# The literal each alternative of _KEY_PATTERNS starts with.
_KEY_HINTS = ("sk-", "sk_", "AIza", "hf_", "gsk_", "xai-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "AKIA", "Bearer")
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_ACCESS_KEY")
_NOT_SECRET_NAMES = {"max_tokens", "input_tokens", "output_tokens", "tokens", "keys", "key_hash"}


def secret_name(name: str) -> bool:
    """True for field names that hold secrets (api_key, token, client_secret...), not max_tokens etc."""
    n = str(name).lower()
    if n in _NOT_SECRET_NAMES or n.endswith("_tokens"):
        return False
    return bool(_SECRET_NAME.search(n))


def env_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names end in _API_KEY / _TOKEN / _SECRET (longest first)."""
    env = os.environ if env is None else env
    vals = {v for k, v in env.items() if k.upper().endswith(_SECRET_ENV_SUFFIXES) and v and len(v) >= 6}
    return sorted(vals, key=len, reverse=True)


_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words; no real key is that short
_REGISTERED: set[str] = set()


def secret_values(obj: Any) -> list[str]:
    """String values found under secret-named fields of a config (nested mappings and lists walked)."""
    out: list[str] = []

    def leaves(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, Mapping):
            for x in v.values():
                leaves(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                leaves(x)

    def walk(v: Any) -> None:
        if isinstance(v, Mapping):
            for k, x in v.items():
                (leaves if secret_name(k) else walk)(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(obj)
    return [v for v in dict.fromkeys(out) if len(v) >= _MIN_SECRET_LEN]


def register_secrets(values: Any) -> None:
    """Remember secret values (e.g. a config's api_key) so redact_text removes them from everything written."""
    for v in values:
        if isinstance(v, str) and len(v) >= _MIN_SECRET_LEN:
            _REGISTERED.add(v)


def known_secrets(env_values: list[str] | None = None) -> list[str]:
    """Registered secrets plus secret env values (env_values: a snapshot of them), longest first."""
    env = env_secrets() if env_values is None else env_values
    return sorted(set(env) | _REGISTERED, key=len, reverse=True)


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    """Replace API-key-looking substrings, registered secrets and secret env values in a string by '***'.

    Each secret is also matched in its JSON-escaped form, so text that is already JSON is redacted too.
    """
    if not text:
        return text
    for s in known_secrets() if secrets is None else secrets:
        for form in _forms(s):
            if form in text:
                text = text.replace(form, REDACTED)
    if not any(h in text for h in _KEY_HINTS):  # no pattern can match: skip the regex scan (most lines)
        return text
    return _KEY_PATTERNS.sub(REDACTED, text)


@functools.lru_cache(maxsize=256)
def _forms(secret: str) -> tuple[str, ...]:
    """A secret as written raw and inside JSON strings (escaped, with and without ASCII escapes)."""
    return tuple(dict.fromkeys((secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1])))


def redact(obj: Any, secrets: list[str] | None = None) -> Any:
    """Deep copy of obj with secret-named fields and key-looking values replaced by '***'."""
    secrets = known_secrets() if secrets is None else secrets
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if secret_name(k) and v not in (None, "", [], {}):
                out[k] = REDACTED
            else:
                out[k] = redact(v, secrets)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact(v, secrets) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj, secrets)
    return obj
