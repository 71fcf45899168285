"""A workspace with enough rows to page through (issue 18): ~1,200 candidates over two
positions, interviews for a quarter of them, outbox rows in every state.

The employer signs up and creates the organisation through the pages; the bulk rows go in
with one INSERT per table (the pages and the API under test only read them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert, select

from fairnotice.store.tables import Candidate, Interview, OutboxMessage, Position
from tests.web.conftest import START, Browser

PASSWORD = "a long passphrase"
LANGUAGES = ("de", "sv", "en")
OUTBOX_STATES = ("sent", "sent", "sent", "pending", "failed", "draft", "cancelled")


@dataclass
class World:
    ws: int
    positions: list[int]
    candidates: dict[int, list[int]]  # position id -> candidate ids
    interviews: list[int]
    outbox: dict[str, list[int]] = field(default_factory=dict)  # state -> ids

    @property
    def big(self) -> int:
        return self.positions[0]


def sign_in(browser: Browser, email: str, name: str = "Jonas Doe") -> None:
    """Sign up and, where the sign-up leads to the sign-in page, sign in."""
    browser.get("/signup")
    response = browser.post(
        "/signup",
        {"email": email, "name": name, "password": PASSWORD, "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 303, response.text
    if "/signin" in response.headers["location"]:
        browser.get("/signin")
        response = browser.post("/signin", {"email": email, "password": PASSWORD})
        assert response.status_code == 303, response.text
    browser.get(response.headers["location"])


def organisation(browser: Browser, name: str = "Muster & Partner GmbH") -> int:
    browser.get("/account")
    response = browser.post("/organisations", {"name": name})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def token(browser: Browser, ws: int) -> dict[str, str]:
    browser.get(f"/w/{ws}/tokens")
    page = browser.post(f"/w/{ws}/tokens", {"label": "paging"})
    found = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert found is not None, page.text[-2000:]
    return {"Authorization": f"Bearer {found.group(1)}"}


def build(
    app: FastAPI, browser: Browser, *, candidates: int = 1200, small: int = 30, outbox: int = 1200
) -> World:
    """The signed-in employer's organisation: `candidates` on the first position (a
    quarter with an interview), `small` on a second one, `outbox` rows in mixed states."""
    sign_in(browser, "hr@example.com")
    ws = organisation(browser)
    with app.state.sessions() as session:
        big = Position(workspace_id=ws, title="Paralegal", company="Muster & Partner GmbH")
        other = Position(workspace_id=ws, title="Clerk", company="Muster & Partner GmbH")
        session.add_all([big, other])
        session.flush()
        rows: list[dict[str, Any]] = []
        for n in range(candidates + small):
            rows.append(
                {
                    "workspace_id": ws,
                    "position_id": big.id if n < candidates else other.id,
                    "name": f"Person {n:05d}",
                    "email": f"person{n:05d}@example.org",
                    "language": LANGUAGES[n % 3],
                    "timezone": "Europe/Berlin",
                    "round": 1,
                    "status": "informed" if n % 10 == 9 else "active",
                }
            )
        session.execute(insert(Candidate), rows)
        made = session.execute(
            select(Candidate.id, Candidate.position_id)
            .where(Candidate.workspace_id == ws)
            .order_by(Candidate.id)
        ).all()
        by_position: dict[int, list[int]] = {big.id: [], other.id: []}
        for cid, pid in made:
            by_position[pid].append(cid)
        interviews = []
        for n, cid in enumerate(by_position[big.id][::4]):
            start = START + timedelta(hours=n - 100)  # a hundred before the clock's now
            interviews.append(
                {
                    "workspace_id": ws,
                    "position_id": big.id,
                    "candidate_id": cid,
                    "position": "Paralegal",
                    "company": "Muster & Partner GmbH",
                    "start": start,
                    "end": start + timedelta(minutes=45),
                    "timezone": "Europe/Berlin",
                    "round": 1,
                    "uid": f"paging-{n}@example.org",
                    "sequence": 0,
                    "status": "cancelled" if n % 7 == 6 else "scheduled",
                    "contact": {"name": f"Candidate {cid}", "email": f"c{cid}@example.org"},
                    "interviewers": [],
                    "history_channel": "email",
                    "reschedules": 0,
                }
            )
        session.execute(insert(Interview), interviews)
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "workspace_id": ws,
                    "kind": "email",
                    "recipient": f"person{n:05d}@example.org",
                    "subject": f"Letter {n:05d}",
                    "body": "Guten Tag",
                    "language": "de",
                    "due": datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=7 * n),
                    "state": OUTBOX_STATES[n % len(OUTBOX_STATES)],
                    "created_at": START,
                    "attempts": 0,
                }
                for n in range(outbox)
            ],
        )
        session.commit()
        interview_ids = list(
            session.scalars(select(Interview.id).where(Interview.workspace_id == ws))
        )
        states: dict[str, list[int]] = {}
        for oid, state in session.execute(
            select(OutboxMessage.id, OutboxMessage.state).where(OutboxMessage.workspace_id == ws)
        ):
            states.setdefault(state, []).append(oid)
        return World(
            ws=ws,
            positions=[big.id, other.id],
            candidates=by_position,
            interviews=interview_ids,
            outbox=states,
        )
