"""The plan page after the plan: "Check this message" (issue 6), the emails queued, a reply
taken in, "new time agreed" and its draft, reminders on the dashboard (issue 5)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from fairnotice.mail.transport import MemoryTransport
from fairnotice.operations.outbox.delivery import fire_followups
from fairnotice.operations.outbox.loop import Deliverer
from fairnotice.store.session import transaction
from fairnotice.store.tables import Interview, OutboxMessage, PlanStep, ReplyRecord
from tests.web.conftest import Browser, Clock
from tests.web.helpers import add_interview, make_plan

BERLIN = ZoneInfo("Europe/Berlin")
M3_LINE = "Ich habe an dem Tag leider ein anderes Vorstellungsgespräch bei einer anderen Firma."
# Busy on Thursday 12 March, 15:00-16:00 Berlin: a reply proposing that hour clashes.
BUSY_ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:busy-1@example.org\r\nDTSTAMP:20260301T000000Z\r\n"
    b"DTSTART:20260312T140000Z\r\nDTEND:20260312T150000Z\r\nSUMMARY:Zahnarzt\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _editor(page: str, message: str = "m1") -> tuple[str, str]:
    """The subject and body the editor shows for a message."""
    body = re.search(
        rf'<textarea id="body-{message}" name="body" rows="12">(.*?)</textarea>', page, re.S
    )
    subject = re.search(rf'id="subject-{message}" name="subject" value="([^"]*)"', page)
    assert body and subject
    return html.unescape(subject.group(1)), html.unescape(body.group(1))


def _plan(browser: Browser, **changes: Any) -> tuple[int, int]:
    ws = browser.sign_up("cand@example.org")
    return ws, make_plan(browser, ws, add_interview(browser, ws), **changes)


def _check_block(text: str) -> str:
    found = re.search(r'<div id="check-m1".*?</div>', text, re.S)
    assert found, text
    return found.group(0)


def test_check_marks_another_interview_and_keeps_the_edited_text(browser: Browser) -> None:
    ws, plan = _plan(browser)
    page = browser.get(f"/w/{ws}/plans/{plan}")
    assert f'formaction="/w/{ws}/plans/{plan}/messages/m1/check"' in page.text
    subject, body = _editor(page.text)
    bad = body.replace("\n\n", f"\n\n{M3_LINE}\n\n", 1)
    response = browser.post(
        f"/w/{ws}/plans/{plan}/messages/m1/check", {"subject": subject, "body": bad}
    )
    assert response.status_code == 200
    block = _check_block(response.text)
    assert '<a href="/rules#M3"' in block and "Error" in block
    assert "<mark>anderes Vorstellungsgespräch</mark>" in block
    assert _editor(response.text) == (subject, bad)  # the edited words stay in the editor
    assert M3_LINE not in browser.get(f"/w/{ws}/plans/{plan}").text  # checked, not saved


def test_the_generated_letter_has_no_findings(browser: Browser) -> None:
    ws, plan = _plan(browser)
    subject, body = _editor(browser.get(f"/w/{ws}/plans/{plan}").text)
    response = browser.post(
        f"/w/{ws}/plans/{plan}/messages/m1/check", {"subject": subject, "body": body}
    )
    block = _check_block(response.text)
    assert "<li" not in block and "The check found nothing" in block


def test_check_with_htmx_answers_with_the_findings_alone(browser: Browser) -> None:
    ws, plan = _plan(browser)
    subject, body = _editor(browser.get(f"/w/{ws}/plans/{plan}").text)
    response = browser.post(
        f"/w/{ws}/plans/{plan}/messages/m1/check",
        {"subject": subject, "body": body + "\n\n" + M3_LINE},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="check-m1"') and "<html" not in response.text
    assert "/rules#M3" in response.text


def _routes(app: FastAPI) -> list[APIRoute]:
    from fairnotice.web.routes import followups

    return [r for r in followups.router.routes if isinstance(r, APIRoute)]


def _queued(app: FastAPI, browser: Browser, ws: int, plan: int) -> OutboxMessage:
    browser.get(f"/w/{ws}/plans/{plan}")
    assert browser.post(f"/w/{ws}/plans/{plan}/queue").status_code == 303
    with app.state.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.plan_id == plan)
        row: OutboxMessage | None = session.scalars(query).first()
        assert row is not None
        session.expunge(row)
    return row


def test_other_workspaces_get_404_and_posts_without_csrf_403(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    ws, plan = _plan(browser)
    row = _queued(app, browser, ws, plan)
    ids = {"ws": ws, "plan_id": plan, "message_id": "m1", "row_id": row.id}
    other_browser.sign_up("intruder@example.org", name="Intruder")
    form = {"subject": "x", "body": "x", "text": "x", "agreed": "2026-03-20T10:00"}
    routes = _routes(app)
    assert len(routes) == 5
    for route in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), route.path)
        assert other_browser.post(url, form).status_code == 404, url
        plain = browser.http.post(url, data=form, follow_redirects=False)
        assert plain.status_code == 403, url
        htmx = browser.http.post(url, data=form, headers={"HX-Request": "true"})
        assert htmx.status_code == 403, url


def test_queued_emails_carry_message_id_deadline_and_interview(
    app: FastAPI, browser: Browser
) -> None:
    ws, plan = _plan(browser)
    row = _queued(app, browser, ws, plan)
    with app.state.sessions() as session:
        interview = session.scalars(select(Interview).where(Interview.workspace_id == ws)).one()
        assert row.interview_id == interview.id and row.interview_sequence == interview.sequence
        assert row.deadline == interview.start
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", row.message_id or "")
    assert row.reply_to == "cand@example.org" and row.recipient == "j.doe@example.com"
    assert browser.post(f"/w/{ws}/plans/{plan}/queue").status_code == 409  # once


def test_employer_rows_carry_message_id_and_deadline(app: FastAPI, browser: Browser) -> None:
    from tests.web.employer_setup import offered

    setup = offered(app, browser)
    token = setup.link.rsplit("/", 1)[1]
    page = browser.get(f"/pick/{token}")
    slot = re.search(r'name="slot" value="(\d+)"', page.text)
    assert slot
    assert browser.post(f"/pick/{token}", {"slot": slot.group(1)}).status_code in (200, 303)
    with app.state.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.workspace_id == setup.org)
        ).all()
        interview = session.get(Interview, setup.interview)
        assert interview is not None
        assert {r.calendar_method for r in rows} >= {"REQUEST"} and len(rows) >= 3
        for row in rows:
            assert row.message_id and row.reply_to == "hr@example.com", row.subject
            assert row.deadline is not None and row.interview_id == interview.id
        request = [r for r in rows if r.calendar_method == "REQUEST" and r.state == "pending"]
        assert all(r.deadline == interview.start for r in request)
        assert all(r.interview_sequence == interview.sequence for r in request)


def _deliver(app: FastAPI, clock: Clock) -> MemoryTransport:
    transport = MemoryTransport()
    Deliverer(
        app.state.sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock
    ).drain()
    return transport


def _reply(to_id: str, text: str, own: str = "<r1@muster.example>") -> bytes:
    return (
        "From: Jonas Doe <j.doe@example.com>\r\nTo: cand@example.org\r\n"
        f"Subject: AW: Termin\r\nDate: Tue, 10 Mar 2026 11:00:00 +0100\r\nMessage-ID: {own}\r\n"
        f"In-Reply-To: {to_id}\r\nReferences: {to_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n"
    ).encode()


def _no_reply_step(app: FastAPI, plan: int) -> PlanStep:
    with app.state.sessions() as session:
        step: PlanStep = session.scalars(
            select(PlanStep).where(PlanStep.plan_id == plan, PlanStep.condition == "no_reply")
        ).one()
        session.expunge(step)
    return step


def _with_calendar(browser: Browser) -> tuple[int, int]:
    ws = browser.sign_up("cand@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {"intent": "reschedule", "reason": "family", "message_language": "de"},
        files={"calendar": ("me.ics", BUSY_ICS, "text/calendar")},
    )
    assert response.status_code == 303, response.text
    return ws, int(response.headers["location"].rsplit("/", 1)[1])


def test_uploaded_reply_closes_the_call_and_checks_its_times(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws, plan = _with_calendar(browser)
    assert _no_reply_step(app, plan).state == "open"
    _queued(app, browser, ws, plan)
    (sent,) = _deliver(app, clock).sent
    raw = _reply(sent.message_id, "Wie wäre es mit Donnerstag um 15 Uhr? Oder Freitag um 11 Uhr.")
    browser.get(f"/w/{ws}/plans/{plan}")
    response = browser.post(
        f"/w/{ws}/plans/{plan}/replies", files={"file": ("reply.eml", raw, "message/rfc822")}
    )
    assert response.status_code == 303 and response.headers["location"].endswith("#replies")
    step = _no_reply_step(app, plan)
    assert (step.state, step.outcome) == ("done", "replied")
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    replies = page.split('id="replies"')[1]
    clash = re.search(r'<li class="clash">(.*?)</li>', replies, re.S)
    free = re.search(r'<li class="free">(.*?)</li>', replies, re.S)
    assert clash and free, replies
    assert "Thursday, 12 March 2026, 15:00" in clash.group(1)
    assert "This clashes with:</strong> Thursday, 12 March 2026, 15:00 – 16:00" in clash.group(1)
    assert "Friday, 13 March 2026, 11:00" in free.group(1)
    assert "You are free then." in free.group(1)
    again = browser.post(
        f"/w/{ws}/plans/{plan}/replies", files={"file": ("reply.eml", raw, "message/rfc822")}
    )
    assert again.status_code == 303
    with app.state.sessions() as session:
        assert len(session.scalars(select(ReplyRecord)).all()) == 1  # the same reply once


def test_pasted_reply_answers_the_plans_email(app: FastAPI, browser: Browser, clock: Clock) -> None:
    ws, plan = _plan(browser)
    browser.get(f"/w/{ws}/plans/{plan}")
    early = browser.post(f"/w/{ws}/plans/{plan}/replies", {"text": "Passt Freitag um 10 Uhr?"})
    assert early.status_code == 422  # nothing sent yet that it could answer
    _queued(app, browser, ws, plan)
    _deliver(app, clock)
    browser.get(f"/w/{ws}/plans/{plan}")
    response = browser.post(
        f"/w/{ws}/plans/{plan}/replies", {"text": "Guten Tag, passt Freitag um 10 Uhr?"}
    )
    assert response.status_code == 303
    with app.state.sessions() as session:
        (reply,) = session.scalars(select(ReplyRecord)).all()
        assert reply.plan_id == plan and reply.source == "paste"
        starts = [datetime.fromisoformat(p["start"]) for p in reply.proposals]
    assert starts == [datetime(2026, 3, 13, 10, 0, tzinfo=BERLIN)]
    assert _no_reply_step(app, plan).state == "done"
    stranger = _reply("<nobody@elsewhere.example>", "Hallo", own="<r9@x.example>")
    unmatched = browser.post(
        f"/w/{ws}/plans/{plan}/replies", files={"file": ("x.eml", stranger, "message/rfc822")}
    )
    assert unmatched.status_code == 422 and "mark its step as sent" in unmatched.text


def test_reminder_and_draft_on_the_dashboard_then_agreement_and_release(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws, plan = _plan(browser)
    _queued(app, browser, ws, plan)
    _deliver(app, clock)
    due = _no_reply_step(app, plan).due
    assert "Reminder: no reply has come" not in browser.get(f"/w/{ws}").text
    clock.now = due + timedelta(minutes=1)
    with transaction(app.state.sessions, write=True) as session:
        assert fire_followups(session, now=clock())["reminded"] == 1
    board = browser.get(f"/w/{ws}").text
    assert "Reminder: no reply has come, so call now." in board
    assert "Reminder emailed to you" in board
    browser.get(f"/w/{ws}/plans/{plan}")
    past = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-01T10:00"})
    assert past.status_code == 422
    agreed = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-13T10:00"})
    assert agreed.status_code == 303
    assert (
        browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-13T10:00"}).status_code
        == 409
    )
    with app.state.sessions() as session:
        (draft,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "draft")
        ).all()
        assert draft.deadline == datetime(2026, 3, 13, 10, 0, tzinfo=BERLIN)
        assert draft.message_id and draft.plan_id == plan and draft.kind == "follow_up_email"
        draft_id = draft.id
    board = browser.get(f"/w/{ws}").text
    assert "Reminder: no reply has come" not in board  # the agreement closed the call
    assert "Check and release the draft to" in board and f"/w/{ws}/plans/{plan}#drafts" in board
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    assert f'action="/w/{ws}/outbox/{draft_id}/release"' in page
    released = browser.post(
        f"/w/{ws}/outbox/{draft_id}/release",
        {"subject": "Danke", "body": "Bis Freitag!", "back": f"/w/{ws}/plans/{plan}#drafts"},
    )
    assert released.status_code == 303
    with app.state.sessions() as session:
        row = session.get(OutboxMessage, draft_id)
        assert row is not None
        assert (row.state, row.subject, row.body) == ("pending", "Danke", "Bis Freitag!")
        assert row.due == clock.now.astimezone(UTC)
    assert "Check and release the draft to" not in browser.get(f"/w/{ws}").text


def test_filled_position_progress_counts_queued_sent_and_failed(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    from fairnotice.mail.transport import Envelope, Outcome, Result
    from fairnotice.operations.positions import batches as fill_batches
    from fairnotice.store.tables import Candidate
    from tests.web.helpers import candidate, organisation, position, schedule

    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    candidate(browser, org, pos, name="Sven Berg", email="sven@example.org", language="sv")
    with app.state.sessions() as session:
        ids = session.scalars(select(Candidate.id).where(Candidate.workspace_id == org)).all()
    for number, day in zip(ids, ("2026-03-18", "2026-03-19"), strict=True):
        schedule(browser, org, pos, number, date=day)
    browser.get(f"/w/{org}/positions/{pos}/fill")
    response = browser.post(f"/w/{org}/positions/{pos}/fill", {})
    assert response.status_code == 303
    url = response.headers["location"]
    assert 'hx-trigger="every 2s"' in browser.get(url).text  # polls while the worker tells them
    assert fill_batches.run(app.state.sessions, clock=clock).told == 2

    def counts(text: str) -> dict[str, int]:
        found = re.findall(r'<dd data-state="(\w+)">(\d+)</dd>', text)
        return {state: int(n) for state, n in found}

    page = browser.get(url).text
    assert counts(page) == {"queued": 2, "sent": 0, "failed": 0}
    assert 'hx-trigger="every 2s"' in page  # keeps polling while messages wait

    def answer(envelope: Envelope) -> Result:
        if "sven@example.org" in envelope.recipients:
            return Result(Outcome.permanent, 550, "5.1.1 mailbox unknown")
        return Result(Outcome.delivered, 250, "OK")

    transport = MemoryTransport(answer)
    Deliverer(
        app.state.sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock
    ).drain()
    fragment = browser.get(url, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="progress"')
    assert counts(fragment) == {"queued": 0, "sent": 1, "failed": 1}
    assert "sven@example.org" in fragment and "mailbox unknown" in fragment
    assert "hx-trigger" not in fragment  # nothing waits: polling stops
