"""Every model call: generators, the support / relevance / rubric judges and judge validation all go through here.

- `types`: LLMRequest, LLMResponse, CallRecord, the LLMClient protocol, Price, LOCAL_MODEL.
- `litellm_api`: litellm imported one guarded way; token counts, map prices, quiet calls, warm-up.
- `pricing`: one rule for a call's cost and its source.      - `client`: LiteLLMClient and ProviderError.
- `local_server`: the bundled llama.cpp server.                 - `budget`: the budget ceiling.
- `cache`: the one response cache and its one key rule (`request_key`).
- `calls`: RunClient (cache, concurrency, timeout, retries, budget, counters).
- `judge_calls`: the judges' synchronous interface (RunJudgeCalls inside a run, PlainJudgeCalls outside).

This package sits below generators, scorers, judges and the runner: it imports only harness.core, harness.models
and itself. Settings (concurrency, retries, secret redaction) are passed in.
"""
