"""Figures computed once and kept in memory (issue 17): a bounded, thread-safe LRU per
database engine.

Counting a period's audit events costs most of an insights request; the same figures are
asked again and again (the page, its CSV, the API, a reload). A caller keys them by what
they depend on, a cheap "version" of the rows read included, so a change of the rows is a
new key and is shown at once; nothing is ever invalidated, old keys simply fall out.
Per process: each web process keeps its own, which is correct since the version is read
from the database. Per engine: two databases (or one emptied and filled again, as the
tests do) never share an entry, even when their ids and versions coincide.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

V = TypeVar("V")
SIZE = 256  # entries per engine: a few dozen small rows each, a few hundred kB at most


class Remembered(Generic[V]):
    """At most `size` values, the least recently used dropped first; safe across threads
    (FastAPI runs sync routes in a thread pool)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


class PerEngine(Generic[V]):
    """One `Remembered` per engine, dropped with it."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._stores: weakref.WeakKeyDictionary[Engine, Remembered[V]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, session: Session) -> Remembered[V]:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with self._lock:
            store = self._stores.get(engine)
            if store is None:
                store = self._stores[engine] = Remembered(self.size)
            return store
