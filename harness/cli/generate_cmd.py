"""`harness generate` (one review for a quick try) and `harness local-llm start|stop|status`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import typer

from harness.cli.app import app
from harness.core.secrets import redact_text
from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.core.text import count_words
from harness.generators import build_generator, calls_provider, kind_of
from harness.generators.base import GeneratorSpec
from harness.llm import local_server as local_llm
from harness.llm.client import LiteLLMClient
from harness.llm.types import LOCAL_MODEL
from harness.plugins import load_config, load_plugins
from harness.tasks.suite import get_task

local_llm_app = typer.Typer(help="The embedded local LLM (Gemma 3 270M on llama.cpp): start, stop, status.",
                            no_args_is_help=True)
app.add_typer(local_llm_app, name="local-llm")

GENERATION_FAILED = 3  # exit code of `harness generate` when no review came back (as `harness run`'s failed cells)


@local_llm_app.command("start")
def local_llm_start(n_ctx: int = typer.Option(None, help="context size (default 8192)")) -> None:
    """Start the server in the background (no-op when it is already running)."""
    st = local_llm.ensure_running(n_ctx=n_ctx)
    typer.echo(f"running: pid {st.pid}, {st.api_base} (model {local_llm.MODEL_NAME}, n_ctx {st.n_ctx}, "
               f"{st.n_threads} threads)")


@local_llm_app.command("stop")
def local_llm_stop() -> None:
    """Stop the server (SIGTERM, then SIGKILL)."""
    out = local_llm.stop()
    typer.echo(f"stopped pid {out['pid']}" if out.get("stopped") else f"not stopped: {out.get('reason', out)}")


@local_llm_app.command("status")
def local_llm_status() -> None:
    """Print whether the server runs, and where."""
    typer.echo(json.dumps(local_llm.status(), indent=1))


@app.command("generate")
def generate(
    task: str = typer.Option(..., "--task", help="task id (see `harness tasks list`) or task file"),
    generator: str = typer.Option("llm", "--generator", help="kind: llm, extractive, recent_papers, replay, or "
                                                             "a plug-in's"),
    strategy: str = typer.Option("zero_shot", "--strategy",
                                 help="zero_shot, plan_then_write, outline_sections, closed_book, or a plug-in's"),
    model: str = typer.Option(LOCAL_MODEL, "--model", help="any litellm model string"),
    mode: Optional[str] = typer.Option(None, "--mode", help="chat or completion (default: completion for "
                                                            f"{LOCAL_MODEL}, else chat)"),
    pool: str = typer.Option("topk_bm25", "--pool", help="all, topk_bm25, topk_embedding, recent"),
    k: int = typer.Option(20, "--k", help="papers shown (pool selection) or chosen (baselines)"),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="cap on the writing call"),
    replay: Optional[str] = typer.Option(None, "--replay", help="directory or glob (kind replay)"),
    seed: int = typer.Option(0, "--seed"),
    tasks_dir: Optional[Path] = typer.Option(None, "--tasks-dir"),
    out: Optional[Path] = typer.Option(None, "--out", help="write the review (.md) or the Generation (.json)"),
    plugin: list[str] = typer.Option([], "--plugin", help="import a plug-in module first (its generator kinds and "
                                                          "strategies); repeatable"),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="OpenAI-compatible server for the model, as a "
                                                                    "config generator's api_base"),
    config: Optional[Path] = typer.Option(None, "--config", help="take the generator (model, strategy, params, "
                                                                "api_base, price) from this experiment config"),
    name: Optional[str] = typer.Option(None, "--name", help="with --config: the generator's name (default: the "
                                                            "config's only generator)"),
) -> None:
    """Produce one review for a quick try, print its size, flags, tokens and cost.

    Exit 0 with a review, 3 when the generation failed (a provider error: nothing is written), 2 on bad input."""
    load_plugins(plugin, source="--plugin")
    writes_with_a_model = kind_of(generator).calls_provider  # HarnessError naming the known kinds otherwise
    spec_data: dict = {"name": f"{model}:{strategy}" if writes_with_a_model else generator, "kind": generator,
                       "k": k, "pool": {"method": pool, "k": k}}
    if writes_with_a_model:
        spec_data.update(model=model, strategy=strategy)
        if mode:
            spec_data["mode"] = mode
        if max_tokens:
            spec_data["params"] = {"max_tokens": max_tokens}
    if replay:
        spec_data["replay"] = replay
    if api_base:
        spec_data["api_base"] = api_base
    if config is not None:
        spec = _config_spec(config, name, api_base)
    else:
        try:
            spec = GeneratorSpec(**spec_data)
        except Exception as exc:
            raise HarnessError(f"bad generator options: {exc}") from None
    the_task = get_task(task, tasks_dir)
    built = build_generator(spec)
    gen = asyncio.run(_generate_once(built, the_task, seed, spec))
    _deliver(gen, out)


def _deliver(gen, out: Path | None) -> None:
    """Print (or write to out) the review and its summary; a failed generation writes nothing and exits 3."""
    if gen.review is None:  # a provider failure: say so, write nothing, exit non-zero
        typer.echo(f"error: {redact_text(_summary(gen))}" + (f" (nothing written to {out})" if out else ""),
                   err=True)
        raise typer.Exit(code=GENERATION_FAILED)
    if out is not None:
        text = gen.model_dump_json(indent=1) if out.suffix == ".json" else _markdown(gen)
        atomic_write(out, redact_text(text))  # a provider error may echo the key: never write it
    typer.echo(redact_text(_summary(gen)) + (f"\nwritten: {out}" if out else ""))
    if out is None:
        typer.echo("\n" + _markdown(gen))


def _config_spec(path: Path, name: str | None, api_base: str | None):
    """The generator spec named `name` (or the only one) of an experiment config; --api-base overrides its own."""
    cfg = load_config(path)
    specs = {g.name: g for g in cfg.generators}
    if name is None and len(specs) != 1:
        raise HarnessError(f"the config has {len(specs)} generators; say which with --name", path=path,
                           field="--name", hint="one of: " + ", ".join(specs))
    spec = specs.get(name) if name is not None else next(iter(specs.values()))
    if spec is None:
        raise HarnessError(f"no generator named {name!r}", path=path, field="--name", hint="one of: " + ", ".join(specs))
    return spec.model_copy(update={"api_base": api_base}) if api_base else spec


async def _generate_once(built, task, seed: int, spec):
    """One generation in its own event loop, closing litellm's HTTP sessions before the loop ends."""
    client = LiteLLMClient(price=spec.price) if calls_provider(spec) else None
    try:
        return await built.generate(task, seed, client)
    finally:
        if client is not None:
            await client.aclose()


def _markdown(gen) -> str:
    """The review body and its reference list as markdown."""
    if gen.review is None:
        return ""
    refs = "\n".join(r.raw for r in gen.review.references)
    return gen.review.text.rstrip() + ("\n\n## References\n\n" + refs + "\n" if refs else "\n")


def _summary(gen) -> str:
    """One line: words, references, citations, tokens, cost, calls and flags (or the error) of a generation."""
    if gen.review is None:
        return f"{gen.generator} on {gen.task_id}: error: {gen.error}"
    r = gen.review
    u = r.usage
    tokens = f"{u.input_tokens} in / {u.output_tokens} out" if u else "n/a"
    cost = f"${u.cost_usd:.6f} ({u.cost_source})" if u and u.cost_usd is not None else "n/a"
    return (f"{gen.generator} on {gen.task_id}: {count_words(r.text)} words, {len(r.references)} references, "
            f"{len(r.citations)} citations; tokens {tokens}; cost {cost}; calls {len(gen.calls)}; "
            f"flags: {', '.join(gen.flags) or 'none'}")
