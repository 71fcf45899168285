"""The app as `fairnotice serve` runs it (issue 18): threads hand the interpreter over
often enough that a small page's thread (the pick page) is not held up for the default
5 ms at each of its waits while a big page renders in another; what was loaded at start
is frozen out of the garbage collector's passes. How much the interval buys is measured
in bench/scale.py ("pick page while the biggest loads")."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairnotice.web import app as web_app


@pytest.fixture
def restored() -> Iterator[None]:
    interval, threshold = sys.getswitchinterval(), gc.get_threshold()
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_serving_shortens_the_interpreters_switch_interval(
    restored: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRNOTICE_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    monkeypatch.setenv("FAIRNOTICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRNOTICE_SECRET_KEY", "serve-test-secret-0123456789abcdef")
    monkeypatch.setenv("FAIRNOTICE_BASE_URL", "http://127.0.0.1:8000")
    sys.setswitchinterval(0.005)  # Python's default
    served = web_app.serve_app()
    assert served.routes
    assert sys.getswitchinterval() == pytest.approx(web_app.SWITCH)
    assert web_app.SWITCH < 0.005 / 4  # a wait costs at most a fraction of the default
    assert gc.get_freeze_count() > 10_000  # what was loaded at start: out of the passes
