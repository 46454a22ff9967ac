"""`--support METHOD [--support-model M]`: the support method of `harness score` and `harness rescore`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.config import SupportConfig
from harness.core.paths import cache_file
from harness.core.errors import HarnessError
from harness.llm.judge_calls import cached_judge_calls
from harness.scorers.judge_methods import SUPPORT_METHODS
from harness.scorers.support import DEFAULT_NLI_MODEL
from harness.scorers.support_nli import load_cross_encoder


def support_setting(method: str | None, model: str | None) -> Any:
    """The SupportConfig for the options (None when neither is given); HarnessError naming the bad option."""
    if method is None:
        if model is not None:
            raise HarnessError("--support-model needs --support nli or --support llm", field="--support-model")
        return None
    if method not in SUPPORT_METHODS:
        raise HarnessError(f"unknown support method {method!r}", field="--support",
                           hint="use " + " | ".join(SUPPORT_METHODS.names()))
    return SupportConfig(method=method, model=model)


def support_context(ctx: Any, method: str | None, model: str | None) -> Any:
    """ctx scoring support with the given method; an nli model is loaded first so a missing one stops here."""
    setting = support_setting(method, model)
    if setting is None:
        return ctx
    if setting.method == "nli":
        load_cross_encoder(setting.model or DEFAULT_NLI_MODEL)
    calls = ctx.judge_calls
    if setting.method == "llm" and calls is None:  # the runs' SQLite response cache, so a rerun calls nothing
        calls = cached_judge_calls(cache_file(None))
    return replace(ctx, support=setting, judge_calls=calls)
