"""A position with tens of thousands of candidates, written in bulk (not one HTTP call
each): every candidate has an interview on record, a fifth of them still ahead (with an
interviewer, who gets a CANCEL), some under way right now, the rest past (scheduled or
took place); plus the one who was hired and a few with no interview (told by hand)."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.positions import commands as filling
from fairnotice.store.session import transaction
from fairnotice.store.tables import (
    Candidate,
    Interview,
    InterviewEvent,
    OutboxMessage,
    Position,
    User,
)

LANGUAGES = ("de", "sv", "en")
ZONES = {"de": "Europe/Berlin", "sv": "Europe/Stockholm", "en": "Europe/London"}
BY_HAND = 7
CHUNK = 5000


@dataclass
class FillWorld:
    workspace_id: int
    position_id: int
    user_id: int
    hired: int
    count: int  # candidates with an interview on record (each is told)
    ahead: int  # interviews still ahead (not started)
    under_way: int  # started, not ended
    now: datetime


def kind_of(i: int, count: int, under_way: int) -> str:
    """Every fifth candidate's interview is ahead; of the others, `under_way` are in
    progress now, the rest past (every other one marked as taken place)."""
    if i % 5 == 0:
        return "ahead"
    if i % 5 == 1 and i // 5 < under_way:
        return "under_way"
    return "took_place" if i % 2 else "past"


def build(
    sessions: sessionmaker[Session], *, count: int, now: datetime, under_way: int = 500
) -> FillWorld:
    with transaction(sessions, write=True) as session:
        user = User(email="hr@muster.example", name="Jonas Doe", password_hash="-", timezone="UTC")
        session.add(user)
        session.flush()
        ws = accounts.create_organisation(session, user_id=user.id, name="Muster GmbH").id
        position = Position(workspace_id=ws, title="Paralegal", company="Muster GmbH")
        session.add(position)
        session.flush()
        pid, uid = position.id, user.id
        first = _candidates(session, ws, pid, count + 1 + BY_HAND, now)
        kinds = Counter[str]()
        rows: list[dict[str, Any]] = []
        for i in range(count):
            kind = kind_of(i, count, under_way)
            kinds[kind] += 1
            rows.append(_interview(ws, pid, first + i, i, kind, now))
            if len(rows) >= CHUNK:
                session.execute(insert(Interview), rows)
                rows = []
        hired = first + count
        rows.append(_interview(ws, pid, hired, count, "ahead", now))  # the final round
        session.execute(insert(Interview), rows)
    return FillWorld(ws, pid, uid, hired, count, kinds["ahead"], kinds["under_way"], now)


def _candidates(session: Session, ws: int, pid: int, total: int, now: datetime) -> int:
    """`total` candidates (ids in a row); the first id."""
    before = session.scalar(select(func.max(Candidate.id))) or 0
    for start in range(0, total, CHUNK):
        session.execute(
            insert(Candidate),
            [
                {
                    "workspace_id": ws,
                    "position_id": pid,
                    "name": f"Kandidat{i} Nachname{i}",
                    "email": f"cand{i}@domain{i % 20}.example",
                    "phone": "+49 170 5550000" if i % 50 == 3 else None,
                    "language": LANGUAGES[i % 3],
                    "timezone": ZONES[LANGUAGES[i % 3]],
                    "round": 2 if i % 50 == 3 else 1,
                    "status": "active",
                    "created_at": now,
                }
                for i in range(start, min(total, start + CHUNK))
            ],
        )
    first = int(before) + 1
    last = session.scalar(select(func.max(Candidate.id)))
    assert last == first + total - 1  # ids in a row: the builder relies on it
    return first


def _interview(
    ws: int, pid: int, candidate_id: int, i: int, kind: str, now: datetime
) -> dict[str, Any]:
    if kind == "ahead":
        start = now + timedelta(days=2 + i % 9, hours=i % 7)
    elif kind == "under_way":
        start = now - timedelta(minutes=20)
    else:
        start = now - timedelta(days=3 + i % 20)
    language = LANGUAGES[i % 3]
    return {
        "workspace_id": ws,
        "position_id": pid,
        "candidate_id": candidate_id,
        "position": "Paralegal",
        "company": "Muster GmbH",
        "start": start,
        "end": start + timedelta(hours=1),
        "timezone": ZONES[language],
        "round": 2 if i % 50 == 3 else 1,  # late rounds: called first (E4)
        "uid": f"{secrets.token_hex(16)}@fairnotice",
        "sequence": 0,
        "status": "took_place" if kind == "took_place" else "scheduled",
        "contact": {"name": f"Kandidat{i}", "email": f"cand{i}@domain{i % 20}.example"},
        "interviewers": [{"name": "Maria Roth", "email": "m.roth@muster.example", "language": "sv"}]
        if kind in ("ahead", "under_way")
        else [],
        "history_channel": "email",
        "created_at": now,
        "reschedules": 0,
    }


def start_fill(sessions: sessionmaker[Session], w: FillWorld, clock: Any) -> int:
    """The web request's part: the position `filling`, who was hired; the fill's plan id."""
    with transaction(sessions, write=True) as session:
        user = session.get(User, w.user_id)
        assert user is not None
        record = filling.fill(
            session,
            workspace_id=w.workspace_id,
            position_id=w.position_id,
            user=user,
            hired=w.hired,
            clock=clock,
        )
        return record.id


def letters(session: Session, plan_id: int) -> dict[str, int]:
    """The fill's letters: how many, to how many people, CANCELs, untied from an interview."""
    mine = OutboxMessage.plan_id == plan_id
    count = lambda *where: int(  # noqa: E731
        session.scalar(select(func.count()).select_from(OutboxMessage).where(mine, *where)) or 0
    )
    return {
        "letters": count(),
        "people": int(
            session.scalar(select(func.count(func.distinct(OutboxMessage.recipient))).where(mine))
            or 0
        ),
        "cancels": count(OutboxMessage.calendar_method == "CANCEL"),
        "untied": count(OutboxMessage.interview_id.is_(None)),
    }


def fill_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(InterviewEvent.event == "fill")) or 0)
