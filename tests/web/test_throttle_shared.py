"""Several web processes (`fairnotice serve --workers N`) count guesses together when
FAIRNOTICE_THROTTLE_STORAGE names a shared store: two apps built from the same settings
stand for two processes, against the Redis server on 127.0.0.1:6379 (database 15, emptied
first). With the default memory:// each app counts on its own: the same guesses spread
over both are never refused, which is what the shared store is for."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from fairnotice.settings import Settings, problem
from fairnotice.web import throttle
from fairnotice.web.app import create_app

REDIS = "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"Redis is required on 127.0.0.1:6379 under CI: {exc}") from exc
        pytest.skip(f"no Redis on 127.0.0.1:6379: {exc}")


def _apps(database_url: str, folder: Path, storage: str) -> Iterator[tuple[FastAPI, FastAPI]]:
    settings = Settings(
        database_url=database_url,
        data_dir=folder / "var",
        secret_key="test-secret-key-0123456789abcdef",
        base_url="http://testserver",
        throttle_storage=storage,
    )
    first, second = create_app(settings), create_app(settings, migrate=False)
    yield first, second
    first.state.engine.dispose()
    second.state.engine.dispose()


def _guess(app: FastAPI) -> int:
    with TestClient(app, base_url="http://testserver") as client:
        response = client.get(
            "/api/v1/interviews", headers={"Authorization": f"Bearer fn_{secrets.token_hex(8)}"}
        )
    return response.status_code


def _spread_guesses(first: FastAPI, second: FastAPI) -> list[int]:
    """The client's allowed number of wrong API tokens, taking turns between the two
    processes, then one more to each."""
    allowed = throttle.TOKEN_CLIENT.amount
    answers = [_guess(first if i % 2 else second) for i in range(allowed)]
    assert set(answers) == {401}, answers
    return [_guess(first), _guess(second)]


def test_two_processes_share_one_count_in_redis(database_url: str, tmp_path: Path) -> None:
    _redis_or_skip()
    for first, second in _apps(database_url, tmp_path, REDIS):
        assert _spread_guesses(first, second) == [429, 429]


def test_in_memory_each_process_counts_alone(database_url: str, tmp_path: Path) -> None:
    for first, second in _apps(database_url, tmp_path, "memory://"):
        assert _spread_guesses(first, second) == [401, 401]


@pytest.mark.parametrize("value", ["memcached://x", "redis://", "file:///tmp/x", "nothing"])
def test_an_unknown_store_is_refused_by_its_variable(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(throttle_storage=value)
    assert problem(caught.value)[0] == "FAIRNOTICE_THROTTLE_STORAGE"
