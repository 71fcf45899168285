"""Employer side: positions, candidates, interviews, offers and the pick page, filling."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.positions import batches as fill_batches
from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot, OutboxMessage, Position
from tests.web.conftest import Browser, Clock
from tests.web.employer_setup import offered
from tests.web.helpers import candidate, organisation, position, schedule


def _path(link: str) -> str:
    return link.removeprefix("http://testserver")


def test_offer_proposes_three_slots_and_queues_the_german_email(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    with app.state.sessions() as session:
        offer = session.get(Offer, setup.offer)
        assert offer is not None and len(offer.slots) >= 3
        assert offer.language == "de" and offer.state == "open"
        token = setup.link.rsplit("/", 1)[1]
        assert len(token) >= 43  # 256 bits, base64url
        assert token not in offer.token_hash  # only the digest is stored
        mail = session.scalars(
            select(OutboxMessage).where(OutboxMessage.workspace_id == setup.org)
        ).all()
        # the first invitations, still queued when the offer came, never go
        assert all(m.state == "pending" for m in mail if m.calendar_method != "REQUEST")
        assert all(m.state == "cancelled" for m in mail if m.calendar_method == "REQUEST")
        assert any(m.recipient == "lena@example.org" for m in mail)
    page = browser.get(f"/w/{setup.org}/offers/{setup.offer}")
    assert page.status_code == 200 and token not in page.text


def test_candidate_picks_a_slot_from_the_link(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    page = other_browser.get(_path(setup.link))
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<html lang="de">' in page.text  # the candidate's language
    with app.state.sessions() as session:
        slots = session.scalars(
            select(OfferSlot).where(OfferSlot.offer_id == setup.offer).order_by(OfferSlot.start)
        ).all()
        before = session.get(Interview, setup.interview)
        assert before is not None
        sequence = before.sequence
    chosen = slots[1]
    response = other_browser.post(_path(setup.link), {"slot": str(chosen.id)})
    assert response.status_code == 303
    with app.state.sessions() as session:
        interview = session.get(Interview, setup.interview)
        assert interview is not None
        assert (interview.start, interview.end) == (chosen.start, chosen.end)
        assert interview.sequence == sequence + 1 and interview.status == "rescheduled"
        states = {
            s.id: s.state
            for s in session.scalars(select(OfferSlot).where(OfferSlot.offer_id == setup.offer))
        }
        assert states[chosen.id] == "booked"
        assert sorted(v for k, v in states.items() if k != chosen.id) == ["released"] * (
            len(states) - 1
        )
        requests = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.calendar_method == "REQUEST", OutboxMessage.state == "pending")
            .order_by(OutboxMessage.id)
        ).all()
        recipients = {m.recipient for m in requests}
        assert recipients == {"lena@example.org", "j.doe@example.com", "m.roth@example.com"}
        ics = requests[0].calendar_ics or ""
        assert f"UID:{interview.uid}" in ics.replace("\r\n ", "")
        assert f"SEQUENCE:{sequence + 1}" in ics
    done = other_browser.get(_path(setup.link))
    assert done.status_code == 200 and 'name="slot"' not in done.text


def test_a_used_link_is_refused_without_change(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    other_browser.get(_path(setup.link))
    with app.state.sessions() as session:
        slots = session.scalars(select(OfferSlot.id).where(OfferSlot.offer_id == setup.offer)).all()
    assert other_browser.post(_path(setup.link), {"slot": str(slots[0])}).status_code == 303
    again = other_browser.post(_path(setup.link), {"slot": str(slots[1])})
    assert again.status_code == 409
    with app.state.sessions() as session:
        offer = session.get(Offer, setup.offer)
        assert offer is not None and offer.picked_slot_id == slots[0]


def test_expired_tampered_and_foreign_tokens_change_nothing(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    setup = offered(app, browser)
    second = offered(app, other_browser, email="hr2@example.com")
    with app.state.sessions() as session:
        mine = session.scalars(select(OfferSlot.id).where(OfferSlot.offer_id == setup.offer)).all()
        theirs = session.scalars(
            select(OfferSlot.id).where(OfferSlot.offer_id == second.offer)
        ).all()
    visitor = other_browser
    visitor.get(_path(setup.link))
    tampered = _path(setup.link)[:-2] + ("AA" if not setup.link.endswith("AA") else "BB")
    assert visitor.get(tampered).status_code == 404
    assert visitor.post(tampered, {"slot": str(mine[0])}).status_code == 404
    # a slot of another offer through this offer's link
    assert visitor.post(_path(setup.link), {"slot": str(theirs[0])}).status_code == 404
    clock.advance(days=8)
    assert visitor.get(_path(setup.link)).status_code == 410
    assert visitor.post(_path(setup.link), {"slot": str(mine[0])}).status_code == 409
    with app.state.sessions() as session:
        for offer_id in (setup.offer, second.offer):
            offer = session.get(Offer, offer_id)
            assert offer is not None and offer.state == "open" and offer.picked_slot_id is None
        assert (  # no booking went out (the first invitations were voided by the offers)
            session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.calendar_method == "REQUEST", OutboxMessage.state == "pending"
                )
            ).all()
            == []
        )


def test_none_of_these_work_keeps_the_suggestion(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    other_browser.get(_path(setup.link))
    response = other_browser.post(
        _path(setup.link) + "/none", {"suggestion": "Freitag ab 14 Uhr <b>bitte</b>"}
    )
    assert response.status_code == 303
    with app.state.sessions() as session:
        offer = session.get(Offer, setup.offer)
        assert offer is not None and offer.state == "declined"
        assert offer.suggestion == "Freitag ab 14 Uhr <b>bitte</b>"
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "hr@example.com")
        ).all()
        assert len(told) == 1 and "Freitag ab 14 Uhr" in told[0].body
    page = browser.get(f"/w/{setup.org}/offers/{setup.offer}")
    assert "Freitag ab 14 Uhr &lt;b&gt;bitte&lt;/b&gt;" in page.text


def test_csv_import_is_all_or_nothing_and_names_the_line(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("csv@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    good = (
        "name,email,language,round\n"
        "Lena Vogel,lena@example.org,de,2\nTom Baker,tom@example.org,en,1\n"
    )
    bad = "name,email,language\nA,a@example.org,de\nB,not-an-email,xx\n"
    browser.get(f"/w/{org}/positions/{pos}")
    refused = browser.post(
        f"/w/{org}/positions/{pos}/candidates/import", files={"file": ("c.csv", bad, "text/csv")}
    )
    assert refused.status_code == 422 and "Row 3, Email" in refused.text
    browser.http.headers["Accept-Language"] = "de-DE"  # the line and the texts in German
    german = browser.post(
        f"/w/{org}/positions/{pos}/candidates/import",
        files={"file": ("c.csv", bad, "text/csv")},
        headers={"Referer": f"http://testserver/w/{org}/positions/{pos}"},
    )
    # the position page again, still signed in, the import form open with its problems
    assert german.status_code == 422
    assert 'href="/account"' in german.text and "/signin" not in german.text
    assert f'action="/w/{org}/positions/{pos}/candidates/import"' in german.text
    assert "<strong>Zeile 3, E-Mail</strong>: das ist keine E-Mail-Adresse" in german.text
    assert "<strong>Zeile 3, Sprache</strong>: erlaubt ist: &#39;de&#39;" in german.text
    del browser.http.headers["Accept-Language"]
    accepted = browser.post(
        f"/w/{org}/positions/{pos}/candidates/import", files={"file": ("c.csv", good, "text/csv")}
    )
    assert accepted.status_code == 303
    with app.state.sessions() as session:
        rows = session.scalars(select(Candidate).where(Candidate.workspace_id == org)).all()
    assert sorted((c.name, c.language, c.round) for c in rows) == [
        ("Lena Vogel", "de", 2),
        ("Tom Baker", "en", 1),
    ]


def test_position_filled_for_three_candidates(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("fill@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    browser.get(f"/w/{org}/positions/{pos}")
    candidate(
        browser,
        org,
        pos,
        name="Lena Vogel",
        email="lena@example.org",
        language="de",
        round="2",
        phone="+49 170 5550112",
    )
    candidate(
        browser,
        org,
        pos,
        name="Sven Berg",
        email="sven@example.org",
        language="sv",
        salutation="",
        timezone="Europe/Stockholm",
    )
    candidate(
        browser,
        org,
        pos,
        name="Tom Baker",
        email="tom@example.org",
        language="en",
        salutation="Mr",
        timezone="Europe/London",
    )
    candidate(browser, org, pos, name="Hired Person", email="hired@example.org", language="en")
    with app.state.sessions() as session:
        ids = {
            c.email: c.id
            for c in session.scalars(select(Candidate).where(Candidate.workspace_id == org))
        }
    candidate(browser, org, pos, name="Never Met", email="never@example.org", language="en")
    with app.state.sessions() as session:
        ids = {
            c.email: c.id
            for c in session.scalars(select(Candidate).where(Candidate.workspace_id == org))
        }
    # took place: a past date the scheduler confirms (web.past)
    schedule(browser, org, pos, ids["lena@example.org"], date="2026-03-05", confirm_past="1")
    schedule(browser, org, pos, ids["sven@example.org"], date="2026-03-18")
    schedule(browser, org, pos, ids["tom@example.org"], date="2026-03-19")
    preview = browser.get(f"/w/{org}/positions/{pos}/fill?hired={ids['hired@example.org']}")
    assert preview.status_code == 200
    assert "3 candidates will be told" in preview.text
    assert "Hired Person</h3>" not in preview.text
    assert "Tell these candidates yourself" in preview.text and "never@example.org" in preview.text
    assert "5. März 2026" in preview.text  # Lena's letter names her interview (M1)
    assert "Lena Vogel" in preview.text and "+49 170 5550112" in preview.text  # round 2: call first
    response = browser.post(
        f"/w/{org}/positions/{pos}/fill", {"hired": str(ids["hired@example.org"])}
    )
    assert response.status_code == 303
    # the worker tells them in the background (one batch here)
    assert fill_batches.run(app.state.sessions, clock=app.state.clock).told == 3
    progress = browser.get(response.headers["location"])
    assert progress.status_code == 200 and "Call Lena Vogel" in progress.text
    with app.state.sessions() as session:
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.workspace_id == org)).all()
        plan = int(response.headers["location"].split("/")[-2])
        letters = [m for m in mail if m.plan_id == plan]  # the fill's (invitations went before)
        by_person = {m.recipient: m for m in letters}
        assert len(letters) == 3
        assert set(by_person) == {"lena@example.org", "sven@example.org", "tom@example.org"}
        # the interviewers hold the two interviews still ahead: one CANCEL each, per interview
        to_staff = [
            m
            for m in mail
            if not m.recipient.endswith("@example.org") and m.calendar_method == "CANCEL"
        ]
        assert to_staff and all(m.plan_id is None for m in to_staff)
        assert len({(m.recipient, m.interview_id) for m in to_staff}) == len(to_staff)
        assert by_person["sven@example.org"].language == "sv"
        assert by_person["lena@example.org"].language == "de"
        assert by_person["sven@example.org"].calendar_method == "CANCEL"
        assert by_person["tom@example.org"].calendar_method == "CANCEL"
        assert by_person["lena@example.org"].calendar_method is None  # hers took place
        interviews = {
            i.contact["email"]: i.status
            for i in session.scalars(select(Interview).where(Interview.workspace_id == org))
        }
        assert interviews == {
            "lena@example.org": "filled",  # took place: closed, no CANCEL
            "sven@example.org": "filled",
            "tom@example.org": "filled",
        }
        states = {
            c.email: c.status
            for c in session.scalars(select(Candidate).where(Candidate.workspace_id == org))
        }
        assert states["hired@example.org"] == "hired" and states["never@example.org"] == "active"
        assert {states[e] for e in ("lena@example.org", "sven@example.org", "tom@example.org")} == {
            "informed"
        }
        pos_row = session.get(Position, pos)
        assert pos_row is not None and pos_row.status == "filled"
    assert browser.post(f"/w/{org}/positions/{pos}/fill", {}).status_code == 409


def test_employer_cancel_queues_a_cancel(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("cancel@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    schedule(browser, org, pos, cand)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    browser.get(f"/w/{org}/interviews/{interview}")
    assert browser.post(f"/w/{org}/interviews/{interview}/cancel", {}).status_code == 303
    with app.state.sessions() as session:
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.workspace_id == org)).all()
        methods = [m.calendar_method for m in mail if m.recipient == "lena@example.org"]
        assert methods == ["REQUEST", "CANCEL"]  # the invitation, then its cancellation


def test_the_kept_pick_page_carries_each_visitors_own_csrf_token(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    first = other_browser.get(_path(setup.link))
    browser.http.cookies.clear()
    second = browser.get(_path(setup.link))
    assert first.text != second.text  # same page, two tokens
    assert other_browser.csrf and browser.csrf and other_browser.csrf != browser.csrf
    assert first.text.replace(other_browser.csrf, "") == second.text.replace(browser.csrf, "")
    with app.state.sessions() as session:
        slot = session.scalars(
            select(OfferSlot.id).where(OfferSlot.offer_id == setup.offer)
        ).first()
    assert browser.post(_path(setup.link), {"slot": str(slot)}).status_code == 303
    after = other_browser.get(_path(setup.link))
    assert 'name="slot"' not in after.text  # the kept page follows the offer's state


def test_messages_about_an_interview_are_dropped_by_delivery_when_it_changes(
    app: FastAPI, browser: Browser
) -> None:
    from fairnotice.operations.outbox.loop import interview_verdict

    setup = offered(app, browser)
    browser.get(f"/w/{setup.org}/interviews/{setup.interview}")
    assert (
        browser.post(f"/w/{setup.org}/interviews/{setup.interview}/cancel", {}).status_code == 303
    )
    with app.state.sessions() as session:
        interview = session.get(Interview, setup.interview)
        assert interview is not None
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.interview_id == setup.interview)
        ).all()
    verdicts = {
        (row.calendar_method or "offer"): interview_verdict(
            found=(interview.status, interview.sequence),
            sequence=row.interview_sequence,
            is_cancel=row.calendar_method == "CANCEL",
        )
        for row in rows
    }
    assert verdicts["CANCEL"] is None  # the cancellation still goes out
    assert verdicts["offer"] is not None  # the now pointless offer of new times does not
