"""Every route the app has, read from the app itself: a new route is covered by the
security suite without anyone listing it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def _walk(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router (FastAPI 0.16x)
        if inner is not None:
            yield from _walk(inner.routes)
        else:
            yield route


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every FastAPI route (pages, API, docs), once each, in matching order."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found = []
    for route in _walk(app.router.routes):
        if isinstance(route, APIRoute):
            key = (route.path, frozenset(route.methods))
            if key not in seen:
                seen.add(key)
                found.append(route)
    return found
