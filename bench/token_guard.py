"""What the throttle's token guard (web/throttle.py) adds to a request of a client with no
failed token attempts: the same ASGI call through TokenGuard and to the bare inner app,
interleaved, best of 7 rounds of 20,000 (in-process: no server, no network).

    .venv/bin/python bench/token_guard.py
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fairnotice.web.throttle import Throttle, TokenGuard

SCOPE = {"type": "http", "path": "/api/v1/plan", "method": "POST", "client": ("10.0.0.1", 1)}


async def inner(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _send(message: Any) -> None:
    return None


async def _receive() -> Any:
    return {"type": "http.request"}


async def _per_call(app: Any, n: int = 20_000) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await app(SCOPE, _receive, _send)
    return (time.perf_counter() - start) / n * 1e6


async def main() -> None:
    guard = TokenGuard(inner, Throttle(), page=None)  # type: ignore[arg-type]
    bare, guarded = [], []
    for _ in range(7):
        bare.append(await _per_call(inner))
        guarded.append(await _per_call(guard))
    added = min(guarded) - min(bare)
    print(f"bare {min(bare):.2f} us, through TokenGuard {min(guarded):.2f} us: +{added:.2f} us")


if __name__ == "__main__":
    asyncio.run(main())
