"""Run pyhanko-certvalidator's coroutines from synchronous code, also where an event loop already runs
in this thread (Playwright's sync API in a grading worker or a solution): then in a fresh thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pki-validate")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _POOL.submit(asyncio.run, coro).result()
