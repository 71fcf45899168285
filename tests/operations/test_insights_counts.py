"""The insights' events counted in SQL (operations/overview/insights.py `_tallies`: a window over
each interview's events, buckets as CASE expressions) give the figures the row walk gives
(fairnotice.insights `measure`, fed the rows as the reader before it read them), on a
seeded random world: moves before and after the period, ties in time, notice at T2's
exact boundaries, unknown previous starts, reasons kept, in `why` or neither, two
positions and another workspace. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.insights import READ, EventRow, Insights, figures, measure
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.overview.insights import REASONED, Period, epoch, read
from fairnotice.store.session import transaction
from fairnotice.store.tables import Candidate, Interview, InterviewEvent, Position

FIRST = date(2026, 3, 1)
LAST = date(2026, 3, 30)
BASE = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
KINDS = (*sorted(e.value for e in READ), "edit_details", "schedule", "fill")
ACTORS = ("user:1", "user:2", "candidate", "worker")
CATEGORIES = ("illness", "schedule_conflict", "accepted_offer", "bogus", "", None)
WHYS = (None, "lost_interest", "free words", "")
EVENT_CHARTS = ("notice", "reasons", "move_lead", "outcomes", "short_notice")


def _moment(rng: random.Random, start: datetime) -> datetime:
    """Mostly anywhere from 5 days before the period to 5 after; now and then exactly 0,
    24 hours, 3 or 7 days before the start (T2's and the buckets' edges)."""
    if rng.random() < 0.3:
        return start - rng.choice((0, 1, 3, 7, 14)) * DAY
    minutes = rng.randrange(-5 * 24 * 60, 35 * 24 * 60)
    return BASE + timedelta(minutes=minutes, seconds=17)


def _world(session: Session, rng: random.Random) -> tuple[int, list[int]]:
    user = accounts.sign_up(
        session, email="hr@example.com", name="HR", password="a long password here"
    )
    ws = accounts.create_organisation(session, user_id=user.id, name="Muster").id
    other = accounts.create_organisation(session, user_id=user.id, name="Andere").id
    positions = []
    for owner in (ws, ws, other):
        row = Position(workspace_id=owner, title="Paralegal", company="Muster")
        session.add(row)
        session.flush()
        positions.append(row.id)
    events: list[dict[str, Any]] = []
    for n in range(60):
        owner, position = (other, positions[2]) if n % 10 == 9 else (ws, positions[n % 2])
        candidate = Candidate(
            workspace_id=owner, position_id=position, name=f"K{n}", email=f"k{n}@example.org"
        )
        session.add(candidate)
        session.flush()
        start = BASE + timedelta(minutes=rng.randrange(-3 * 24 * 60, 40 * 24 * 60), seconds=17)
        previous = None if rng.random() < 0.25 else start - rng.choice((1, 2, 5)) * DAY
        interview = Interview(
            workspace_id=owner,
            position_id=position,
            candidate_id=candidate.id,
            position="Paralegal",
            company="Muster",
            start=start,
            end=start + timedelta(hours=1),
            previous_start=previous,
            previous_end=None if previous is None else previous + timedelta(hours=1),
            timezone="Europe/Berlin",
            uid=f"random-{n}@fairnotice",
            status="scheduled",
            contact={"name": f"K{n}", "email": f"k{n}@example.org"},
            interviewers=[],
            reschedules=rng.randrange(5),
        )
        session.add(interview)
        session.flush()
        at = _moment(rng, start)
        for _ in range(rng.randrange(12)):
            if rng.random() > 0.2:  # else the same moment again: ordered by id
                at = _moment(rng, start)
            kind = rng.choice(KINDS)
            category = rng.choice(CATEGORIES)
            detail = None if rng.random() < 0.2 else {"reason": {"category": category}}
            events.append(
                {
                    "workspace_id": owner,
                    "interview_id": interview.id,
                    "at": at,
                    "actor": rng.choice(ACTORS),
                    "event": kind,
                    "from_state": "scheduled",
                    "to_state": "scheduled",
                    "why": rng.choice(WHYS),
                    "detail": detail,
                }
            )
    rng.shuffle(events)  # written out of order: the ids do not follow time
    session.execute(insert(InterviewEvent), events)
    return ws, positions[:2]


def _rows(session: Session, workspace_id: int, asked: Period) -> list[EventRow]:
    """The rows as operations/overview/insights.py read them before it counted in SQL."""
    category = case(
        (
            InterviewEvent.event.in_(REASONED),
            InterviewEvent.detail["reason"]["category"].as_string(),
        ),
        else_=None,
    )
    query = (
        select(
            InterviewEvent.interview_id,
            epoch(InterviewEvent.at),
            InterviewEvent.event,
            InterviewEvent.actor,
            category,
            func.substr(InterviewEvent.why, 1, 40),
            epoch(Interview.start),
            epoch(Interview.previous_start),
        )
        .join(Interview, Interview.id == InterviewEvent.interview_id)
        .where(
            InterviewEvent.workspace_id == workspace_id,
            InterviewEvent.at >= asked.since,
            InterviewEvent.event.in_(sorted(e.value for e in READ)),
        )
        .order_by(InterviewEvent.interview_id, InterviewEvent.at, InterviewEvent.id)
    )
    if asked.position_id is not None:
        query = query.where(Interview.position_id == asked.position_id)
    return [
        EventRow(interview, float(at), event, actor, kept or why, float(start), previous)
        for interview, at, event, actor, kept, why, start, previous in session.execute(query)
    ]


def _events_figures(found: Insights) -> dict[tuple[str, str, str], int]:
    return {
        (f.chart, f.series, f.bucket): f.value for f in figures(found) if f.chart in EVENT_CHARTS
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counted_in_sql_as_the_rows_count(factory: sessionmaker[Session], seed: int) -> None:
    rng = random.Random(seed)
    with transaction(factory, write=True) as session:
        ws, positions = _world(session, rng)
    zone = ZoneInfo("UTC")
    for position in (None, *positions):
        asked = Period(first=FIRST, last=LAST, position_id=position, zone=zone)
        with transaction(factory) as session:
            counted = read(session, workspace_id=ws, asked=asked)
            rows = _rows(session, ws, asked)
        walked = measure(rows, [], [], since=asked.since, until=asked.until)
        expected = _events_figures(walked)
        assert sum(expected.values()) > 20  # the world gives every chart something to count
        assert _events_figures(counted) == expected
