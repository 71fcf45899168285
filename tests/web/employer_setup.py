"""An organisation with a position, a candidate and an interview, offered new times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from fairnotice.operations.common import links
from fairnotice.store.tables import Candidate, Interview, OutboxMessage
from tests.web.conftest import Browser
from tests.web.helpers import candidate, organisation, position, schedule

LINK = re.compile(r"http://testserver/pick/[A-Za-z0-9_\-]+")


@dataclass
class Offered:
    org: int
    interview: int
    offer: int
    link: str


def offered(app: FastAPI, browser: Browser, email: str = "hr@example.com") -> Offered:
    browser.sign_up(email, name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    schedule(browser, org, pos, cand)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    browser.get(f"/w/{org}/interviews/{interview}")
    offer, link = make_offer(app, browser, org, interview)
    return Offered(org=org, interview=interview, offer=offer, link=link)


class _Fields(HTMLParser):
    """A page's form fields as a browser would submit them (hidden and text inputs,
    ticked checkboxes, textareas, selected options); buttons left out."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = [a.get("value", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += data


def form_fields(html: str) -> dict[str, list[str]]:
    """The fields of the (one) form a page that has the offer preview submits."""
    start = html.index('class="stack offer-preview"')
    parser = _Fields()
    parser.feed(html[start : html.index("</form>", start)])
    return parser.fields


def preview_offer(browser: Browser, org: int, interview: int) -> tuple[Any, dict[str, list[str]]]:
    """Step one of *Offer new times*: the preview page and its form's fields."""
    page = browser.get(f"/w/{org}/interviews/{interview}/offer")
    assert page.status_code == 200, page.text
    return page, form_fields(page.text)


def confirm_offer(
    browser: Browser, org: int, interview: int, fields: dict[str, list[str]] | None = None
) -> Any:
    """Step two: the preview's form as shown (or `fields`) confirmed."""
    if fields is None:
        _, fields = preview_offer(browser, org, interview)
    data = {**fields, "action": "confirm"}
    return browser.post(f"/w/{org}/interviews/{interview}/offer", data)


def make_offer(app: FastAPI, browser: Browser, org: int, interview: int) -> tuple[int, str]:
    """New times offered on the interview page (preview, then confirm): the offer's id and
    its one pick link."""
    response = confirm_offer(browser, org, interview)
    assert response.status_code == 303, response.text
    offer = int(response.headers["location"].rsplit("/", 1)[1])
    bodies = written_bodies(app, OutboxMessage.workspace_id == org)
    found = [m.group(0) for body in bodies for m in [LINK.search(body)] if m]
    assert len(found) == 1, bodies
    return offer, found[0]


def written_bodies(app: FastAPI, *where: ColumnElement[bool]) -> list[str]:
    """The outbox's bodies as they go out: the pick links they refer to written out (the
    rows keep references, operations/common/links.py), oldest first."""
    with app.state.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.workspace_id, OutboxMessage.body)
            .where(*where)
            .order_by(OutboxMessage.id)
        ).all()
        secret = app.state.settings.secret
        return [
            links.reveal(session, workspace_id=ws, texts=[body], secret=secret)[0]
            for ws, body in rows
        ]
