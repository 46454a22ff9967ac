"""Blocking entry points over the async pipeline, usable from plain code and from inside a running event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion; inside a running loop (a notebook) in a private loop on a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="harness-run") as pool:
        return pool.submit(asyncio.run, coro).result()  # its error is re-raised here


__all__ = ["run_sync"]
