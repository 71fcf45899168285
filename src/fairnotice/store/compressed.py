"""Text kept compressed at rest: what is written once and seldom read again (the iCalendar
source of a stored calendar, read by a worker when its window runs short).

zlib from the standard library: PostgreSQL compresses large text itself (TOAST, pglz),
SQLite keeps it as written; compressed in Python, both keep about a tenth of an ordinary
calendar. The column holds bytes (BLOB, bytea); the attribute stays `str`.
"""

from __future__ import annotations

import zlib

from sqlalchemy import LargeBinary, TypeDecorator
from sqlalchemy.engine import Dialect

LEVEL = 9  # written once, read seldom: the smallest result is worth the few milliseconds


def pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), LEVEL)


def unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


class CompressedText(TypeDecorator[str]):
    """`str` in Python, zlib-compressed UTF-8 in the database."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else unpack(bytes(value))
