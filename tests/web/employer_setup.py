"""An organisation with a position, a candidate and an interview, offered new times."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from fairnotice.operations import links
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


def make_offer(app: FastAPI, browser: Browser, org: int, interview: int) -> tuple[int, str]:
    """New times offered on the interview page: the offer's id and its one pick link."""
    response = browser.post(f"/w/{org}/interviews/{interview}/offer", {})
    assert response.status_code == 303, response.text
    offer = int(response.headers["location"].rsplit("/", 1)[1])
    bodies = written_bodies(app, OutboxMessage.workspace_id == org)
    found = [m.group(0) for body in bodies for m in [LINK.search(body)] if m]
    assert len(found) == 1, bodies
    return offer, found[0]


def written_bodies(app: FastAPI, *where: ColumnElement[bool]) -> list[str]:
    """The outbox's bodies as they go out: the pick links they refer to written out (the
    rows keep references, operations/links.py), oldest first."""
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
