"""The delivery loop against a real aiosmtpd server (and its fault-injecting variant).

The clock is the test's: backoff is lived through by moving it, not by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.transport import (
    Envelope,
    MemoryTransport,
    Outcome,
    Result,
    SmtpConfig,
    SmtpTransport,
    Transport,
)
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.store.session import make_engine, session_factory, transaction
from fairnotice.store.tables import Interview, OutboxMessage
from tests.mail.outbox_rows import START, Clock, by_recipient, events, seed, states, workspace
from tests.mail.servers import Faults, Recorder, smtp_server

SENDER = "noreply@fairnotice.test"


def relay(port: int) -> Callable[[], Transport]:
    return lambda: SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none", timeout=5))


def deliverer(
    sessions: sessionmaker[Session],
    transport: Callable[[], Transport] | None,
    clock: Clock,
    **policy: Any,
) -> Deliverer:
    settings: dict[str, Any] = {"batch": 25, "retry_base": timedelta(minutes=1)}
    settings.update(policy)
    return Deliverer(sessions, transport, sender=SENDER, policy=Policy(**settings), clock=clock)


def test_every_due_message_goes_out_once_over_one_connection_per_batch(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sessions, 60)
    with smtp_server() as (port, recorder):
        stats = deliverer(sessions, relay(port), clock).drain()
    assert stats.sent == 60 and stats.claimed == 60
    assert states(sessions) == {"sent": 60}
    assert sorted(recorder.counts().values()) == [1] * 60
    # 60 rows in batches of 25: three connections, each ended with QUIT
    assert len(recorder.connections) == 3
    assert all(c.quit for c in recorder.connections.values())
    row = by_recipient(sessions)["c7@example2.com"]
    assert row.attempts == 1 and row.sent_at == START
    assert events(sessions, row.id) == ["sending", "sent"]


def test_rows_not_yet_due_wait(sqlite_sessions: sessionmaker[Session], clock: Clock) -> None:
    seed(sqlite_sessions, 3, at=START + timedelta(hours=2))
    transport = MemoryTransport()
    worker = deliverer(sqlite_sessions, lambda: transport, clock)
    assert worker.drain().claimed == 0
    clock.advance(hours=2)
    assert worker.drain().sent == 3
    assert len(transport.sent) == 3


def test_counted_faults_30_percent_451_5_dropped_5_550(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    count = 400
    seed(sessions, count)
    recipients = [f"c{i}@example{i % 5}.com" for i in range(count)]
    faults = Faults.mixed(recipients, seed=5, temporary=0.30, dropped=0.05, permanent=0.05)
    assert 90 <= len(faults.temporary) <= 150 and 8 <= len(faults.permanent) <= 35
    assert faults.drop_before and faults.drop_after
    with smtp_server(Recorder(faults)) as (port, recorder):
        worker = deliverer(sessions, relay(port), clock, retry_cap=timedelta(minutes=8))
        first = worker.drain()
        rounds = 1
        while states(sessions).get("pending"):
            clock.advance(minutes=10)  # past the longest backoff
            worker.drain()
            rounds += 1
            assert rounds <= 6, states(sessions)
    rows = by_recipient(sessions)
    counts = recorder.counts()
    clean = set(recipients) - set(faults.temporary) - faults.permanent
    clean -= faults.drop_before | faults.drop_after
    # nothing stalls: every clean message went out in the first round, once
    assert first.sent >= len(clean)
    for rcpt in clean:
        assert rows[rcpt].state == "sent" and rows[rcpt].attempts == 1
    # every 451 message is delivered in the end, exactly once, after its 451s
    for rcpt, times in faults.temporary.items():
        assert rows[rcpt].state == "sent", rows[rcpt].last_error
        assert rows[rcpt].attempts == times + 1
        assert counts[rows[rcpt].message_id or ""] == 1
    # every 550 message failed after exactly one attempt, with the server's words
    for rcpt in faults.permanent:
        assert rows[rcpt].state == "failed" and rows[rcpt].attempts == 1
        assert rows[rcpt].last_error == "550 5.7.1 message refused by policy"
        assert counts[rows[rcpt].message_id or ""] == 0
    # a drop before DATA ended: delivered once on the retry
    for rcpt in faults.drop_before:
        assert rows[rcpt].state == "sent" and rows[rcpt].attempts == 2
        assert counts[rows[rcpt].message_id or ""] == 1
    # a drop after DATA: the server had it; the retry makes the only duplicates
    duplicates = recorder.duplicates()
    assert set(duplicates) == {rows[r].message_id for r in faults.drop_after}
    assert all(n == 2 for n in duplicates.values())
    assert all(recorder.died_after_data(mid) for mid in duplicates)
    assert sum(counts.values()) == count - len(faults.permanent) + len(faults.drop_after)


def test_backoff_doubles_up_to_its_cap_and_max_age_ends_retries(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    (row_id,) = seed(sqlite_sessions, 1)
    transport = MemoryTransport(lambda e: Result(Outcome.temporary, 451, "4.3.0 later"))
    worker = deliverer(
        sqlite_sessions,
        lambda: transport,
        clock,
        retry_base=timedelta(minutes=1),
        retry_cap=timedelta(minutes=8),
        max_age=timedelta(hours=1),
    )
    waits = []
    while True:
        worker.drain()
        with sqlite_sessions() as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
        if row.state != "pending":
            break
        waits.append(row.due - clock())
        clock.now = row.due
    minutes = [w / timedelta(minutes=1) for w in waits]
    assert 0.8 <= minutes[0] <= 1.0 and 1.6 <= minutes[1] <= 2.0 and 3.2 <= minutes[2] <= 4.0
    assert all(6.4 <= m <= 8.0 for m in minutes[3:])  # capped
    assert row.state == "failed"
    assert row.last_error == f"gave up after {row.attempts} attempts: 451 4.3.0 later"
    assert clock() - START >= timedelta(hours=1)
    assert events(sqlite_sessions, row_id).count("retry") == row.attempts - 1


def test_past_deadline_is_never_sent_and_a_retry_stops_at_the_deadline(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    late = seed(sessions, 2, deadline=START - timedelta(minutes=1))
    soon = seed(sessions, 1, deadline=START + timedelta(seconds=30))
    transport = MemoryTransport(lambda e: Result(Outcome.temporary, 421, "4.7.0 busy"))
    stats = deliverer(sessions, lambda: transport, clock).drain()
    assert stats.expired == 2 and stats.failed == 1
    with sessions() as session:
        expired = [session.get(OutboxMessage, i) for i in late]
        gave_up = session.get(OutboxMessage, soon[0])
    assert all(r is not None and r.state == "expired" and r.attempts == 0 for r in expired)
    assert gave_up is not None and gave_up.state == "failed"
    assert len(transport.sent) == 0


def _interview(sessions: sessionmaker[Session], workspace_id: int) -> int:
    with transaction(sessions, write=True) as session:
        row = Interview(
            workspace_id=workspace_id,
            position="Paralegal",
            company="Muster & Partner GmbH",
            start=START + timedelta(days=5),
            end=START + timedelta(days=5, hours=1),
            timezone="Europe/Berlin",
            uid="iv-1@fairnotice.test",
            sequence=0,
        )
        session.add(row)
        session.flush()
        return row.id


def _rows_of_one_interview(
    sessions: sessionmaker[Session], count: int, *, tied: int
) -> tuple[list[int], int, int]:
    """`count` due rows, the first `tied` queued for one interview (SEQUENCE 0): their ids,
    workspace and the interview's id."""
    ids = seed(sessions, count)
    with sessions() as session:
        first = session.get(OutboxMessage, ids[0])
        assert first is not None
        ws = first.workspace_id
    interview = _interview(sessions, ws)
    with transaction(sessions, write=True) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids[:tied]))
            .values(interview_id=interview, interview_sequence=0)
        )
    return ids, ws, interview


def test_a_since_cancelled_interview_voids_its_rows_even_mid_batch(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    ids, ws, interview = _rows_of_one_interview(sessions, 3, tied=3)

    def cancel_after_first(envelope: Envelope) -> Result:
        # the interview is cancelled while the batch is under way
        with transaction(sessions, write=True) as session:
            session.execute(
                update(Interview)
                .where(Interview.id == interview)
                .values(status="cancelled", sequence=1)
            )
        return Result(Outcome.delivered, 250, "OK")

    transport = MemoryTransport(cancel_after_first)
    stats = deliverer(sessions, lambda: transport, clock).drain()
    assert stats.sent == 1 and stats.cancelled == 2
    assert [e.message_id for e in transport.sent] == [f"<msg0.{ws}@fairnotice.test>"]
    assert states(sessions) == {"sent": 1, "cancelled": 2}
    assert events(sessions, ids[2])[-1] == "cancelled"


class _CancelsAfterFirst(Recorder):
    """A relay during whose first accepted message the interview is cancelled."""

    def __init__(self, cancel: Callable[[], None]) -> None:
        super().__init__()
        self.cancel = cancel

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.received) == 1:
            self.cancel()
        return answer


def test_over_smtp_a_message_withdrawn_mid_batch_never_reaches_the_relay(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """The interview is re-read while the relay answers MAIL; a cancelled one is withdrawn
    (RSET) before any content goes out, and the connection carries on with the rest."""
    ids, ws, interview = _rows_of_one_interview(sessions, 4, tied=3)

    def cancel() -> None:
        with transaction(sessions, write=True) as session:
            session.execute(
                update(Interview)
                .where(Interview.id == interview)
                .values(status="cancelled", sequence=Interview.sequence + 1)  # as a cancel does
            )

    with smtp_server(_CancelsAfterFirst(cancel)) as (port, recorder):
        stats = deliverer(sessions, relay(port), clock).drain()
    assert stats.sent == 2 and stats.cancelled == 2
    assert sorted(recorder.counts()) == [
        f"<msg0.{ws}@fairnotice.test>",
        f"<msg3.{ws}@fairnotice.test>",
    ]
    assert len(recorder.connections) == 1  # the withdrawals did not cost the connection
    assert states(sessions) == {"sent": 2, "cancelled": 2}
    assert events(sessions, ids[1])[-1] == "cancelled"


def test_a_cancel_message_for_the_cancelled_interview_still_goes_out(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    (row_id,) = seed(sqlite_sessions, 1, calendar_method="CANCEL", calendar_ics="BEGIN:VCALENDAR")
    with sqlite_sessions() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        ws = row.workspace_id
    interview = _interview(sqlite_sessions, ws)
    with transaction(sqlite_sessions, write=True) as session:
        session.execute(update(Interview).values(status="cancelled", sequence=1))
        session.execute(update(OutboxMessage).values(interview_id=interview, interview_sequence=1))
    transport = MemoryTransport()
    assert deliverer(sqlite_sessions, lambda: transport, clock).drain().sent == 1
    # ... but a later change (SEQUENCE 2) voids even a CANCEL queued at SEQUENCE 1
    seed(sqlite_sessions, 1, interview_id=interview, interview_sequence=1)
    with transaction(sqlite_sessions, write=True) as session:
        session.execute(update(Interview).values(sequence=2))
    assert deliverer(sqlite_sessions, lambda: transport, clock).drain().cancelled == 1


def test_rate_limit_per_domain_defers_without_stalling_other_domains(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sqlite_sessions, 10)  # two rows for each of example0..example4.com
    transport = MemoryTransport()
    worker = deliverer(sqlite_sessions, lambda: transport, clock, per_domain_per_minute=6)
    stats = worker.drain()
    assert stats.sent == 5 and stats.deferred == 5  # one per domain, then wait
    assert {e.recipients[0].split("@")[1] for e in transport.sent} == {
        f"example{i}.com" for i in range(5)
    }
    with sqlite_sessions() as session:
        waiting = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending"))
        )
    assert all(timedelta(seconds=9) <= r.due - START <= timedelta(seconds=10) for r in waiting)
    assert all(r.attempts == 0 for r in waiting)
    clock.advance(seconds=10)
    assert worker.drain().sent == 5


def test_a_killed_worker_leaves_a_lease_that_another_worker_takes_over(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sessions, 5)
    dead = deliverer(sessions, None, clock, lease=timedelta(minutes=5))
    dead.transport = lambda: MemoryTransport()  # it will claim, then "die" before sending
    from fairnotice.operations.outbox.loop import Stats

    claimed = dead.claim(Stats())
    assert len(claimed) == 5 and states(sessions) == {"sending": 5}
    transport = MemoryTransport()
    other = deliverer(sessions, lambda: transport, clock)
    assert other.drain().claimed == 0  # the lease still holds
    clock.advance(minutes=6)
    stats = other.drain()
    assert stats.reclaimed == 5 and stats.sent == 5
    assert states(sessions) == {"sent": 5}
    assert events(sessions, claimed[0].id) == ["sending", "reclaimed", "sending", "sent"]


def test_a_graceful_stop_hands_the_rest_of_the_batch_back(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sqlite_sessions, 10)
    worker = deliverer(sqlite_sessions, None, clock)

    def stop_after_three(envelope: Envelope) -> Result:
        if len(transport.sent) == 2:
            worker.stop.set()
        return Result(Outcome.delivered, 250, "OK")

    transport = MemoryTransport(stop_after_three)
    worker.transport = lambda: transport
    stats = worker.drain()
    assert stats.sent == 3 and stats.released == 7
    assert states(sqlite_sessions) == {"sent": 3, "pending": 7}
    with sqlite_sessions() as session:
        assert session.scalars(select(OutboxMessage.lease_until)).all().count(None) == 10
    fresh = deliverer(sqlite_sessions, lambda: transport, clock)
    assert fresh.drain().sent == 7  # at once, no lease to wait for
    assert len({e.message_id for e in transport.sent}) == len(transport.sent) == 10


def test_without_a_relay_mail_waits_in_the_outbox(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sqlite_sessions, 2)
    assert deliverer(sqlite_sessions, None, clock).drain().claimed == 0
    assert states(sqlite_sessions) == {"pending": 2}


def test_a_message_that_cannot_be_built_fails_alone(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sqlite_sessions, 3)
    with transaction(sqlite_sessions, write=True) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == "c1@example1.com")
            .values(recipient="c1@example1.com>\r\nRCPT TO:<evil@example.net")
        )
    transport = MemoryTransport()
    stats = deliverer(sqlite_sessions, lambda: transport, clock).drain()
    assert stats.sent == 2 and stats.failed == 1
    failed = [r for r in by_recipient(sqlite_sessions).values() if r.state == "failed"]
    assert failed[0].last_error is not None
    assert failed[0].last_error.startswith("cannot be sent: email:")
    assert all("evil" not in r for e in transport.sent for r in e.recipients)


def test_a_long_batch_renews_its_lease_so_no_one_takes_it_over(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sessions, 10)
    other = deliverer(sessions, lambda: MemoryTransport(), clock)
    taken: list[int] = []

    def slow_relay(envelope: Envelope) -> Result:
        clock.advance(minutes=2)  # 10 messages x 2 min: four times the 5-minute lease
        taken.append(other.drain().claimed)  # another worker looks in the meantime
        return Result(Outcome.delivered, 250, "OK")

    transport = MemoryTransport(slow_relay)
    stats = deliverer(sessions, lambda: transport, clock, lease=timedelta(minutes=5)).drain()
    assert stats.sent == 10 and taken == [0] * 10
    assert len({e.message_id for e in transport.sent}) == 10


def test_a_worker_stalled_past_its_lease_sends_none_of_what_was_taken_over(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sessions, 6)
    rescuer = MemoryTransport()
    other = deliverer(sessions, lambda: rescuer, clock)

    def stalled(envelope: Envelope) -> Result:
        if len(stalled_transport.sent) == 1:  # the second message hangs for 10 minutes
            clock.advance(minutes=10)
            other.drain()  # meanwhile another worker takes over what was leased
        return Result(Outcome.delivered, 250, "OK")

    stalled_transport = MemoryTransport(stalled)
    stats = deliverer(sessions, lambda: stalled_transport, clock).drain()
    sent_by_stalled = [e.message_id for e in stalled_transport.sent]
    sent_by_rescuer = [e.message_id for e in rescuer.sent]
    assert len(sent_by_stalled) == 2 and stats.lost == 4
    # the one in flight went out twice (its outcome was not yet written); nothing else did
    assert len(set(sent_by_stalled) & set(sent_by_rescuer)) == 1
    assert len(set(sent_by_stalled) | set(sent_by_rescuer)) == 6
    assert states(sessions) == {"sent": 6}


def test_each_outcome_is_one_statement_on_postgresql_and_one_commit_per_message(
    sessions: sessionmaker[Session], clock: Clock, monkeypatch: Any
) -> None:
    """Between two SMTP transactions the worker writes the previous outcome, its event and
    re-reads the next message's interview: on PostgreSQL one statement (one round trip,
    committed when it returns, no explicit transaction), on SQLite one transaction."""
    count = 20
    ids, _, _ = _rows_of_one_interview(sessions, count, tied=count)
    engine = sessions.kw["bind"]
    calls = {"statements": 0, "commits": 0}

    class Cursor:
        def __init__(self, cursor: Any) -> None:
            self.cursor = cursor

        def __getattr__(self, name: str) -> Any:
            return getattr(self.cursor, name)

        def execute(self, *args: Any) -> Any:
            calls["statements"] += 1
            return self.cursor.execute(*args)

        def executemany(self, *args: Any) -> Any:
            calls["statements"] += 1
            return self.cursor.executemany(*args)

    class Connection:
        def __init__(self, connection: Any) -> None:
            self.connection = connection

        def __getattr__(self, name: str) -> Any:
            return getattr(self.connection, name)

        def cursor(self) -> Cursor:
            return Cursor(self.connection.cursor())

        def commit(self) -> None:
            calls["commits"] += 1
            self.connection.commit()

    real = engine.raw_connection
    monkeypatch.setattr(engine, "raw_connection", lambda: Connection(real()))
    transport = MemoryTransport()
    stats = deliverer(sessions, lambda: transport, clock, batch=count).drain()
    counted = dict(calls)
    monkeypatch.undo()
    assert stats.sent == count and len(transport.sent) == count
    assert states(sessions) == {"sent": count}
    assert all(events(sessions, row) == ["sending", "sent"] for row in ids)
    if engine.dialect.name == "postgresql":
        # claim: due rows, take, events (committed); per message one statement (the first
        # only re-reads its interview); the last outcome after the batch; a claim finding
        # nothing due
        assert counted == {"statements": 3 + count + 1 + 1, "commits": 2}
    else:
        # two claims; a transaction per message (the first only re-reads); the last outcome
        assert counted["commits"] == 2 + count + 1


def test_an_outcome_for_a_row_taken_over_meanwhile_is_not_written(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """If another worker took a row over between its send and the write of its outcome, the
    write changes nothing: neither the row nor its history (both databases' write paths)."""
    ids = seed(sessions, 3)

    def taken_over_during_second(envelope: Envelope) -> Result:
        if envelope.message_id.startswith("<msg1."):
            with transaction(sessions, write=True) as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == ids[1])
                    .values(claimed_by="another worker")
                )
        return Result(Outcome.delivered, 250, "OK")

    transport = MemoryTransport(taken_over_during_second)
    stats = deliverer(sessions, lambda: transport, clock).drain()
    assert len(transport.sent) == 3 and stats.sent == 3
    assert states(sessions) == {"sent": 2, "sending": 1}
    assert events(sessions, ids[0]) == ["sending", "sent"]
    assert events(sessions, ids[1]) == ["sending"]
    assert events(sessions, ids[2]) == ["sending", "sent"]
    with sessions() as session:
        row = session.get(OutboxMessage, ids[1])
        assert row is not None and row.claimed_by == "another worker" and row.attempts == 0


def test_a_claim_takes_rows_whose_lease_ran_out_and_due_rows_in_due_order(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """The claim chooses the two kinds of rows apart (each from the index in (due, id)
    order) and takes the first `batch` of them together, in that order."""
    from fairnotice.operations.outbox.loop import Stats

    early = seed(sessions, 3, at=START - timedelta(minutes=30))
    dead = deliverer(sessions, None, clock, lease=timedelta(minutes=5), batch=3)
    assert [c.id for c in dead.claim(Stats())] == early  # then it "dies"
    later = seed(sessions, 4, at=START - timedelta(minutes=10))
    future = seed(sessions, 2, at=START + timedelta(hours=1))
    seed(sessions, 2, at=START - timedelta(minutes=20), kind="phone_script")  # not mail
    clock.advance(minutes=6)  # the dead worker's lease has run out
    worker = deliverer(sessions, None, clock, batch=5)
    stats = Stats()
    assert [c.id for c in worker.claim(stats)] == early + later[:2]
    assert stats.reclaimed == 3
    assert [c.id for c in worker.claim(Stats())] == later[2:]  # not yet due: `future`
    assert future and states(sessions)["pending"] == 4  # two future, two phone scripts


def test_a_bulk_send_renews_postgresqls_statistics_so_claims_use_the_index(
    pg_url: str,
) -> None:
    """After 1,000 rows or more at once, PostgreSQL knows they are there: otherwise each
    claim would read and sort every due row until autovacuum analysed the table."""
    from sqlalchemy import text

    from fairnotice.operations.outbox.commands import BULK, enqueue

    engine = make_engine(pg_url)
    factory = session_factory(engine)
    try:
        ws = workspace(factory)
        rows = [
            {"workspace_id": ws, "recipient": f"c{i}@example.org", "body": "x", "due": START}
            for i in range(BULK + 200)
        ]
        with transaction(factory, write=True) as session:
            enqueue(session, rows, now=START)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            known = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'outbox'")
            ).scalar_one()
        assert count >= BULK + 200 and known >= 0.9 * count
    finally:
        engine.dispose()
