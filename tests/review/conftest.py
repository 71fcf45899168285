"""The web app's fixtures (both databases) for the faces test of the reviewer."""

from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401
from tests.web.conftest import app, browser, clock  # noqa: F401
