"""An organisation to run the lifecycle in: a user, positions, candidates and interviewers
who read different languages, interviews put into any state through the real operations.

Candidates read German, the interviewer Maria Swedish; Jonas has no language of his own
and so gets the sending user's (English).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.io import validate
from fairnotice.lifecycle import Event, State
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import CandidateCreate, InterviewCreate, PositionCreate
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.interviews import transitions
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.positions import commands as filling
from fairnotice.store.session import transaction
from fairnotice.store.tables import Candidate, Member, Offer, User, Workspace
from tests.mail.outbox_rows import Clock

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
START = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # Monday 14:00 in Berlin
BASE_URL = "http://testserver"
MARIA = {"name": "Maria Roth", "email": "m.roth@example.com", "language": "sv"}
JONAS = {"name": "Jonas Doe", "email": "j.doe@example.com"}
INTERVIEWERS = [MARIA, JONAS]
# each person's language: candidates de, Maria sv, Jonas the user's (en)
LANGUAGE = {MARIA["email"]: "sv", JONAS["email"]: "en"}
CANDIDATE_LANGUAGE = "de"


@dataclass
class World:
    sessions: sessionmaker[Session]
    user_id: int
    workspace_id: int
    clock: Clock

    @property
    def sender(self) -> tuple[str, str]:
        return ("Hanna Berg", "hr@example.com")

    def user(self, session: Session) -> User:
        found = session.get(User, self.user_id)
        assert found is not None
        return found


def world(sessions: sessionmaker[Session], *, kind: str = "organisation") -> World:
    """A user (English) and their organisation (or, with kind="personal", their own
    candidate workspace)."""
    with transaction(sessions, write=True) as session:
        user = User(email="hr@example.com", name="Hanna Berg", password_hash="-", language="en")
        session.add(user)
        session.flush()
        if kind == "organisation":
            ws = accounts.create_organisation(session, user_id=user.id, name="Muster GmbH").id
        else:
            personal = Workspace(kind="personal", name=user.name)
            session.add(personal)
            session.flush()
            session.add(Member(workspace_id=personal.id, user_id=user.id, role="owner"))
            ws = personal.id
        return World(sessions, user.id, ws, Clock(NOW))


def position(session: Session, w: World, title: str = "Paralegal") -> int:
    data = PositionCreate(title=title, company="Muster GmbH")
    return records.create_position(session, workspace_id=w.workspace_id, data=data).id


def candidate(session: Session, w: World, position_id: int, name: str, email: str) -> int:
    data = validate(
        CandidateCreate,
        {
            "name": name,
            "email": email,
            "language": CANDIDATE_LANGUAGE,
            "timezone": "Europe/Berlin",
            "position_id": position_id,
        },
    )
    return records.create_candidate(session, workspace_id=w.workspace_id, data=data).id


def interview(
    session: Session,
    w: World,
    *,
    candidate_id: int,
    start: datetime = START,
    minutes: int = 60,
    interviewers: list[dict[str, str]] | None = None,
    now: datetime = NOW,
) -> int:
    """An interview put on record the way the employer's form does (`records`: the
    lifecycle's schedule, with the first REQUEST to everyone and K1 checked, where that
    has landed)."""
    cand = session.get(Candidate, candidate_id)
    assert cand is not None
    raw: dict[str, Any] = {
        "position": "Paralegal",
        "company": "Muster GmbH",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "timezone": "Europe/Berlin",
        "contact": {"name": cand.name, "email": cand.email, "timezone": cand.timezone},
        "interviewers": INTERVIEWERS if interviewers is None else interviewers,
        "position_id": cand.position_id,
        "candidate_id": cand.id,
    }
    data = validate(InterviewCreate, raw)
    extra: dict[str, Any] = {}
    if "sender" in inspect.signature(records.create_interview).parameters:
        extra = {"actor": f"user:{w.user_id}", "now": now, "sender": w.sender}
    return records.create_interview(session, workspace_id=w.workspace_id, data=data, **extra).id


def fill_worker(w: World, clock: Callable[[], datetime]) -> None:
    """The worker's part of a fill (telling the candidates in batches), where the fill has
    moved to the background; before that, `filling.fill` did it all."""
    try:
        from fairnotice.operations.positions import batches as fill_batches  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    done = fill_batches.run(w.sessions, clock=clock)
    assert not done.problems, done.problems


@dataclass
class Placed:
    interview_id: int
    position_id: int
    candidate_id: int
    tokens: list[str]  # every pick link handed out for it
    now: datetime  # a time at or after the last change


def into(w: World, state: State, *, tag: str, start: datetime = START) -> Placed:
    """A new interview (own position and candidate) brought into `state` through the
    operations a person would use; `tag` keeps the candidate's address apart."""
    with transaction(w.sessions, write=True) as session:
        pos = position(session, w)
        cand = candidate(session, w, pos, f"Lena {tag}", f"lena.{tag}@example.org")
        iid = interview(session, w, candidate_id=cand, start=start)
    placed = Placed(iid, pos, cand, [], NOW)
    clock = lambda: placed.now  # noqa: E731
    if state in (State.offered, State.rescheduled):
        with transaction(w.sessions, write=True) as session:
            made = offers.offer_times(
                session,
                workspace_id=w.workspace_id,
                interview_id=iid,
                user=w.user(session),
                base_url=BASE_URL,
                clock=clock,
            )
            placed.tokens.append(made.token)
            slot = made.offer.slots[0].id
        if state is State.rescheduled:
            with transaction(w.sessions, write=True) as session:
                offers.pick(session, token=made.token, slot_id=slot, clock=clock)
    elif state is State.cancelled:
        with transaction(w.sessions, write=True) as session:
            actions.cancel(
                session,
                workspace_id=w.workspace_id,
                interview_id=iid,
                user=w.user(session),
                reason="interviewer_unavailable",
                clock=clock,
            )
    elif state is State.filled:
        with transaction(w.sessions, write=True) as session:
            filling.fill(
                session,
                workspace_id=w.workspace_id,
                position_id=pos,
                user=w.user(session),
                clock=clock,
            )
        fill_worker(w, clock)
    elif state in (State.withdrawn, State.took_place, State.no_show):
        # no operation of its own yet: the transition itself, as the faces will call it
        if state is not State.withdrawn:
            placed.now = start + timedelta(minutes=10)
        with transaction(w.sessions, write=True) as session:
            transitions.apply(
                session,
                workspace_id=w.workspace_id,
                interview_id=iid,
                event=Event(state.value if state is not State.withdrawn else "withdraw"),
                actor="candidate" if state is State.withdrawn else f"user:{w.user_id}",
                now=placed.now,
                sender=w.sender,
            )
    with w.sessions() as session:
        found = session.scalar(select(Offer.id).where(Offer.interview_id == iid).limit(1))
        assert (found is not None) is (state in (State.offered, State.rescheduled))
    return placed
