"""Worker processes against real servers: fixtures shared with the delivery tests."""

from __future__ import annotations

from tests.mail.conftest import clock, sessions, sqlite_sessions  # noqa: F401
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401
