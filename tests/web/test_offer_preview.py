"""Issue 12, item 8: no invented reasons, and *Offer new times* as preview then confirm.

On SQLite and PostgreSQL (the `app` fixture). The preview writes nothing; swapping a time
and rewording the letter, then confirming, queues exactly that letter with exactly those
times (and the pick page offers exactly those); a preview made before the interview
changed is refused; bad input names its field (in the viewer's language). The employer's
reason: the public sentence in the letter, the category only in general words, both kept
with the audit event; the default says no reason at all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.lifecycle import CLOSED, OfferState, State
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    Offer,
    OfferSlot,
    OutboxMessage,
    PlanRecord,
)
from tests.web.conftest import Browser
from tests.web.employer_setup import (
    LINK,
    confirm_offer,
    form_fields,
    preview_offer,
    written_bodies,
)
from tests.web.helpers import candidate, organisation, position, schedule

PUBLIC_DE = "Unser Büro ist an diesem Tag wegen eines Umzugs geschlossen."
LENA = "lena@example.org"


def _employer(app: FastAPI, browser: Browser, **person: Any) -> tuple[int, int]:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos, **person)
    with app.state.sessions() as session:
        from fairnotice.store.tables import Candidate

        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    assert cand is not None
    schedule(browser, org, pos, cand)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    assert interview is not None
    return org, interview


def _counts(app: FastAPI) -> dict[str, int]:
    with app.state.sessions() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (OutboxMessage, Offer, OfferSlot, PlanRecord, InterviewEvent)
        }


def _url(org: int, interview: int) -> str:
    return f"/w/{org}/interviews/{interview}/offer"


def _spans(values: list[str]) -> list[tuple[datetime, datetime]]:
    return sorted(
        (datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in (v.split("/") for v in values)
    )


def _utc(moment: datetime) -> datetime:
    """A moment as naive UTC (SQLite gives naive UTC back, PostgreSQL aware)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _options(html: str) -> list[str]:
    """Every time the preview offers to choose (ticked or not)."""
    return re.findall(r'name="slots" value="([^"]+)"', html)


def test_the_preview_queues_nothing_and_shows_the_letter_in_the_candidates_language(
    app: FastAPI, browser: Browser
) -> None:
    org, interview = _employer(app, browser)
    page = browser.get(f"/w/{org}/interviews/{interview}").text
    assert f'<form method="get" action="{_url(org, interview)}">' in page  # no JS needed
    before = _counts(app)
    shown, fields = preview_offer(browser, org, interview)
    assert 'lang="de"' in shown.text and "Vorstellungsgespräch" in fields["body"][0]
    assert "Frau Vogel" in fields["body"][0]
    assert "/pick/[link:preview]" in fields["body"][0]
    assert len(fields["slots"]) == 3 and len(_options(shown.text)) > 3
    assert fields["state"] == ["scheduled"] and fields["sequence"] == ["0"]
    assert fields["reason"] == ["other"]
    # swapping and checking write the letter again or review it: still nothing queued
    swapped = {**fields, "slots": [*fields["slots"][1:], _options(shown.text)[-1]]}
    assert browser.post(_url(org, interview), {**swapped, "action": "update"}).status_code == 200
    assert browser.post(_url(org, interview), {**fields, "action": "check"}).status_code == 200
    assert _counts(app) == before  # a preview left alone queues nothing


def test_swap_and_edit_then_confirm_queues_exactly_what_was_shown(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, interview = _employer(app, browser)
    shown, fields = preview_offer(browser, org, interview)
    options = _options(shown.text)
    dropped = fields["slots"][0]
    unused = [o for o in options if o not in fields["slots"]]
    chosen = [*fields["slots"][1:], *unused[:2]]
    # the letter written again for the new times (four of them now)
    again = browser.post(_url(org, interview), {**fields, "slots": chosen, "action": "update"})
    assert again.status_code == 200, again.text
    fields = form_fields(again.text)
    assert _spans(fields["slots"]) == _spans(chosen) and dropped not in fields["slots"]
    # the words edited, checked by the shared review (its findings shown), then confirmed
    subject = "Neue Terminvorschläge für Ihr Gespräch"
    body = (
        fields["body"][0].replace("Vorstellungsgespräch", "Vorstellungsgespräch (Runde 1)", 1)
        + "\nP.S. Parkplätze gibt es im Hof.\n"
    )
    edited = {**fields, "subject": [subject], "body": [body]}
    checked = browser.post(_url(org, interview), {**edited, "action": "check"})
    assert checked.status_code == 200 and 'id="check-letter"' in checked.text
    assert "Parkplätze gibt es im Hof" in form_fields(checked.text)["body"][0]  # kept
    done = confirm_offer(browser, org, interview, edited)
    assert done.status_code == 303, done.text
    offer_id = int(done.headers["location"].rsplit("/", 1)[1])
    with app.state.sessions() as session:
        slots = session.execute(
            select(OfferSlot.start, OfferSlot.end).where(OfferSlot.offer_id == offer_id)
        ).all()
        assert sorted((_utc(s), _utc(e)) for s, e in slots) == [
            (_utc(s), _utc(e)) for s, e in _spans(chosen)
        ]
        letters = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.workspace_id == org,
                OutboxMessage.recipient == LENA,
                OutboxMessage.subject == subject,
            )
        ).all()
        assert len(letters) == 1 and letters[0].state == "pending"
        events = session.scalars(
            select(InterviewEvent).where(
                InterviewEvent.interview_id == interview, InterviewEvent.event == "offer"
            )
        ).all()
        assert [e.detail["reason"] for e in events] == [{"category": "other"}]
    written = [b for b in written_bodies(app, OutboxMessage.subject == subject)]
    assert len(written) == 1
    link = LINK.search(written[0])
    assert link is not None
    assert written[0] == body.replace("http://testserver/pick/[link:preview]", link.group(0))
    # the pick page offers exactly the chosen times, and nothing else
    pick = other_browser.get(link.group(0).removeprefix("http://testserver"))
    assert pick.status_code == 200
    assert len(re.findall(r'name="slot" value="\d+"', pick.text)) == len(chosen) == 4


def test_a_preview_of_an_interview_that_changed_is_refused(app: FastAPI, browser: Browser) -> None:
    org, interview = _employer(app, browser)
    _, fields = preview_offer(browser, org, interview)
    moved = browser.post(
        f"/w/{org}/interviews/{interview}/book",
        {"start": "2026-03-20T10:00", "end": "2026-03-20T11:00"},
    )
    assert moved.status_code == 303, moved.text  # SEQUENCE + 1 since the preview
    before = _counts(app)
    refused = confirm_offer(browser, org, interview, fields)
    assert refused.status_code == 409
    assert "changed since the preview" in refused.text
    assert _counts(app) == before
    # a cancelled one: refused whatever the form says
    _, fresh = preview_offer(browser, org, interview)
    assert browser.post(f"/w/{org}/interviews/{interview}/cancel", {}).status_code == 303
    again = confirm_offer(browser, org, interview, fresh)
    assert again.status_code == 409
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Offer)) == 0


def test_bad_input_is_named_in_the_viewers_language(app: FastAPI, browser: Browser) -> None:
    org, interview = _employer(app, browser)
    _, fields = preview_offer(browser, org, interview)
    before = _counts(app)
    cases = [
        ({"slots": fields["slots"][:2]}, "slots"),
        ({"slots": ["yesterday/today", *fields["slots"][1:]]}, "slots"),
        ({"reason": ["bored"]}, "reason"),
        ({"public_reason": ["x" * 301]}, "public_reason"),
        ({"body": [fields["body"][0].replace("/pick/[link:preview]", "/pick/")]}, "body"),
        ({"subject": [""]}, "subject"),
    ]
    for change, field in cases:
        response = confirm_offer(browser, org, interview, {**fields, **change})
        assert response.status_code == 422, (field, response.text)
        assert f'aria-describedby="err-{field}"' in response.text, field  # marked, by label
        assert f"<strong>{field}</strong>" not in response.text, field
    assert _counts(app) == before
    browser.post("/language", {"lang": "de", "back": "/"})
    german = confirm_offer(browser, org, interview, {**fields, "slots": fields["slots"][:2]})
    assert german.status_code == 422 and "Bitte korrigiere" in german.text
    assert "wähle 3 bis 10 Zeiten" in german.text
    swedish_ui = browser.post("/language", {"lang": "sv", "back": "/"})
    assert swedish_ui.status_code == 303
    page = browser.get(_url(org, interview)).text
    assert "Erbjud nya tider: förhandsvisning" in page and "Lägg erbjudandet i utkorgen" in page
    # the cancel form names its fields too, and changes nothing
    bad = browser.post(f"/w/{org}/interviews/{interview}/cancel", {"reason": "bored"})
    assert bad.status_code == 422, bad.text
    shown = _problems(bad.text)  # named by the form's label, no key nor list of keys
    assert "<strong>Varför? (hålls allmänt i varje meddelande)</strong>" in shown, shown
    assert "reason" not in shown and "interviewer_unavailable" not in shown
    long = browser.post(f"/w/{org}/interviews/{interview}/cancel", {"public_reason": "x" * 301})
    assert long.status_code == 422, long.text
    shown = _problems(long.text)
    assert (
        "<strong>En mening till kandidaten (valfri, återges som du skriver den)</strong>" in shown
    )
    assert "public_reason" not in shown
    assert _counts(app) == before


def _problems(page: str) -> str:
    """The refused page's list of problems (each named by its field's label)."""
    found = re.search(r'<div class="problems".*?</div>', page, re.S)
    assert found is not None, page
    return found.group(0)


def _cancel_letter(app: FastAPI, org: int, plan_id: int) -> str:
    bodies = written_bodies(
        app,
        OutboxMessage.workspace_id == org,
        OutboxMessage.recipient == LENA,
        OutboxMessage.reference == f"plan:{plan_id}",
    )
    assert len(bodies) == 1, bodies
    return bodies[0]


def test_the_public_sentence_is_in_the_letter_and_the_reason_only_in_the_audit_trail(
    app: FastAPI, browser: Browser
) -> None:
    org, interview = _employer(app, browser)
    done = browser.post(
        f"/w/{org}/interviews/{interview}/cancel",
        {"reason": "schedule_conflict", "public_reason": f"  {PUBLIC_DE}  "},
    )
    assert done.status_code == 303, done.text
    plan_id = int(done.headers["location"].rsplit("/", 1)[1])
    letter = _cancel_letter(app, org, plan_id)
    assert PUBLIC_DE in letter  # quoted as written
    assert "Terminüberschneidung" in letter  # the category, in general words
    assert "schedule_conflict" not in letter
    with app.state.sessions() as session:
        others = session.scalars(
            select(OutboxMessage.body).where(
                OutboxMessage.workspace_id == org, OutboxMessage.recipient != LENA
            )
        ).all()
        assert others and not any(PUBLIC_DE in b or "schedule_conflict" in b for b in others)
        event = session.scalar(
            select(InterviewEvent).where(
                InterviewEvent.interview_id == interview, InterviewEvent.event == "cancel"
            )
        )
        assert event is not None and event.why == "schedule_conflict"
        assert event.detail["reason"] == {"category": "schedule_conflict", "public": PUBLIC_DE}


def test_the_default_reason_is_neutral(app: FastAPI, browser: Browser) -> None:
    org, interview = _employer(
        app, browser, name="Sam Taylor", language="en", salutation="", timezone="Europe/London"
    )
    done = browser.post(f"/w/{org}/interviews/{interview}/cancel", {})
    assert done.status_code == 303, done.text
    letter = _cancel_letter(app, org, int(done.headers["location"].rsplit("/", 1)[1]))
    assert "have to cancel your interview" in letter
    for invented in ("interviewer", "unavailable", "illness", "emergency", "conflict"):
        assert invented not in letter.lower(), invented
    with app.state.sessions() as session:
        event = session.scalar(
            select(InterviewEvent).where(
                InterviewEvent.interview_id == interview, InterviewEvent.event == "cancel"
            )
        )
        assert event is not None and event.detail["reason"] == {"category": "other"}


def test_the_api_takes_a_reason_for_cancel_and_reschedule(app: FastAPI, browser: Browser) -> None:
    org, interview = _employer(app, browser)
    browser.get(f"/w/{org}/tokens")
    page = browser.post(f"/w/{org}/tokens", {"label": "test"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    http = browser.http
    bad = http.post(
        "/api/v1/offers",
        json={"interview_id": interview, "reason": "bored"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "reason"
    made = http.post(
        "/api/v1/offers",
        json={"interview_id": interview, "reason": "illness", "public_reason": PUBLIC_DE},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    bodies = written_bodies(app, OutboxMessage.recipient == LENA)
    offer_letter = next(b for b in bodies if "/pick/" in b)
    assert PUBLIC_DE in offer_letter and "illness" not in offer_letter
    long = http.post(
        f"/api/v1/interviews/{interview}/cancel",
        json={"public_reason": "x" * 301},
        headers=headers,
    )
    assert long.status_code == 422 and long.json()["detail"][0]["field"] == "public_reason"
    done = http.post(f"/api/v1/interviews/{interview}/cancel", json={}, headers=headers)
    assert done.status_code == 200, done.text
    trail = http.get(f"/api/v1/interviews/{interview}/events", headers=headers).json()
    reasons = {
        e["event"]: e["detail"]["reason"] for e in trail if e["event"] in ("offer", "cancel")
    }
    assert reasons == {
        "offer": {"category": "illness", "public": PUBLIC_DE},
        "cancel": {"category": "other"},
    }


def _invariants(app: FastAPI, org: int) -> None:
    """Nobody double-booked, no live link for a closed interview, nothing pending for a
    closed interview but its cancellation."""
    with app.state.sessions() as session:
        rows = session.scalars(select(Interview).where(Interview.workspace_id == org)).all()
        live = [r for r in rows if State(r.status) not in CLOSED]
        for i, a in enumerate(live):
            for b in live[i + 1 :]:
                people_a = {p["email"] for p in a.interviewers} | {a.contact["email"]}
                people_b = {p["email"] for p in b.interviewers} | {b.contact["email"]}
                assert not (people_a & people_b and a.start < b.end and b.start < a.end)
        for row in rows:
            if State(row.status) not in CLOSED:
                continue
            open_offers = session.scalars(
                select(Offer).where(
                    Offer.interview_id == row.id, Offer.state == OfferState.open.value
                )
            ).all()
            assert open_offers == []
            cancel_plans = {
                f"plan:{p}"
                for p in session.scalars(
                    select(PlanRecord.id).where(PlanRecord.interview_id == row.id)
                )
            }
            pending = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.interview_id == row.id, OutboxMessage.state == "pending"
                )
            ).all()
            for message in pending:
                assert message.calendar_method == "CANCEL" or (
                    message.reference in cancel_plans and "/pick/" not in message.body
                ), (message.subject, message.reference)


def test_offer_then_pick_then_cancel_with_a_reason(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, interview = _employer(app, browser)
    _, fields = preview_offer(browser, org, interview)
    _invariants(app, org)
    done = confirm_offer(browser, org, interview, fields)
    assert done.status_code == 303, done.text
    _invariants(app, org)
    link = LINK.search(
        next(b for b in written_bodies(app, OutboxMessage.recipient == LENA) if "/pick/" in b)
    )
    assert link is not None
    path = link.group(0).removeprefix("http://testserver")
    with app.state.sessions() as session:
        first = session.scalars(select(OfferSlot.id).order_by(OfferSlot.start)).first()
    other_browser.get(path)
    assert other_browser.post(path, {"slot": str(first)}).status_code == 303
    with app.state.sessions() as session:
        row = session.get(Interview, interview)
        assert row is not None and row.status == "rescheduled"
    _invariants(app, org)
    cancelled = browser.post(
        f"/w/{org}/interviews/{interview}/cancel",
        {"reason": "illness", "public_reason": PUBLIC_DE},
    )
    assert cancelled.status_code == 303, cancelled.text
    _invariants(app, org)
    with app.state.sessions() as session:
        offer = session.scalar(select(Offer).where(Offer.interview_id == interview))
        assert offer is not None and offer.state != OfferState.open.value
    assert other_browser.post(path, {"slot": str(first)}).status_code in (404, 409)
