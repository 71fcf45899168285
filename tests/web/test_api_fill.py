"""REST fill of a position: started by POST (202), told by the worker in batches,
followed by GET from counts; refused twice (409), across workspaces (404)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.positions import batches as fill_batches
from fairnotice.store.tables import Candidate, Interview, OutboxMessage
from tests.web.conftest import Browser
from tests.web.test_api import api_token

INTERVIEW: dict[str, Any] = {
    "position": "Paralegal",
    "company": "Muster & Partner GmbH",
    "timezone": "Europe/Berlin",
    "interviewers": [{"name": "Maria Roth", "email": "m.roth@example.com"}],
}


def test_fill_through_the_api_tells_everyone_but_the_hired_one(
    app: FastAPI, browser: Browser
) -> None:
    headers = api_token(browser, "hr@example.com", organisation="Muster & Partner GmbH")
    made = browser.http.post(
        "/api/v1/positions",
        json={"title": "Paralegal", "company": "Muster & Partner GmbH"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    position = made.json()["id"]
    people = [("Lena Vogel", "lena@example.org", "de"), ("Sven Berg", "sven@example.org", "sv")]
    people.append(("Tom Hill", "tom@example.org", "en"))
    ids = []
    for hour, (name, email, language) in enumerate(people, start=9):
        cand = browser.http.post(
            "/api/v1/candidates",
            json={"name": name, "email": email, "language": language, "position_id": position},
            headers=headers,
        )
        assert cand.status_code == 201, cand.text
        ids.append(cand.json()["id"])
        interview = browser.http.post(
            "/api/v1/interviews",
            json={
                **INTERVIEW,
                "start": f"2026-03-20T{hour:02d}:00:00+00:00",
                "end": f"2026-03-20T{hour:02d}:45:00+00:00",
                "contact": {"name": name, "email": email},
                "candidate_id": cand.json()["id"],
                "position_id": position,
            },
            headers=headers,
        )
        assert interview.status_code == 201, interview.text
    url = f"/api/v1/positions/{position}/fill"
    started = browser.http.post(url, json={"hired": ids[0]}, headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "filling" and started.json()["remaining"] == 2
    again = browser.http.post(url, json={}, headers=headers)
    assert again.status_code == 409 and "being filled" in again.json()["detail"]
    assert fill_batches.run(app.state.sessions, clock=app.state.clock).told == 2
    done = browser.http.get(url, headers=headers).json()
    assert (done["status"], done["told"], done["remaining"]) == ("filled", 2, 0)
    with app.state.sessions() as session:
        letters = session.scalars(
            select(OutboxMessage).where(OutboxMessage.plan_id == done["plan_id"])
        ).all()
        states = {
            c.email: c.status
            for c in session.scalars(select(Candidate).where(Candidate.position_id == position))
        }
        interviews = {
            i.contact["email"]: i.status
            for i in session.scalars(select(Interview).where(Interview.position_id == position))
        }
    told = {m.recipient: m for m in letters if m.recipient.endswith("@example.org")}
    assert set(told) == {"sven@example.org", "tom@example.org"}
    assert (told["sven@example.org"].language, told["tom@example.org"].language) == ("sv", "en")
    assert states["lena@example.org"] == "hired"
    assert interviews == {
        "lena@example.org": "scheduled",
        "sven@example.org": "filled",
        "tom@example.org": "filled",
    }
    other = api_token(browser, "other@example.com", organisation="Other AB")
    assert browser.http.get(url, headers=other).status_code == 404
    assert browser.http.post(url, json={}, headers=other).status_code == 404
