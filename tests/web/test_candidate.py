"""Candidate side: interviews, the plan page, edits, downloads, steps, the dashboard."""

from __future__ import annotations

import email
import email.policy
import re

from tests.web.conftest import Browser
from tests.web.helpers import add_interview, ids_in, make_plan


def test_add_interview_by_form_lists_it_in_the_viewer_zone(browser: Browser) -> None:
    ws = browser.sign_up("cand@example.org", tz="Europe/Stockholm")
    interview = add_interview(browser, ws)
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert page.status_code == 200
    assert "Paralegal" in page.text and "Muster &amp; Partner GmbH" in page.text
    assert "14:00" in page.text  # Berlin and Stockholm share the hour
    listing = browser.get(f"/w/{ws}")
    assert f"/w/{ws}/interviews/{interview}" in listing.text


def test_bad_form_names_the_field(browser: Browser) -> None:
    ws = browser.sign_up("bad@example.org")
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews",
        {
            "position": "P",
            "company": "C",
            "date": "2026-03-29",
            "start_time": "02:30",
            "end_time": "04:00",
            "timezone": "Europe/Berlin",
            "contact_name": "X",
            "contact_email": "x@example.com",
        },
    )
    assert response.status_code == 422
    assert "DST gap" in response.text
    nozone = browser.post(
        f"/w/{ws}/interviews",
        {
            "position": "P",
            "company": "C",
            "date": "2026-03-20",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "Mars/Olympus",
            "contact_name": "X",
            "contact_email": "x@example.com",
        },
    )
    assert nozone.status_code == 422 and "timezone" in nozone.text


def test_german_reschedule_plan_page(browser: Browser) -> None:
    ws = browser.sign_up("plan@example.org")
    interview = add_interview(browser, ws)
    plan_id = make_plan(browser, ws, interview)
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    assert page.status_code == 200
    text = page.text
    assert "Paralegal" in text and "Herr Doe" in text  # the German email addresses him (C5)
    assert "PRIVATE sister" not in text.split("Your private note")[0]  # never in a message (M2)
    assert 'href="/rules#' in text or '<ol class="timeline">' in text
    assert "mailto:j.doe%40example.com?subject=" in text
    assert re.search(r'href="/w/\d+/plans/\d+/messages/m1\.eml"', text)
    assert re.search(r'href="/w/\d+/plans/\d+/messages/m1\.ics"', text)  # the COUNTER


def test_downloads_are_a_draft_email_with_the_counter_attached(browser: Browser) -> None:
    ws = browser.sign_up("dl@example.org")
    plan_id = make_plan(browser, ws, add_interview(browser, ws))
    eml = browser.get(f"/w/{ws}/plans/{plan_id}/messages/m1.eml")
    assert eml.status_code == 200 and eml.headers["content-type"].startswith("message/rfc822")
    parsed = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["j.doe@example.com"]
    assert parsed["X-Unsent"] == "1"  # opens as a draft
    assert "Paralegal" in str(parsed["Subject"])
    parts = [p.get_content_type() for p in parsed.walk()]
    assert "text/calendar" in parts
    ics = browser.get(f"/w/{ws}/plans/{plan_id}/messages/m1.ics")
    assert "METHOD:COUNTER" in ics.text and "text/calendar" in ics.headers["content-type"]


def test_editing_a_message_keeps_the_users_words(browser: Browser) -> None:
    ws = browser.sign_up("edit@example.org")
    plan_id = make_plan(browser, ws, add_interview(browser, ws))
    browser.get(f"/w/{ws}/plans/{plan_id}")
    response = browser.post(
        f"/w/{ws}/plans/{plan_id}/messages/m1",
        {"subject": "Neuer Betreff", "body": "Mein eigener Text"},
    )
    assert response.status_code == 303
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    assert "Neuer Betreff" in page.text and "Mein eigener Text" in page.text
    injected = browser.post(
        f"/w/{ws}/plans/{plan_id}/messages/m1", {"subject": "a\r\nBcc: x@evil.example", "body": "x"}
    )
    assert injected.status_code == 422


def test_marking_steps_done_and_the_dashboard(browser: Browser) -> None:
    ws = browser.sign_up("steps@example.org")
    plan_id = make_plan(browser, ws, add_interview(browser, ws))
    before = browser.get(f"/w/{ws}").text.count("Send the email to Herr Doe")
    assert before >= 1
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    step = ids_in(rf'action="/w/{ws}/steps/(\d+)"', page.text)[0]
    assert browser.post(f"/w/{ws}/steps/{step}", {"outcome": "sent"}).status_code == 303
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    assert "✓ Sent" in page.text
    assert browser.get(f"/w/{ws}").text.count("Send the email to Herr Doe") == before - 1
    wrong = browser.post(f"/w/{ws}/steps/{step}", {"outcome": "reached"})
    assert wrong.status_code == 422


def test_short_notice_plan_lists_a_call_with_the_phone_script(browser: Browser, clock) -> None:  # type: ignore[no-untyped-def]
    ws = browser.sign_up("short@example.org")
    interview = add_interview(browser, ws, date="2026-03-10", start_time="16:00", end_time="17:00")
    plan_id = make_plan(browser, ws, interview, reason="illness")
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    assert 'class="message phone_script"' in page.text
    assert "+49 30 000000" in page.text
    assert 'href="/rules#T3"' in page.text
    assert "Call Herr Doe" in browser.get(f"/w/{ws}").text


def test_free_times_marked_on_the_week_view_are_the_only_proposals(app, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from fairnotice.store.tables import PlanRecord

    ws = browser.sign_up("week@example.org")
    interview = add_interview(browser, ws)
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert 'value="2026-03-17T14"' in page.text  # ten weekdays from the clock's tomorrow
    plan_id = make_plan(browser, ws, interview, free=["2026-03-17T14", "2026-03-19T10"])
    with app.state.sessions() as session:
        record = session.get(PlanRecord, plan_id)
        assert record is not None
        starts = [
            datetime.fromisoformat(s["start"]).astimezone(ZoneInfo("Europe/Berlin"))
            for s in record.plan["proposed_slots"]
        ]
    assert starts and all(
        (s.date().isoformat(), s.hour)
        in {("2026-03-17", 14), ("2026-03-17", 15), ("2026-03-19", 10), ("2026-03-19", 11)}
        for s in starts
    ), starts
    bad = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {"intent": "reschedule", "reason": "family", "free": "2027-01-01T10"},
    )
    assert bad.status_code == 422 and "free" in bad.text
