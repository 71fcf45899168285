"""Inputs and outputs of the stored objects (Create / Update / Public), shared by web and API.

Create shapes reuse the contract's validators (zones, DST gaps, end after start), so a
form, an API call and the CLI reject the same input with the same field named.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from fairnotice import lifecycle
from fairnotice.model import Counterpart, Email, Interview, Language, Name, Phone, Strict, ZoneName

STATUS_BY_ACTION = (
    "is changed by its own actions only: POST /api/v1/interviews/{id}/cancel, /withdraw, "
    "/took-place or /no-show, or an offer of new times"
)
FILLED_BY_ACTION = (
    "is changed by filling the position only (POST /api/v1/positions/{id}/fill), which "
    "tells every remaining candidate"
)
# Ids as the database keeps them (PostgreSQL integer): larger values are a 422, not a 500.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string holding a NUL character (PostgreSQL refuses
    them in text), or None."""
    if isinstance(value, str):
        return path or "(body)" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


class NoNul(BaseModel):
    """Mixin: refuse NUL characters anywhere in the input, naming where."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        found = _nul_path(data)
        if found:
            raise ValueError(f"{found}: contains a NUL character")
        return data


class Person(Strict):
    """An interviewer: their notices come in their own language and zone (default: the
    sending user's language and the interview's zone)."""

    name: Name
    email: Email
    language: Language | None = None
    timezone: ZoneName | None = None


class InterviewCreate(NoNul, Interview):
    """An interview as the contract describes it, plus who is on the other side."""

    contact: Counterpart
    interviewers: list[Person] = Field(default_factory=list, max_length=20)
    history_channel: Literal["email", "phone"] = "email"
    position_id: RowId | None = None
    candidate_id: RowId | None = None


class ContactUpdate(Strict):
    """The other side's details as corrected (a field left out stays as it is; an empty
    salutation or phone removes it)."""

    name: Name | None = None
    salutation: str | None = Field(default=None, max_length=40)
    email: Email | None = None
    phone: Phone | Literal[""] | None = None


class InterviewUpdate(NoNul, Strict):
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    location: str | None = Field(default=None, max_length=1000)
    # an empty string removes the link
    video_url: str | None = Field(default=None, max_length=2000)
    # a candidate's own records only: an organisation's come from its position and candidate
    position: str | None = Field(default=None, min_length=1, max_length=300)
    company: str | None = Field(default=None, min_length=1, max_length=300)
    contact: ContactUpdate | None = None
    # The state changes only through its own actions (cancel, withdraw, took place, ...).
    status: str | None = Field(default=None, json_schema_extra={"deprecated": True})

    @field_validator("status")
    @classmethod
    def _no_status(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(STATUS_BY_ACTION)
        return value

    @field_validator("video_url")
    @classmethod
    def _video_is_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s]+$", value):
            raise ValueError("must be an http(s) URL without spaces")
        return value


class ReceiptPublic(BaseModel):
    """A notice about the interview that went with a "Got it" link (issue 17)."""

    outbox_id: int
    recipient: str
    subject: str
    state: str  # sent | opened | confirmed
    sent_at: datetime | None
    opened_at: datetime | None
    confirmed_at: datetime | None
    call_due: datetime  # unconfirmed by then: a call to-do (C4)


class InterviewPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    position: str
    company: str
    start: datetime
    end: datetime
    timezone: str
    location: str | None
    video_url: str | None
    round: int
    uid: str
    sequence: int
    status: str
    contact: dict[str, Any]
    interviewers: list[dict[str, Any]]
    position_id: int | None
    candidate_id: int | None
    receipts: list[ReceiptPublic] = Field(
        default_factory=list,
        description="its notices' receipts: sent, opened, confirmed (GET of one interview)",
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="the events the lifecycle allows from this state (time guards aside)"
    )
    @property
    def allowed(self) -> list[str]:
        return [event.value for event in lifecycle.allowed(lifecycle.State(self.status))]


class PositionCreate(NoNul, Strict):
    title: str = Field(min_length=1, max_length=300)
    company: str = Field(min_length=1, max_length=300)


class PositionUpdate(NoNul, Strict):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    status: str | None = Field(default=None, json_schema_extra={"deprecated": True})

    @field_validator("status")
    @classmethod
    def _no_status(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(FILLED_BY_ACTION)
        return value


class PositionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    company: str
    status: str


class CandidateCreate(NoNul, Strict):
    name: Name
    email: Email
    phone: Phone | None = None
    language: Language = Language.en
    salutation: str | None = Field(default=None, max_length=40)
    timezone: ZoneName = "UTC"
    round: int = Field(default=1, ge=1, le=20)
    position_id: RowId | None = None


class CandidateUpdate(NoNul, Strict):
    name: Name | None = None
    phone: Phone | None = None
    language: Language | None = None
    round: int | None = Field(default=None, ge=1, le=20)


class CandidatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    email: str
    phone: str | None
    language: str
    salutation: str | None
    timezone: str
    round: int
    status: str
    position_id: int | None


class OfferCreate(Strict):
    interview_id: RowId
    slot_count: int = Field(default=3, ge=3, le=10)
    valid_days: int = Field(default=7, ge=1, le=60)
    reason: str = Field(
        default="other",
        max_length=40,
        description="why the interview must move: other (the default: the letter gives no "
        "reason), interviewer_unavailable, illness, emergency, schedule_conflict; said in "
        "general words",
    )
    public_reason: str | None = Field(
        default=None,
        max_length=1000,
        description="one sentence the letter quotes as given (at most 300 characters); "
        "kept with the interview's audit event",
    )


class SlotPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    start: datetime
    end: datetime
    state: str


class OfferPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    interview_id: int
    state: str
    expires_at: datetime
    suggestion: str | None
    slots: list[SlotPublic]


class OfferCreated(OfferPublic):
    """Returned once, at creation: the only time the link's token is visible."""

    pick_url: str
