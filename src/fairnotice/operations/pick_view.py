"""The pick page's read: one indexed lookup by token hash, the offer and its slots in one
statement, on a pooled connection without an ORM session.

The pick page is the hot, unauthenticated path (every candidate opens their link), and
an ORM session with its transaction costs about 20 times the query itself. The statement
is built with SQLAlchemy Core (so it is the same on SQLite and PostgreSQL), compiled once
per dialect, and its columns are converted by their own SQLAlchemy types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, bindparam, select

from fairnotice.errors import NotFound
from fairnotice.operations.accounts import digest
from fairnotice.operations.offers import OfferView
from fairnotice.store.tables import Interview, Offer, OfferSlot

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
    )
    .join(Interview, Interview.id == Offer.interview_id)
    .outerjoin(OfferSlot, OfferSlot.offer_id == Offer.id)
    .where(Offer.token_hash == bindparam("token_hash"))
    .order_by(OfferSlot.start, OfferSlot.id)
)


class PickReader:
    """Reads an OfferView for a link token; NotFound for any token that is not one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        compiled = _STATEMENT.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        names = compiled.positiontup or []
        self.positional = bool(compiled.positional)
        self.names = list(names)
        processors: list[Callable[[Any], Any] | None] = []
        for column in _STATEMENT.selected_columns:
            processors.append(column.type._cached_result_processor(engine.dialect, None))
        self.processors = processors

    def __call__(self, token: str) -> OfferView:
        if not token or len(token) > 100:
            raise NotFound("offer")
        key = digest(token)
        params: Any = tuple(key for _ in self.names) if self.positional else {"token_hash": key}
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, params)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back (no transaction stays open)
        if not rows:
            raise NotFound("offer")
        converted = [
            [
                value if p is None else p(value)
                for p, value in zip(self.processors, row, strict=True)
            ]
            for row in rows
        ]
        first = converted[0]
        slots = [
            {"id": r[8], "start": r[9], "end": r[10], "state": r[11]}
            for r in converted
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
        )
