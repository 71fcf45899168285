"""HEAD wherever GET, HSTS behind https, and the API docs with their assets served here
under a Content-Security-Policy that allows them (checked in Chromium: no violation, no
request to another host)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairnotice.settings import Settings
from fairnotice.web.app import create_app
from tests.security.routes import api_routes
from tests.web.conftest import Browser
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, CHROMIUM, _require


def _plain_gets(app: FastAPI) -> list[str]:
    """Every GET route without path parameters (the ones with ids: test_asvs.py)."""
    return [r.path for r in api_routes(app) if "GET" in r.methods and "{" not in r.path]


def test_head_is_answered_wherever_get_is(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    browser.sign_up("head@example.org")
    paths = [*_plain_gets(app), "/docs/assets/swagger-ui.css", "/static/style.css"]
    assert len(paths) >= 10
    for path in paths:
        get = browser.http.get(path, follow_redirects=False)
        head = browser.http.head(path, follow_redirects=False)
        assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
        if get.status_code == 200 and "content-length" in get.headers:
            assert head.headers["content-length"] == get.headers["content-length"], path
        tally["HEAD requests compared with GET"] += 1


def test_head_changes_nothing_and_post_only_routes_stay_405(app: FastAPI, browser: Browser) -> None:
    response = browser.http.head("/organisations", follow_redirects=False)
    assert response.status_code in (303, 401, 405), response.status_code
    assert browser.http.head("/signout").status_code != 500


def _client(tmp_path: Path, base_url: str) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hsts.sqlite3'}",
        data_dir=tmp_path,
        secret_key="hsts-secret-key-0123456789abcdef",
        base_url=base_url,
    )
    return TestClient(create_app(settings), base_url=base_url)


def test_hsts_only_when_the_base_url_is_https(tmp_path: Path) -> None:
    with _client(tmp_path, "https://fairnotice.example") as https:
        for path in ("/signin", "/api/v1/health", "/docs", "/nowhere"):
            header = https.get(path).headers.get("strict-transport-security", "")
            assert re.match(r"max-age=(\d+)", header), (path, header)
            assert int(re.match(r"max-age=(\d+)", header).group(1)) >= 31_536_000  # type: ignore[union-attr]
    with _client(tmp_path, "http://127.0.0.1:8000") as plain:
        assert "strict-transport-security" not in plain.get("/signin").headers


def test_the_docs_load_nothing_from_another_host(app: FastAPI, browser: Browser) -> None:
    for path in ("/docs", "/redoc"):
        page = browser.http.get(path)
        assert page.status_code == 200
        assert "content-security-policy" in page.headers
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), page.text
        for asset in re.findall(r"""(?:src|href)="(/[^"]+)""", page.text):
            assert browser.http.get(asset).status_code == 200, asset


@pytest.fixture(scope="module")
def live_docs() -> Iterator[str]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-docs-"))
    port = free_port()
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'docs.sqlite3'}",
            data_dir=folder,
            secret_key="d" * 40,
            base_url=f"http://127.0.0.1:{port}",
        )
    )
    with serving(app, port) as base:
        yield base
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "ready"), [("/docs", ".opblock"), ("/redoc", "[role=menuitem]")])
def test_the_docs_render_in_chromium_under_the_csp(
    live_docs: str, path: str, ready: str, tally: Counter[str]
) -> None:
    from playwright.sync_api import sync_playwright

    violations: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page: Any = chromium.new_page()
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on(
            "response",
            lambda r: (
                foreign.append(r.url)
                if not r.url.startswith((live_docs, "data:", "blob:"))
                else None
            ),
        )
        page.goto(live_docs + path)
        page.wait_for_selector(ready, timeout=20_000)
        operations = page.locator(ready).count()
        chromium.close()
    # ReDoc always tries its maker's logo from their CDN; the policy blocks it (it hides
    # the image when it fails), and that is the only thing it may block.
    blocked = [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v]
    assert blocked == [] and foreign == [], (violations, foreign)
    assert operations >= 10
    tally["documentation pages rendered under the CSP"] += 1
