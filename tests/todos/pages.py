"""Helpers for any test that checks the overview's to-dos against the state.

`on_page` reads what the overview shows; `derived` computes, from the database, what it
must show (the operation itself, over the facts as they stand). After every step of a
scenario: `assert on_page(browser, ws) == derived(sessions, ws, now)`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.overview import todos as todo_ops
from fairnotice.todos import keys

Keys = list[tuple[str, int]]
ITEM = re.compile(r'data-kind="(\w+)" data-ref="(\d+)"')
SECTION = '<section aria-labelledby="due-h" id="todos">'


def split(html: str) -> tuple[Keys, Keys, str]:
    """The (kind, ref) of the items under "Due now" and under "Next", and the section."""
    section = html.split(SECTION, 1)[1].split("</section>", 1)[0]
    due, coming = section.split('<h3 id="next-h">', 1)
    found = [[(k, int(r)) for k, r in ITEM.findall(part)] for part in (due, coming)]
    return found[0], found[1], section


def on_page(browser: Any, ws: int) -> tuple[Keys, Keys]:
    """What the overview of workspace `ws` lists (a signed-in tests.web Browser)."""
    page = browser.get(f"/w/{ws}")
    assert page.status_code == 200, page.text
    due, coming, _ = split(page.text)
    return due, coming


def derived(sessions: sessionmaker[Session], ws: int, now: datetime) -> tuple[Keys, Keys]:
    """What the overview must list, derived from the database's state at `now`."""
    with sessions() as session:
        return keys(todo_ops.todos(session, workspace_id=ws, now=now))
