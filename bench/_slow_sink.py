"""An aiosmtpd handler that accepts and drops every message after a delay, like a relay
that takes its time (`python -m aiosmtpd -c _slow_sink.SlowSink SECONDS`)."""

from __future__ import annotations

import asyncio
from argparse import ArgumentParser
from typing import Any


class SlowSink:
    def __init__(self, delay: float) -> None:
        self.delay = delay

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> SlowSink:
        return cls(float(args[0]) if args else 0.02)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return "250 OK"
