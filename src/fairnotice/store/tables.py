"""The tables. Every row that belongs to someone hangs off a workspace (isolation).

Timestamps are stored as UTC and always come back aware, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from fairnotice.lifecycle import OfferState, State
from fairnotice.store.compressed import CompressedText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _workspace() -> Mapped[int]:
    """The owning workspace: deleting it deletes the row."""
    return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: Iterable[str]) -> str:
    """A CHECK that `column` takes one of `values` (the lifecycle's states)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


POSITION_STATES = ("open", "filling", "filled")
MEMBER_ROLES = ("owner", "member")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Workspace(Base):
    """A personal workspace (candidate side) or an organisation (employer side)."""

    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # personal | organisation
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    # The notice policy of its offers: the shortest notice a picked time may have, and
    # how often one interview may be moved (lifecycle: pick, book, agree, edit of time).
    pick_notice_minutes: Mapped[int] = mapped_column(Integer, default=720, server_default="720")
    max_reschedules: Mapped[int] = mapped_column(Integer, default=3, server_default="3")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        CheckConstraint(_one_of("role", MEMBER_ROLES), name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="owner")  # owner | member
    workspace: Mapped[Workspace] = relationship(lazy="joined")


class AuthSession(Base):
    """A signed-in browser: the cookie carries a random id, this row only its SHA-256.
    Deleting the row ends the session (sign-out, sign-out everywhere, a new password)."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    seen_at: Mapped[datetime] = mapped_column(default=_now)  # idle expiry counts from here


class PasswordReset(Base):
    """An emailed reset link: its token's SHA-256, usable once before `expires_at`."""

    __tablename__ = "password_resets"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_token: Mapped[str | None] = mapped_column(
        Text
    )  # as offers' (operations/common/links.py)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    """A bearer token for /api/v1, stored as its SHA-256 only, scoped to one workspace."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (CheckConstraint(_one_of("status", POSITION_STATES), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    title: Mapped[str] = mapped_column(String(300))
    company: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | filling | filled
    created_at: Mapped[datetime] = mapped_column(default=_now)
    fill_plan_id: Mapped[int | None] = mapped_column(Integer)  # the plan that fills it


class Candidate(Base):
    __tablename__ = "candidates"
    __table_args__ = (
        Index("ix_candidates_position_id_status", "position_id", "status"),
        # the paged lists (migration 0016): a position's by id and by name, a workspace's
        Index("ix_candidates_position_id_id", "position_id", "id"),
        Index("ix_candidates_position_id_name", "position_id", "name", "id"),
        Index("ix_candidates_workspace_id_id", "workspace_id", "id"),
        # a position's page counted from the index alone (0024)
        Index("ix_candidates_workspace_id_position_id_id", "workspace_id", "position_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="en")
    salutation: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | informed
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Interview(Base):
    """One interview, seen from its workspace: the candidate's own or the employer's.

    `status` is a `lifecycle.State`, changed only by operations/interviews/transitions.py."""

    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(_one_of("status", [s.value for s in State]), name="status"),
        UniqueConstraint("workspace_id", "uid"),
        Index("ix_interviews_candidate_id_status", "candidate_id", "status"),  # 0021
        Index("ix_interviews_workspace_id_start", "workspace_id", "start", "id"),  # 0016
        Index("ix_interviews_position_id_start", "position_id", "start", "id"),  # 0016
        Index("ix_interviews_workspace_id_status_end", "workspace_id", "status", "end"),  # 0021
        Index(  # 0024: a position's page counted from the index alone
            "ix_interviews_workspace_id_position_id_start",
            "workspace_id",
            "position_id",
            "start",
            "id",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL")
    )
    position: Mapped[str] = mapped_column(String(300))
    company: Mapped[str] = mapped_column(String(300))
    start: Mapped[datetime]
    end: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(1000))
    video_url: Mapped[str | None] = mapped_column(String(2000))
    round: Mapped[int] = mapped_column(Integer, default=1)
    uid: Mapped[str] = mapped_column(String(500))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    # The other side: the employer's contact (candidate side) or the candidate (employer side).
    contact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interviewers: Mapped[list[Any]] = mapped_column(default=list)
    history_channel: Mapped[str] = mapped_column(String(10), default="email")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    # The invitation's ORGANIZER ({"name", "email"}) when adopted from a real one.
    organizer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The time before the last move (the pick page and letters name the original time).
    previous_start: Mapped[datetime | None]
    previous_end: Mapped[datetime | None]
    reschedules: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InterviewEvent(Base):
    """One change of an interview: who, when, from which state to which, and why."""

    __tablename__ = "interview_events"
    __table_args__ = (
        Index("ix_interview_events_interview_id_at", "interview_id", "at"),
        # the insights' period (migration 0023): a workspace's events from a time on
        Index("ix_interview_events_workspace_id_at", "workspace_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=_now)
    actor: Mapped[str] = mapped_column(String(320))  # user:<id>, candidate, worker, cli
    event: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    why: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BusyCalendar(Base):
    """Busy periods of one person (an interviewer or the user), from an uploaded calendar
    or a remote source (a subscription link)."""

    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    owner_email: Mapped[str] = mapped_column(String(320))
    busy: Mapped[list[Any]] = mapped_column(default=list)  # [{"start", "end"}] RFC 3339
    created_at: Mapped[datetime] = mapped_column(default=_now)
    # Read in the background (operations/busy/stored.py): the iCalendar text is kept so the
    # window can be extended; the expansion lives in busy_intervals. Kept compressed and
    # loaded only when read (migration 0012): no list or page carries it.
    source: Mapped[str | None] = mapped_column(CompressedText(), deferred=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # for floating times
    state: Mapped[str] = mapped_column(
        String(20), default="pending", server_default="ready"
    )  # pending | ready | failed
    error: Mapped[str | None] = mapped_column(Text)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    # A new random value whenever busy_intervals of this calendar are rewritten (the slot
    # search's per-process copy of them is used only while it matches); NULL: never kept.
    intervals_version: Mapped[int | None] = mapped_column(BigInteger)
    # What its last reading cost (calendar/budget.py units): a workspace's calendars
    # together stay within one account budget (migration 0014); NULL: not read yet.
    read_cost: Mapped[int | None] = mapped_column(Integer)
    # A remote source (migration 0017, operations/busy/sources.py): its kind ("subscription"),
    # its address sealed (store/sealing.py: a secret link is a credential), what may be
    # shown of it (host + "…"), its last answer's validators for a conditional request,
    # when it last answered (`refreshed_at`) and when it is to be asked again. NULL: an
    # upload.
    remote_kind: Mapped[str | None] = mapped_column(String(20))
    remote_sealed: Mapped[str | None] = mapped_column(Text, deferred=True)
    remote_hint: Mapped[str | None] = mapped_column(String(300))
    remote_etag: Mapped[str | None] = mapped_column(String(300))
    remote_modified: Mapped[str | None] = mapped_column(String(100))
    refreshed_at: Mapped[datetime | None]
    refresh_due: Mapped[datetime | None] = mapped_column(index=True)


class BusyInterval(Base):
    """One merged busy interval of a stored calendar, in UTC (slot search reads these)."""

    __tablename__ = "busy_intervals"
    __table_args__ = (Index("ix_busy_intervals_calendar_end", "calendar_id", "end", "start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    start: Mapped[datetime]
    end: Mapped[datetime]


class Offer(Base):
    """New times offered to a candidate; the link's token is kept as its SHA-256 (to find
    the offer) and sealed (to write the link into a message when it goes out)."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(_one_of("state", [s.value for s in OfferState]), name="state"),
        Index("ix_offers_interview_id_state", "interview_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token sealed with the app's key: texts hold a reference, the link is written
    # when sent or shown (operations/common/links.py; never in plain text at rest).
    sealed_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="open")  # lifecycle.OfferState
    picked_slot_id: Mapped[int | None] = mapped_column(Integer)
    suggestion: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    # how the offer's letter addressed the candidate ("formal" | "informal"; NULL: formal),
    # so the pick page speaks as the letter did (0025)
    address_form: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    slots: Mapped[list[OfferSlot]] = relationship(order_by="OfferSlot.start", lazy="selectin")


class OfferSlot(Base):
    __tablename__ = "offer_slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="offered")  # offered|booked|released


class PlanRecord(Base):
    """A plan made for one interview, with the user's edits and the private note."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"),
        index=True,  # 0021
    )
    situation: Mapped[dict[str, Any]]
    plan: Mapped[dict[str, Any]]
    private_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    steps: Mapped[list[PlanStep]] = relationship(order_by="PlanStep.order", lazy="selectin")


class PlanStep(Base):
    __tablename__ = "plan_steps"
    __table_args__ = (Index("ix_plan_steps_due_state", "due", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    order: Mapped[int] = mapped_column(Integer)
    due: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    condition: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | done
    outcome: Mapped[str | None] = mapped_column(String(30))
    done_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the follow-up reminder went to the user


class OutboxMessage(Base):
    """A message waiting for delivery, written in the transaction of its state change."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due_id", "state", "due", "id"),
        # the outbox page (migration 0016): newest or due first, of all states or of one
        Index("ix_outbox_workspace_id_due", "workspace_id", "due", "id"),
        Index("ix_outbox_workspace_id_state_due", "workspace_id", "state", "due", "id"),
        # the insights (migration 0023): a fill's letter to one candidate
        Index("ix_outbox_plan_id_recipient", "plan_id", "recipient"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    kind: Mapped[str] = mapped_column(String(30), default="email")
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    calendar_method: Mapped[str | None] = mapped_column(String(20))
    calendar_ics: Mapped[str | None] = mapped_column(Text)
    due: Mapped[datetime] = mapped_column(default=_now)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    # Delivery (operations/outbox/loop.py): identity, limits, retries and the lease of a worker.
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    deadline: Mapped[datetime | None]
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL"), index=True
    )
    interview_sequence: Mapped[int | None] = mapped_column(Integer)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # a "Got it" paragraph in this form of address ("formal"/"informal") goes in when the
    # row is sent (compose/receipt.py, migration 0022); None: the message has none
    receipt_form: Mapped[str | None] = mapped_column(String(10))


class Receipt(Base):
    """A notice's "Got it" link (operations/outbox/receipts.py): the token as its SHA-256 and
    sealed, as pick links; when the recipient opened it and confirmed; when an
    unconfirmed notice becomes a call (C4). Migration 0022."""

    __tablename__ = "receipts"
    __table_args__ = (
        # the overview's calls (C4): a workspace's unconfirmed notices by due time
        Index(
            "ix_receipts_workspace_id_confirmed_at_call_due",
            "workspace_id",
            "confirmed_at",
            "call_due",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), unique=True)
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL"), index=True
    )
    interview_sequence: Mapped[int | None] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_token: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    expires_at: Mapped[datetime]
    call_due: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class OutboxEvent(Base):
    """One state change of an outbox message: its history, appended, never rewritten."""

    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=_now)
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)


class ReplyRecord(Base):
    """A reply recognised by In-Reply-To/References, with the times it proposes."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("workspace_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(300))
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    text: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[list[Any]] = mapped_column(default=list)  # [{"start","end","free",...}]
    source: Mapped[str] = mapped_column(String(20), default="upload")  # upload | imap
    received_at: Mapped[datetime] = mapped_column(default=_now)


class Mailbox(Base):
    """An IMAP mailbox a user connected; the worker polls it for replies past `last_uid`."""

    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    host: Mapped[str] = mapped_column(String(300))
    port: Mapped[int] = mapped_column(Integer, default=993)
    tls: Mapped[str] = mapped_column(String(10), default="tls")  # none | starttls | tls
    username: Mapped[str] = mapped_column(String(320))
    password: Mapped[str] = mapped_column(Text)  # sealed: store/sealing.py (Fernet)
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)  # IMAP: 32 bits unsigned
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class WorkerHealth(Base):
    """One worker process's heartbeat and last round (issue 14): what the status page and
    `fairnotice worker --status` show. Written by the worker itself; a heartbeat older
    than operations/health.STALE reads as "not running"."""

    __tablename__ = "worker_health"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # host:pid:random
    kind: Mapped[str] = mapped_column(String(20), default="worker")  # worker | serve
    started_at: Mapped[datetime] = mapped_column(default=_now)
    heartbeat: Mapped[datetime] = mapped_column(default=_now, index=True)
    stopped_at: Mapped[datetime | None]  # a graceful stop; None while it runs (or died)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    round_at: Mapped[datetime | None]  # the end of the last round recorded
    round_sent: Mapped[int] = mapped_column(Integer, default=0)
    round_voided: Mapped[int] = mapped_column(Integer, default=0)  # expired or cancelled
    round_failed: Mapped[int] = mapped_column(Integer, default=0)
    backlog: Mapped[int | None] = mapped_column(Integer)  # rows due after that round
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed rounds in a row
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class CaldavAccount(Base):
    """A CalDAV account a user connected for one person (an interviewer, a member, the
    candidate), found from its server address (operations/busy/caldav_accounts.py)."""

    __tablename__ = "caldav_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    owner_email: Mapped[str] = mapped_column(String(320))
    server: Mapped[str] = mapped_column(String(2000))  # as the user gave it
    home: Mapped[str] = mapped_column(String(2000))  # the calendar home set found
    username: Mapped[str] = mapped_column(String(256))
    password: Mapped[str] = mapped_column(Text)  # sealed: store/sealing.py (Fernet)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class CaldavCalendar(Base):
    """One calendar of a CalDAV account, as discovery found it. A chosen one counts: it
    is a remote source (`calendar_id`, a `calendars` row of kind "caldav") that every use
    of a calendar reads like an uploaded one (offers, pick re-check, K1, replies)."""

    __tablename__ = "caldav_calendars"
    __table_args__ = (UniqueConstraint("account_id", "href"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("caldav_accounts.id", ondelete="CASCADE"), index=True
    )
    href: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str | None] = mapped_column(String(9))
    freebusy: Mapped[bool] = mapped_column(default=False)  # free-busy-query listed
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id", ondelete="SET NULL"))


class CalendarConnection(Base):
    """An organisation's Microsoft 365 tenant or Google Workspace, connected by OAuth 2
    (operations/busy/cloud.py). While the sign-in is under way it holds the `state`
    (its SHA-256 only), the PKCE verifier (sealed) and the browser session it belongs to;
    then the tokens, sealed like the IMAP passwords. `failing`: the service refused the
    refresh token (revoked, expired); its people's sources cannot answer until connected
    again."""

    __tablename__ = "calendar_connections"
    __table_args__ = (
        CheckConstraint(_one_of("provider", ("microsoft", "google")), name="provider"),
        CheckConstraint(_one_of("state", ("pending", "ready", "failing")), name="state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _workspace()
    provider: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    error: Mapped[str | None] = mapped_column(Text)  # sources.stored_error
    connected_by: Mapped[str] = mapped_column(String(320))
    tokens: Mapped[str | None] = mapped_column(Text)  # sealed JSON: access, refresh, expiry
    state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verifier: Mapped[str | None] = mapped_column(Text)  # sealed PKCE code verifier
    auth_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="SET NULL")
    )
    pending_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=_now)


class CloudPerson(Base):
    """A person whose free/busy a connection reads: a remote source (`calendar_id`, a
    `calendars` row of the connection's provider kind) read like any other calendar."""

    __tablename__ = "cloud_people"
    __table_args__ = (UniqueConstraint("connection_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_connections.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id", ondelete="SET NULL"))
