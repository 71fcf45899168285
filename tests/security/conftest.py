"""The security suite (ASVS 5.0 level 2 in spirit) on both databases, with counts.

The web fixtures (an in-process app on SQLite and PostgreSQL, signed-in browsers) come
from tests/web; every check adds what it tried to `tally`, printed at the end of the run.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401
from tests.web.conftest import app, browser, clock, other_browser  # noqa: F401

TALLY: Counter[str] = Counter()


@pytest.fixture
def tally() -> Counter[str]:
    """Counts of what the suite tried (requests, ids, payloads, files), by kind."""
    return TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    terminalreporter.section("security suite: what was tried")
    for kind, count in sorted(TALLY.items()):
        terminalreporter.write_line(f"{count:>7}  {kind}")
