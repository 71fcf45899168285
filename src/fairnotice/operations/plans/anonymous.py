"""A plan without an account (issue 17): a visitor plans a change of an interview that is
no row anywhere; nothing is stored until they keep the plan.

The plan's inputs (`Draft`: the interview, who they are, what they chose, when it was
planned) travel sealed in the page's forms (`carry`/`carried`: zlib, then Fernet under a
key of their own derived from the app's secret), so "Check this message", the `.eml` and
`.ics` downloads and keeping the plan each plan again from them, purely, at the same
`now`. Keeping it (`keep`) is the normal operations: the interview put on record, the
plan made and stored in the visitor's new or own workspace.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, TooLarge
from fairnotice.io import validate
from fairnotice.model import Situation, dump
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import InterviewCreate
from fairnotice.operations.interviews.inquiry import check_situation
from fairnotice.operations.plans import commands as changes
from fairnotice.operations.plans.planning import plan_change
from fairnotice.store import sealing
from fairnotice.store.tables import Interview, PlanRecord, User

MAX_CARRIED = 256 * 1024  # characters of sealed inputs a form may carry back
_PURPOSE = "\x00fairnotice/anonymous plans v1"  # its own key: never a mailbox password's
_PREFIX = "anon1:"


@dataclass(frozen=True)
class Draft:
    """Everything a plan without an account is made of (JSON-able)."""

    interview: dict[str, Any]  # InterviewCreate as JSON
    me: dict[str, Any]  # name, email, timezone
    choices: dict[str, Any]  # intent, reason, note, certainty, language, days, hours, busy
    now: str  # the moment it was planned (ISO): planning again gives the same plan
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))


def situation(draft: Draft) -> Situation:
    """The contract situation of the draft (pure)."""
    data = validate(InterviewCreate, draft.interview)
    interview = dump(data)
    contact = interview.pop("contact")
    for key in ("interviewers", "history_channel", "position_id", "candidate_id"):
        interview.pop(key, None)
    choices = draft.choices
    found = changes.situation_of(
        interview=interview,
        contact=contact,
        channel=data.history_channel,
        me=draft.me,
        intent=choices["intent"],
        reason=choices["reason"],
        note=choices.get("note") or None,
        certainty=choices["certainty"],
        language=choices.get("language") or None,
        busy=choices.get("busy") or [],
        working_days=choices.get("days") or [1, 2, 3, 4, 5],
        hours=(choices.get("hours_start") or "09:00", choices.get("hours_end") or "17:00"),
    )
    return found.model_copy(update={"now": datetime.fromisoformat(draft.now)})


def plan(draft: Draft) -> tuple[dict[str, Any], dict[str, Any]]:
    """The situation and the plan (contract JSON) of the draft; nothing read or stored.
    A status inquiry while the interview is still ahead is refused (W5)."""
    found = situation(draft)
    assert found.now is not None
    check_situation(found, now=found.now)
    return dump(found), dump(plan_change(situation=found))


def carry(draft: Draft, secret: str) -> str:
    """The draft sealed for a hidden form field; TooLarge (the calendar's busy times are
    what grows) when it would pass `MAX_CARRIED`."""
    packed = zlib.compress(json.dumps(asdict(draft), separators=(",", ":")).encode(), 9)
    sealed = _PREFIX + sealing.seal(base64.b64encode(packed).decode("ascii"), secret + _PURPOSE)
    if len(sealed) > MAX_CARRIED:
        raise TooLarge(
            [("calendar", N_("too many busy times to plan with; choose a shorter calendar"))]
        )
    return sealed


def carried(text: str, secret: str) -> Draft:
    """The draft a form carried back; BadInput (`carried`) when it was not sealed here
    with this secret or was changed on the way."""
    spoiled = BadInput([("carried", N_("this plan could not be read again; please make it anew"))])
    if not text.startswith(_PREFIX) or len(text) > MAX_CARRIED:
        raise spoiled
    sealed = text[len(_PREFIX) :]
    if not sealing.is_sealed(sealed):  # unseal would take a plain value as it is
        raise spoiled
    try:  # authenticated: only what this server sealed is ever decompressed
        packed = sealing.unseal(sealed, secret + _PURPOSE, what="plan")
        raw = json.loads(zlib.decompress(base64.b64decode(packed)))
        return Draft(**raw)
    except (sealing.Unsealable, binascii.Error, zlib.error, ValueError, TypeError):
        raise spoiled from None


def keep(
    session: Session, *, workspace_id: int, user: User, draft: Draft, clock: Callable[[], datetime]
) -> PlanRecord:
    """The draft's interview put on record in the workspace and its plan made and stored
    there, by the normal operations (the user's own name, address and zone). Kept once: a
    draft sent again finds the interview it made and that interview's newest plan."""
    data = validate(InterviewCreate, draft.interview)
    uid = data.uid or f"{draft.nonce}@fairnotice"  # as records.new_uid writes one
    row = session.scalar(
        select(Interview).where(Interview.workspace_id == workspace_id, Interview.uid == uid)
    )
    if row is not None:
        newest = session.scalar(
            select(PlanRecord)
            .where(PlanRecord.workspace_id == workspace_id, PlanRecord.interview_id == row.id)
            .order_by(PlanRecord.id.desc())
            .limit(1)
        )
        if newest is not None:
            return newest
    else:
        if data.uid is None:  # the UID names the kept draft: sent again, it is found
            data = data.model_copy(update={"uid": uid})
        row = records.create_interview(session, workspace_id=workspace_id, data=data)
    choices = draft.choices
    return changes.plan_for_interview(
        session,
        workspace_id=workspace_id,
        interview_id=row.id,
        user=user,
        clock=clock,
        intent=choices["intent"],
        reason=choices["reason"],
        note=choices.get("note") or None,
        certainty=choices["certainty"],
        language=choices.get("language") or None,
        working_days=choices.get("days") or [1, 2, 3, 4, 5],
        hours=(choices.get("hours_start") or "09:00", choices.get("hours_end") or "17:00"),
        busy=choices.get("busy") or [],
    )
