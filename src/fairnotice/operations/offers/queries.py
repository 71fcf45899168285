"""The pick page's read: one indexed lookup by token hash, the offer and its slots in one
statement, on a pooled connection without an ORM session.

The pick page is the hot, unauthenticated path (every candidate opens their link), and
an ORM session with its transaction costs about 20 times the query itself. The statement
is built with SQLAlchemy Core (so it is the same on SQLite and PostgreSQL), compiled once
per dialect (store/raw.py), and its columns are converted as their types say.
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select

from fairnotice.errors import NotFound
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.offers.commands import OfferView
from fairnotice.store.raw import Prepared
from fairnotice.store.tables import Interview, Offer, OfferSlot, Workspace

_STATEMENT = (
    select(
        Offer.id,
        Offer.state,
        Offer.expires_at,
        Offer.picked_slot_id,
        Offer.language,
        Offer.timezone,
        Interview.position,
        Interview.company,
        OfferSlot.id.label("slot_id"),
        OfferSlot.start.label("slot_start"),
        OfferSlot.end.label("slot_end"),
        OfferSlot.state.label("slot_state"),
        Workspace.pick_notice_minutes,
        Interview.status.label("interview_status"),
        Interview.start.label("interview_start"),
        Interview.end.label("interview_end"),
        Interview.location,
        Interview.video_url,
        Offer.address_form,
    )
    .join(Interview, Interview.id == Offer.interview_id)
    .join(Workspace, Workspace.id == Offer.workspace_id)
    .outerjoin(OfferSlot, OfferSlot.offer_id == Offer.id)
    .where(Offer.token_hash == bindparam("token_hash"))
    .order_by(OfferSlot.start, OfferSlot.id)
)


class PickReader:
    """Reads an OfferView for a link token; NotFound for any token that is not one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.read = Prepared(engine, _STATEMENT)

    def __call__(self, token: str) -> OfferView:
        if not token or len(token) > 100:
            raise NotFound("offer")
        rows = self.read({"token_hash": digest(token)})
        if not rows:
            raise NotFound("offer")
        first = rows[0]
        slots = [
            {"id": r[8], "start": r[9], "end": r[10], "state": r[11]}
            for r in rows
            if r[8] is not None
        ]
        return OfferView(
            id=first[0],
            state=first[1],
            expires_at=first[2],
            picked_slot_id=first[3],
            language=first[4],
            timezone=first[5],
            position=first[6],
            company=first[7],
            slots=slots,
            notice_minutes=int(first[12]),
            interview_status=first[13],
            interview_start=first[14],
            interview_end=first[15],
            location=first[16],
            video_url=first[17],
            formal=first[18] != "informal",
        )
