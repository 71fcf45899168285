"""A realistic world for the page sweep (issue 19), built through the pages themselves: an
employer with an organisation (two positions, candidates in German, Swedish and English,
interviews, offers whose pick links are open, used and expired, a filled position, an
interviewer's calendar, a member), a personal workspace with a plan, a password-reset link.

`pages(world)` names every page a person can reach, who looks at it and the status it
answers with; `DATA` is what the people typed (names, addresses, titles), which a page
shows as it came whatever its language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select, update

from fairnotice.operations.busy.stored import read_calendars
from fairnotice.operations.outbox import receipts
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.store.sealing import unseal
from fairnotice.store.tables import Candidate, Interview, Offer, OutboxMessage, Receipt
from tests.web.conftest import Browser
from tests.web.employer_setup import confirm_offer, written_bodies
from tests.web.helpers import (
    add_interview,
    candidate,
    make_plan,
    organisation,
    position,
    schedule,
)

HR = "hr@example.com"
MEMBER = "m.roth@example.com"
BUSY = Path(__file__).parent / "fixtures" / "interviewer-busy.ics"
PICK = re.compile(r"/pick/[\w\-]+")
RESET = re.compile(r"/reset/[\w\-]+")

# What people typed: shown as it came on a page in any language.
DATA = (
    "Muster & Partner GmbH",
    "Paralegal",
    "Clerk",
    "Lena Vogel",
    "Sven Berg",
    "Tom Baker",
    "Kim Park",
    "Jonas Doe",
    "Maria Roth",
    "Friedrichstraße 10, 10117 Berlin",
    "Friedrichstraße 10",
    "PRIVATE sister's rehearsal",
    "Europe/Berlin",
    "Europe/Stockholm",
    "Europe/London",
    "sweep token",
    "Herr",  # salutations as typed (a German contact is "Herr Doe" on any page)
    "Frau",
)


@dataclass(frozen=True)
class Page:
    """One page: its name (screenshots), path, who looks at it, the status it answers."""

    name: str
    path: str
    who: str = "hr"  # "hr" (owner), "member", "anon"
    status: int = 200
    # A page a form's POST answers with (a plan without an account is no address): on
    # `path`, ("fill", selector, text) types into a field, ("submit", selector, "") sends
    # the form by that button, and the last submit's answer is the page checked.
    steps: tuple[tuple[str, str, str], ...] = ()


@dataclass
class World:
    personal: int = 0
    org: int = 0
    pos: int = 0
    filled_pos: int = 0
    candidates: dict[str, int] = field(default_factory=dict)
    interviews: dict[str, int] = field(default_factory=dict)
    own_interview: int = 0
    own_plan: int = 0
    offer: int = 0
    fill_plan: int = 0
    picks: dict[str, str] = field(default_factory=dict)  # state -> path
    got_it: dict[str, str] = field(default_factory=dict)  # state -> path ("Got it" links)
    reset: str = ""


def _interview_of(app: FastAPI, org: int, email: str) -> int:
    with app.state.sessions() as session:
        found = session.scalar(
            select(Interview.id)
            .join(Candidate, Candidate.id == Interview.candidate_id)
            .where(Interview.workspace_id == org, Candidate.email == email)
        )
    assert found is not None, email
    return int(found)


def _candidate_id(app: FastAPI, org: int, email: str) -> int:
    with app.state.sessions() as session:
        found = session.scalar(
            select(Candidate.id).where(Candidate.workspace_id == org, Candidate.email == email)
        )
    assert found is not None, email
    return int(found)


def _pick(anon: Browser, path: str) -> None:
    """The candidate picks the first time on the link's page."""
    page = anon.get(path)
    slot = re.search(r'name="slot" value="(\d+)"', page.text)
    assert slot is not None, page.text[-2000:]
    answer = anon.post(path, {"slot": slot.group(1)})
    assert answer.status_code == 303, answer.text


def build(app: FastAPI, hr: Browser, member: Browser, anon: Browser) -> World:
    world = World()
    member.sign_up(MEMBER, name="Maria Roth")
    world.personal = hr.sign_up(HR, name="Jonas Doe")
    # The personal side: an interview of one's own and a plan to move it.
    world.own_interview = add_interview(hr, world.personal)
    world.own_plan = make_plan(hr, world.personal, world.own_interview)
    # The organisation.
    org = world.org = organisation(hr)
    hr.get(f"/w/{org}/members")
    assert hr.post(f"/w/{org}/members", {"email": MEMBER}).status_code == 303
    world.pos = position(hr, org, "Paralegal")
    people = {
        "lena": ("Lena Vogel", "lena@example.org", "de", "Frau", "Europe/Berlin"),
        "sven": ("Sven Berg", "sven@example.org", "sv", "", "Europe/Stockholm"),
        "tom": ("Tom Baker", "tom@example.org", "en", "", "Europe/London"),
    }
    days = {"lena": "2026-03-12", "sven": "2026-03-18", "tom": "2026-03-19"}
    for key, (name, email, lang, salutation, zone) in people.items():
        hr.get(f"/w/{org}/positions/{world.pos}")
        candidate(
            hr,
            org,
            world.pos,
            name=name,
            email=email,
            language=lang,
            salutation=salutation,
            timezone=zone,
        )
        cid = world.candidates[key] = _candidate_id(app, org, email)
        schedule(hr, org, world.pos, cid, date=days[key])
        world.interviews[key] = _interview_of(app, org, email)
    hr.get(f"/w/{org}")
    with BUSY.open("rb") as handle:
        answer = hr.http.post(
            f"/w/{org}/calendars",
            data={"csrf_token": hr.csrf, "owner_email": MEMBER, "back": f"/w/{org}"},
            files={"file": ("busy.ics", handle, "text/calendar")},
            follow_redirects=False,
        )
    assert answer.status_code == 303, answer.text
    assert read_calendars(app.state.sessions, clock=app.state.clock) == 1
    # Offers: Lena's link stays open, Sven picks from his, Tom's runs out.
    links = {}
    for key in ("lena", "sven", "tom"):
        answer = confirm_offer(hr, org, world.interviews[key])
        assert answer.status_code == 303, answer.text
        if key == "lena":
            world.offer = int(answer.headers["location"].rsplit("/", 1)[1])
        mail = written_bodies(app, OutboxMessage.recipient == people[key][1])
        (links[key],) = {m.group(0) for body in mail for m in [PICK.search(body)] if m}
    _pick(anon, links["sven"])
    with app.state.sessions() as session:
        session.execute(
            update(Offer)
            .where(Offer.interview_id == world.interviews["tom"])
            .values(expires_at=app.state.clock() - timedelta(hours=1))
        )
        session.commit()
    world.picks = {"open": links["lena"], "used": links["sven"], "expired": links["tom"]}
    # A second position, filled: its candidate told in the background.
    world.filled_pos = position(hr, org, "Clerk")
    hr.get(f"/w/{org}/positions/{world.filled_pos}")
    candidate(hr, org, world.filled_pos, name="Kim Park", email="kim@example.org", language="en")
    kim = _candidate_id(app, org, "kim@example.org")
    schedule(hr, org, world.filled_pos, kim, date="2026-03-24")
    hr.get(f"/w/{org}/positions/{world.filled_pos}/fill")
    answer = hr.post(f"/w/{org}/positions/{world.filled_pos}/fill", {})
    assert answer.status_code == 303, answer.text
    world.fill_plan = int(answer.headers["location"].split("/")[-2])
    fill_batches.run(app.state.sessions, clock=app.state.clock)
    # "Got it" links (issue 17), issued as the worker does when a letter goes: Kim's
    # fill letter still to confirm, Lena's offer letter confirmed.
    world.got_it = _got_it(app)
    # A password-reset link (asked for signed out).
    anon.get("/reset")
    assert anon.post("/reset", {"email": HR}).status_code == 303
    mail = written_bodies(app, OutboxMessage.recipient == HR)
    world.reset = next(m.group(0) for body in mail for m in [RESET.search(body)] if m)
    return world


def _got_it(app: FastAPI) -> dict[str, str]:
    now = app.state.clock()
    found = {}
    with app.state.write_sessions.begin() as session:
        for state, email in (("open", "kim@example.org"), ("confirmed", "lena@example.org")):
            row = session.scalar(
                select(OutboxMessage.id)
                .where(OutboxMessage.recipient == email)
                .order_by(OutboxMessage.id.desc())
            )
            assert row is not None, email
            message = session.get(OutboxMessage, row)
            assert message is not None
            if message.receipt_form is None:  # a receipt is issued with the queued row
                message.receipt_form = "formal"
                receipts.issue_for(session, message, secret=app.state.settings.secret, now=now)
            message.state, message.sent_at = "sent", now  # as the worker would have sent it
            # its interview is under way: no call to-do (its subject, in the letter's own
            # language, would be untagged English on the overview: _todos.html's <q>)
            message.deadline = now
            sealed = session.scalar(select(Receipt.sealed_token).where(Receipt.outbox_id == row))
            assert sealed is not None
            token = unseal(sealed, app.state.settings.secret, what="link")
            if state == "confirmed":
                receipts.confirm(session, token, now=now)
            found[state] = f"{receipts.PATH}{token}"
    return found


KEEP = ("submit", "form[action='/plan/keep'] button[type=submit]", "")
INVITATION = Path(__file__).parent / "fixtures" / "invite-outlook-de.ics"
# A plan without an account (issue 17): the invitation pasted, the sender typed.
ANON_PLAN = (
    ("fill", "#my_name", "Lena Vogel"),
    ("fill", "#my_email", "lena@example.org"),
    ("fill", "#invitation_text", INVITATION.read_text(encoding="utf-8")),
    ("submit", "form[action='/plan'] button[type=submit]", ""),
)


def pages(world: World) -> list[Page]:
    """Every page a person can reach in the world, in the order a sweep shows them."""
    org, pos, own = world.org, world.pos, world.personal
    lena, kim = world.interviews["lena"], world.candidates["lena"]
    return [
        Page("welcome", "/", "anon"),
        Page("signin", "/signin", "anon"),
        Page("signup", "/signup", "anon"),
        Page("reset-request", "/reset", "anon"),
        Page("reset", world.reset, "anon"),
        Page("rules", "/rules", "anon"),
        Page("anon-new", "/plan", "anon"),
        Page("anon-plan", "/plan", "anon", steps=ANON_PLAN),
        Page("anon-refused", "/plan", "anon", 422, steps=ANON_PLAN[-1:]),
        Page("anon-keep", "/plan", "anon", steps=(*ANON_PLAN, KEEP)),
        Page("pick-open", world.picks["open"], "anon"),
        Page("pick-used", world.picks["used"], "anon"),
        Page("pick-expired", world.picks["expired"], "anon", 410),
        Page("got-it", world.got_it["open"], "anon"),
        Page("got-it-confirmed", world.got_it["confirmed"], "anon"),
        Page("got-it-unknown", "/got-it/" + "x" * 43, "anon", 404),
        Page("personal", f"/w/{own}"),
        Page("personal-interview", f"/w/{own}/interviews/{world.own_interview}"),
        Page("personal-new", f"/w/{own}/interviews/new"),
        Page("plan", f"/w/{own}/plans/{world.own_plan}"),
        Page("account", "/account"),
        Page("overview", f"/w/{org}"),
        Page("position", f"/w/{org}/positions/{pos}"),
        Page("position-edit", f"/w/{org}/positions/{pos}/edit"),
        Page("position-delete", f"/w/{org}/positions/{pos}/delete"),
        Page("candidate-edit", f"/w/{org}/candidates/{kim}/edit"),
        Page("candidate-delete", f"/w/{org}/candidates/{kim}/delete"),
        Page("interview", f"/w/{org}/interviews/{lena}"),
        Page("interview-new", f"/w/{org}/interviews/new"),
        Page("interview-edit", f"/w/{org}/interviews/{lena}/edit"),
        Page("interview-delete", f"/w/{org}/interviews/{lena}/delete"),
        Page("offer-preview", f"/w/{org}/interviews/{world.interviews['tom']}/offer"),
        Page("offer", f"/w/{org}/offers/{world.offer}"),
        Page("fill-preview", f"/w/{org}/positions/{pos}/fill"),
        Page("filled-position", f"/w/{org}/positions/{world.filled_pos}"),
        Page("fill-progress", f"/w/{org}/plans/{world.fill_plan}/progress"),
        Page("outbox", f"/w/{org}/outbox"),
        Page("delivery", f"/w/{org}/delivery"),
        Page("members", f"/w/{org}/members"),
        Page("tokens", f"/w/{org}/tokens"),
        Page("policy", f"/w/{org}/policy"),
        Page("insights", f"/w/{org}/insights"),
        Page("insights-position", f"/w/{org}/insights?position={pos}"),
        Page("insights-422", f"/w/{org}/insights?from=2026-03-01&until=2026-02-01", status=422),
        Page("caldav", f"/w/{org}/caldav"),
        Page("cloud", f"/w/{org}/cloud"),
        # Back from a service's sign-in with a state this server never gave out.
        Page("cloud-back-unknown", "/cloud/callback?state=unknown&code=x", status=404),
        Page("error-404", f"/w/{org}/interviews/999999", status=404),
        Page("error-403", f"/w/{org}/delivery", "member", 403),
        Page("error-422", f"/w/{org}/outbox?page=0", status=422),
        Page("error-404-address", "/w/not-a-number", status=404),
    ]
