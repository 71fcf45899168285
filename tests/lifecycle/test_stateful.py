"""Random sequences of the employer's and the candidate's operations (schedule, offer,
pick, decline, withdraw an offer, book, cancel, edit the time, withdraw, took place,
no-show, fill, delete, delivery, time passing) on SQLite and PostgreSQL, with the
lifecycle's promises checked after every step (see `Lifecycle.check_*`)."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fairnotice.errors import BadInput, Conflict, NotFound
from fairnotice.lifecycle import BOOKED, CLOSED, Event, OfferState, State
from fairnotice.mail.transport import MemoryTransport
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import InterviewUpdate
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.limits import Policy
from fairnotice.operations.outbox.loop import Deliverer
from fairnotice.operations.overview import todos as todo_list
from fairnotice.operations.positions import commands as filling
from fairnotice.store.session import make_engine, session_factory, transaction, writing
from fairnotice.store.tables import (
    Base,
    Candidate,
    Interview,
    InterviewEvent,
    Offer,
    OutboxMessage,
    Position,
)
from fairnotice.todos import Kind
from tests.lifecycle.world import (
    INTERVIEWERS,
    JONAS,
    LANGUAGE,
    MARIA,
    World,
    candidate,
    fill_worker,
    interview,
    position,
    world,
)
from tests.mail.outbox_rows import Clock
from tests.store.databases import _truncate

PEOPLE = [[MARIA], [JONAS], INTERVIEWERS]
BOOK = True  # booking a time (actions.book) double-booked until it checked K1
CANDIDATES = [("Lena Vogel", "lena@example.org", 0), ("Ola Berg", "ola@example.org", 0)]
CANDIDATES += [("Eva Lind", "eva@example.org", 1)]
HOUR = timedelta(hours=1)
SETTINGS = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
_UNFOLD = re.compile(r"\r?\n[ \t]")


def _field(ics: str, name: str) -> str:
    """The value of the first property `name` of a calendar object (lines unfolded)."""
    for line in _UNFOLD.sub("", ics).splitlines():
        head, _, value = line.partition(":")
        if head.split(";", 1)[0].upper() == name:
            return value
    raise AssertionError(f"no {name} in {ics!r}")


def _overlap(a: Interview, b: Interview) -> bool:
    return a.start < b.end and b.start < a.end


def _people(row: Interview, email_of: dict[int, str]) -> set[str]:
    found = {p["email"].lower() for p in row.interviewers}
    if row.candidate_id is not None:
        found.add(email_of[row.candidate_id])
    return found


class Lifecycle(RuleBasedStateMachine):
    """One organisation, three candidates in two positions, two interviewers."""

    fresh: Callable[[], Engine]  # a migrated, empty database for each example
    release: Callable[[Engine], None]  # done with it
    with_book = True  # see BOOK

    def __init__(self) -> None:
        super().__init__()
        self.engine = self.fresh()
        sessions = session_factory(self.engine)
        self.w: World = world(sessions)
        self.clock: Clock = self.w.clock
        self.transport = MemoryTransport()
        self.deliverer = Deliverer(
            sessions,
            lambda: self.transport,
            sender="noreply@fairnotice.test",
            policy=Policy(batch=100),
            clock=self.clock,
            links=link_writer(sessions, None),  # the key offers were sealed with
        )
        with transaction(sessions, write=True) as session:
            self.positions = [position(session, self.w, t) for t in ("Paralegal", "Clerk")]
            self.candidates = [
                candidate(session, self.w, self.positions[p], name, email)
                for name, email, p in CANDIDATES
            ]
        self.email_of = dict(zip(self.candidates, (c[1] for c in CANDIDATES), strict=True))
        self.interviews: list[int] = []
        self.tokens: list[tuple[str, int]] = []  # every pick link handed out, and its offer
        self.tied: dict[int, int] = {}  # outbox row -> the interview it was queued about
        self.delivered = 0
        self.seen: dict[str, object] = {}  # the state each costly check last passed for

    def unchanged_since(self, check: str) -> bool:
        """Whether the database and the clock are as when `check` last passed: the costly
        checks are functions of those alone."""
        with self.w.sessions() as session:
            mark = (
                self.clock(),
                session.scalar(select(func.max(InterviewEvent.id))),
                session.scalar(select(func.max(OutboxMessage.id))),
                session.scalar(select(func.count()).where(OutboxMessage.state != "pending")),
                session.scalar(select(func.count()).where(Position.status != "open")),
                session.scalar(select(func.count()).select_from(Offer)),
            )
        if self.seen.get(check) == mark:
            return True
        self.seen[check] = mark
        return False

    def teardown(self) -> None:
        self.release(self.engine)

    # --- helpers -------------------------------------------------------------------------

    def write(self) -> Session:
        return self.w.sessions()

    def pick_interview(self, index: int) -> int:
        return self.interviews[index % len(self.interviews)]

    def _try(self, work: Callable[[Session], object], *allowed: type[Exception]) -> None:
        """Run `work` in one writing transaction; the refusals a person may meet are fine
        (and roll everything back)."""
        try:
            with transaction(self.w.sessions, write=True) as session:
                work(session)
        except (Conflict, NotFound, BadInput, *allowed):
            pass

    def _when(self, days: int, hour: int) -> datetime:
        base = self.clock().replace(minute=0, second=0, microsecond=0)
        return base + timedelta(days=days, hours=hour)

    # --- the operations --------------------------------------------------------------------

    @initialize(
        times=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 8)), min_size=3, max_size=3),
        teams=st.lists(st.integers(0, 2), min_size=3, max_size=3),
    )
    def start_with_one_interview_each(self, times: list[tuple[int, int]], teams: list[int]) -> None:
        """Every candidate starts with an interview (where K1 lets it be scheduled)."""
        for who, ((days, hour), team) in enumerate(zip(times, teams, strict=True)):
            self.schedule(who=who, team=team, days=days, hour=hour)

    @rule(who=st.integers(0, 2), team=st.integers(0, 2), days=st.integers(0, 4),
          hour=st.integers(0, 8))  # fmt: skip
    def schedule(self, who: int, team: int, days: int, hour: int) -> None:
        def work(session: Session) -> None:
            made = interview(
                session,
                self.w,
                candidate_id=self.candidates[who],
                start=self._when(days, hour + 1),
                interviewers=PEOPLE[team],
                now=self.clock(),
            )
            self.interviews.append(made)

        self._try(work)

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20))
    def offer(self, index: int) -> None:
        def work(session: Session) -> None:
            made = offers.offer_times(
                session,
                workspace_id=self.w.workspace_id,
                interview_id=self.pick_interview(index),
                user=self.w.user(session),
                base_url="http://testserver",
                clock=self.clock,
            )
            self.tokens.append((made.token, made.offer.id))

        self._try(work)

    @precondition(lambda self: self.tokens)
    @rule(index=st.integers(0, 2), slot=st.integers(0, 5))
    def pick(self, index: int, slot: int) -> None:
        token, _ = self.tokens[-1 - index % len(self.tokens)]  # the latest most often

        def work(session: Session) -> None:
            slots = offers.offer_view(session, token).slots
            chosen = slots[slot % len(slots)]["id"]
            offers.pick(session, token=token, slot_id=chosen, clock=self.clock)

        self._try(work)

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20), slot=st.integers(0, 5))
    def offer_then_pick(self, index: int, slot: int) -> None:
        """New times offered and one picked at once (picks through two offers of the
        same people's times are where double bookings came from)."""
        known = len(self.tokens)
        self.offer(index=index)
        if len(self.tokens) > known:
            self.pick(index=0, slot=slot)

    @precondition(lambda self: self.tokens)
    @rule(index=st.integers(0, 20))
    def decline(self, index: int) -> None:
        token, _ = self.tokens[-1 - index % len(self.tokens)]  # the latest most often
        self._try(
            lambda s: offers.decline(
                s, token=token, suggestion="Thursday morning?", clock=self.clock
            )
        )

    @precondition(lambda self: self.tokens)
    @rule(index=st.integers(0, 20))
    def withdraw_offer(self, index: int) -> None:
        _, offer_id = self.tokens[-1 - index % len(self.tokens)]
        self._try(
            lambda s: offers.withdraw_offer(
                s,
                workspace_id=self.w.workspace_id,
                offer_id=offer_id,
                user=self.w.user(s),
                clock=self.clock,
            )
        )

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        self._try(
            lambda s: actions.cancel(
                s,
                workspace_id=self.w.workspace_id,
                interview_id=self.pick_interview(index),
                user=self.w.user(s),
                reason="interviewer_unavailable",
                clock=self.clock,
            )
        )

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20), days=st.integers(0, 4), hour=st.integers(0, 8))
    def edit_time(self, index: int, days: int, hour: int) -> None:
        start = self._when(days, hour + 1)
        self._try(
            lambda s: records.update_interview(
                s,
                workspace_id=self.w.workspace_id,
                interview_id=self.pick_interview(index),
                data=InterviewUpdate(start=start, end=start + HOUR),
                actor=f"user:{self.w.user_id}",
                sender=self.w.sender,
                now=self.clock(),
            )
        )

    @precondition(lambda self: self.interviews and self.with_book)
    @rule(index=st.integers(0, 20), days=st.integers(0, 4), hour=st.integers(0, 8))
    def book(self, index: int, days: int, hour: int) -> None:
        start = self._when(days, hour + 1)
        self._try(
            lambda s: actions.book(
                s,
                workspace_id=self.w.workspace_id,
                interview_id=self.pick_interview(index),
                user=self.w.user(s),
                start=start,
                end=start + HOUR,
                now=self.clock(),
            )
        )

    @precondition(lambda self: self.interviews)
    @rule(
        index=st.integers(0, 20),
        event=st.sampled_from([Event.withdraw, Event.took_place, Event.no_show]),
    )
    def record(self, index: int, event: Event) -> None:
        self._try(
            lambda s: actions.record(
                s,
                workspace_id=self.w.workspace_id,
                interview_id=self.pick_interview(index),
                event=event,
                user=self.w.user(s),
                now=self.clock(),
            )
        )

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20), event=st.sampled_from([Event.took_place, Event.no_show]))
    def interview_begins(self, index: int, event: Event) -> None:
        """Time passes until the interview has begun, and the employer records how it went."""
        with self.w.sessions() as session:
            row = session.get(Interview, self.pick_interview(index))
            if row is None:
                return
            begun = row.start + timedelta(minutes=10)
        self.clock.now = max(self.clock.now, begun)
        self.record(index=index, event=event)

    @rule(which=st.integers(0, 1))
    def fill(self, which: int) -> None:
        self._try(
            lambda s: filling.fill(
                s,
                workspace_id=self.w.workspace_id,
                position_id=self.positions[which],
                user=self.w.user(s),
                clock=self.clock,
            )
        )
        fill_worker(self.w, self.clock)

    @precondition(lambda self: self.interviews)
    @rule(index=st.integers(0, 20))
    def delete(self, index: int) -> None:
        self._try(
            lambda s: records.delete(
                s,
                Interview,
                self.w.workspace_id,
                self.pick_interview(index),
                now=self.clock(),
                actor=f"user:{self.w.user_id}",
            )
        )

    @rule(hours=st.sampled_from([1, 3, 20, 50, 170]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def deliver(self) -> None:
        """The delivery worker sends what is due; nothing may go out for a closed (or
        deleted) interview but its CANCEL."""
        self.deliverer.drain()
        sent = self.transport.sent[self.delivered :]
        self.delivered = len(self.transport.sent)
        if not sent:
            return
        with self.w.sessions() as session:
            rows = {
                r.message_id: r
                for r in session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.message_id.in_([e.message_id for e in sent])
                    )
                )
            }
            states = dict(
                session.execute(
                    select(Interview.id, Interview.status).where(
                        Interview.workspace_id == self.w.workspace_id
                    )
                ).all()
            )
        for envelope in sent:
            row = rows[envelope.message_id]
            about = self.tied.get(row.id)
            if about is None:
                continue
            status = states.get(about)  # None: deleted
            if status is None or State(status) in CLOSED:
                assert (row.calendar_method or "").upper() == "CANCEL", (
                    f"{row.subject!r} to {row.recipient} went out for interview {about} "
                    f"({status or 'deleted'})"
                )

    # --- the promises ----------------------------------------------------------------------

    @invariant()
    def remember_what_rows_are_about(self) -> None:
        """Outbox rows keep their interview only until it is deleted: note it at once."""
        with self.w.sessions() as session:
            for row_id, about in session.execute(
                select(OutboxMessage.id, OutboxMessage.interview_id).where(
                    OutboxMessage.interview_id.is_not(None)
                )
            ):
                self.tied.setdefault(row_id, about)

    @invariant()
    def check_nobody_is_booked_twice(self) -> None:
        with self.w.sessions() as session:
            booked = list(
                session.scalars(
                    select(Interview).where(
                        Interview.workspace_id == self.w.workspace_id,
                        Interview.status.in_([s.value for s in BOOKED]),
                    )
                )
            )
        for a, b in itertools.combinations(booked, 2):
            shared = _people(a, self.email_of) & _people(b, self.email_of)
            assert not (shared and _overlap(a, b)), (
                f"{sorted(shared)} booked twice: interview {a.id} {a.start}-{a.end} "
                f"({a.status}) and {b.id} {b.start}-{b.end} ({b.status})"
            )

    @invariant()
    def check_pick_links_work_only_while_offered(self) -> None:
        if self.unchanged_since("links"):
            return
        for token, offer_id in self.tokens:
            with self.w.sessions() as session:
                writing(session)  # the pick below writes, and is rolled back
                offer = session.get(Offer, offer_id)
                row = session.get(Interview, offer.interview_id) if offer else None
                if row is not None and row.status == State.offered.value:
                    continue
                try:
                    view = offers.offer_view(session, token)
                except NotFound:
                    view = None
                assert view is None or view.state != OfferState.open.value, (
                    f"offer {offer_id} shows open for interview {row and row.status}"
                )
                slots = view.slots if view else [{"id": 1}]
                try:
                    offers.pick(session, token=token, slot_id=slots[0]["id"], clock=self.clock)
                except (Conflict, NotFound):
                    pass
                else:
                    raise AssertionError(
                        f"the link of offer {offer_id} booked interview "
                        f"{row and row.id} ({row and row.status})"
                    )
                finally:
                    session.rollback()

    @invariant()
    def check_calendar_objects_follow_a_request_with_rising_sequence(self) -> None:
        with self.w.sessions() as session:
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.recipient,
                    OutboxMessage.calendar_method,
                    OutboxMessage.calendar_ics,
                )
                .where(OutboxMessage.calendar_ics.is_not(None))
                .order_by(OutboxMessage.id)
            ).all()
        last: dict[tuple[str, str], int] = {}
        for row_id, recipient, method, ics in rows:
            uid, sequence = _field(ics, "UID"), int(_field(ics, "SEQUENCE"))
            assert _field(ics, "METHOD") == method, f"row {row_id}: METHOD is not {method}"
            key = (recipient.lower(), uid)
            if key not in last:
                assert method == "REQUEST", (
                    f"row {row_id}: {method} to {recipient} for {uid} never sent a REQUEST"
                )
            else:
                assert sequence > last[key], (
                    f"row {row_id}: {method} to {recipient} for {uid} with SEQUENCE "
                    f"{sequence} after {last[key]}"
                )
            last[key] = sequence

    @invariant()
    def check_every_letter_is_in_its_recipients_language(self) -> None:
        language = {**LANGUAGE, **{e: "de" for e in self.email_of.values()}}
        language[self.w.sender[1]] = "en"  # the user: a declined offer's notice
        with self.w.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.language)
            ).all()
        for row_id, recipient, lang in rows:
            assert lang == language[recipient.lower()], (
                f"row {row_id} to {recipient} in {lang}, expected {language[recipient]}"
            )

    @invariant()
    def check_todos_follow_the_state(self) -> None:
        """The overview's items about interviews and offers, against what each one's
        state implies (both ways): an ended booked interview waits for its outcome, a
        declined offer for the employer's answer, an open offer for a reminder; nothing
        for an interview whose state made it moot, or one that is gone."""
        if self.unchanged_since("todos"):
            return
        now = self.clock()
        with self.w.sessions() as session:
            found = todo_list.todos(session, workspace_id=self.w.workspace_id, now=now)
            rows = {
                r.id: r
                for r in session.scalars(
                    select(Interview).where(Interview.workspace_id == self.w.workspace_id)
                )
            }
            filled = set(session.scalars(select(Position.id).where(Position.status != "open")))
            latest: dict[int, Offer] = {}
            for offer in session.scalars(select(Offer).order_by(Offer.id)):
                latest[offer.interview_id] = offer
            informed = set(
                session.scalars(select(Candidate.id).where(Candidate.status != "active"))
            )
        items = [*found.now, *found.next]
        for item in items:
            if item.kind in (Kind.mark_outcome, Kind.remind_offer, Kind.offer_expired,
                             Kind.suggestion):  # fmt: skip
                row = rows.get(item.interview_id or -1)
                assert row is not None, f"{item.kind} for a deleted interview"
                if item.kind is Kind.mark_outcome:
                    assert State(row.status) in BOOKED, f"{item.kind} for {row.status}"
                else:
                    assert row.status == State.offered.value, f"{item.kind} for {row.status}"
                    want = "declined" if item.kind is Kind.suggestion else "open"
                    assert latest[row.id].state == want and item.ref == latest[row.id].id
        due = {(t.kind, t.interview_id) for t in found.now}
        for row in rows.values():
            if row.position_id in filled or row.candidate_id in informed:
                continue
            if State(row.status) in BOOKED and row.end <= now:
                assert (Kind.mark_outcome, row.id) in due, f"no outcome asked for {row.id}"
            offer = latest.get(row.id)
            if row.status == State.offered.value and offer and offer.state == "declined":
                assert (Kind.suggestion, row.id) in due, f"suggestion of {row.id} not due"


def _sqlite(template: Path, folder: Path) -> Callable[[], Engine]:
    count = itertools.count()

    def fresh() -> Engine:
        target = folder / f"example{next(count)}.sqlite3"
        shutil.copyfile(template, target)
        return make_engine(f"sqlite:///{target}")

    return fresh


def test_lifecycle_on_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    fresh = staticmethod(_sqlite(sqlite_template, tmp_path))
    machine = type(
        "OnSqlite",
        (Lifecycle,),
        {"fresh": fresh, "release": staticmethod(Engine.dispose), "with_book": BOOK},
    )
    run_state_machine_as_test(machine, settings=SETTINGS)


def test_lifecycle_on_postgresql(pg_url: str) -> None:
    """One engine for every example; the rows emptied in between (DELETE: faster than
    TRUNCATE for a few rows)."""
    _truncate(pg_url)
    engine = make_engine(pg_url)
    tables = list(reversed(Base.metadata.sorted_tables))

    def fresh() -> Engine:
        with engine.begin() as connection:
            for table in tables:
                connection.execute(table.delete())
        return engine

    machine = type(
        "OnPostgres",
        (Lifecycle,),
        {"fresh": staticmethod(fresh), "release": staticmethod(lambda _: None), "with_book": BOOK},
    )
    try:
        run_state_machine_as_test(machine, settings=SETTINGS)
    finally:
        engine.dispose()


def test_booking_a_time_keeps_people_from_being_booked_twice(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The sequence the state machine found booking Lena and Maria twice (fixed in 06be36a:
    booking checks K1 as scheduling does)."""
    machine = Lifecycle.__new__(Lifecycle)  # only its helpers: one fixed sequence
    machine.fresh = _sqlite(sqlite_template, tmp_path)  # type: ignore[method-assign]
    machine.release = Engine.dispose  # type: ignore[method-assign]
    Lifecycle.__init__(machine)
    try:
        machine.schedule(who=0, team=0, days=0, hour=0)
        machine.schedule(who=0, team=0, days=0, hour=1)
        assert len(machine.interviews) == 2
        machine.book(index=1, days=0, hour=0)
        machine.check_nobody_is_booked_twice()
    finally:
        machine.teardown()
