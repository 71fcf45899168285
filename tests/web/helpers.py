"""Small builders shared by the web tests."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import Browser

INTERVIEW_FORM: dict[str, Any] = {
    "position": "Paralegal",
    "company": "Muster & Partner GmbH",
    "date": "2026-03-16",
    "start_time": "14:00",
    "end_time": "15:00",
    "timezone": "Europe/Berlin",
    "location": "Friedrichstraße 10, 10117 Berlin",
    "round": "1",
    "contact_name": "Jonas Doe",
    "contact_salutation": "Herr",
    "contact_email": "j.doe@example.com",
    "contact_phone": "+49 30 000000",
    "channel": "email",
}


def add_interview(browser: Browser, ws: int, **changes: Any) -> int:
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(f"/w/{ws}/interviews", {**INTERVIEW_FORM, **changes})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def make_plan(browser: Browser, ws: int, interview: int, **changes: Any) -> int:
    browser.get(f"/w/{ws}/interviews/{interview}")
    form = {
        "intent": "reschedule",
        "reason": "family",
        "certainty": "sure",
        "note": "PRIVATE sister's rehearsal",
        "message_language": "de",
        **changes,
    }
    response = browser.post(f"/w/{ws}/interviews/{interview}/plan", form)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def ids_in(pattern: str, text: str) -> list[int]:
    return [int(x) for x in re.findall(pattern, text)]


def organisation(browser: Browser, name: str = "Muster & Partner GmbH") -> int:
    browser.get("/account")
    response = browser.post("/organisations", {"name": name})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def position(browser: Browser, org: int, title: str = "Paralegal") -> int:
    browser.get(f"/w/{org}")
    response = browser.post(
        f"/w/{org}/positions", {"title": title, "company": "Muster & Partner GmbH"}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def candidate(browser: Browser, org: int, pos: int, **fields: Any) -> None:
    data = {
        "name": "Lena Vogel",
        "email": "lena@example.org",
        "language": "de",
        "salutation": "Frau",
        "timezone": "Europe/Berlin",
        "round": "1",
        **fields,
    }
    response = browser.post(f"/w/{org}/positions/{pos}/candidates", data)
    assert response.status_code == 303, response.text


def schedule(browser: Browser, org: int, pos: int, candidate_id: int, **fields: Any) -> None:
    data = {
        "candidate_id": str(candidate_id),
        "date": "2026-03-12",
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "Europe/Berlin",
        "location": "Friedrichstraße 10",
        "interviewers": "Jonas Doe j.doe@example.com\nMaria Roth m.roth@example.com",
        **fields,
    }
    response = browser.post(f"/w/{org}/positions/{pos}/interviews", data)
    assert response.status_code == 303, response.text
