"""Typed shapes of CONTRACT.md: the situation that goes in, the plan and findings that come out.

Validation lives here so every face (CLI, API, library) rejects bad input the same way,
with the field named. Names are public: add fields, never rename or remove them.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


class Role(StrEnum):
    candidate = "candidate"
    employer = "employer"


class Intent(StrEnum):
    reschedule = "reschedule"
    withdraw = "withdraw"
    status_inquiry = "status_inquiry"
    cancel = "cancel"
    position_filled = "position_filled"
    # December 2026 additions (CONTRACT.md): letters people also need.
    thank_you = "thank_you"
    decline_offer = "decline_offer"
    reject = "reject"


INTENTS_BY_ROLE: dict[Role, frozenset[Intent]] = {
    Role.candidate: frozenset(
        {
            Intent.reschedule,
            Intent.withdraw,
            Intent.status_inquiry,
            Intent.thank_you,
            Intent.decline_offer,
        }
    ),
    Role.employer: frozenset(
        {Intent.reschedule, Intent.cancel, Intent.position_filled, Intent.reject}
    ),
}


class ReasonCategory(StrEnum):
    illness = "illness"
    family = "family"
    emergency = "emergency"
    work_conflict = "work_conflict"
    schedule_conflict = "schedule_conflict"
    other_interview = "other_interview"
    accepted_offer = "accepted_offer"
    lost_interest = "lost_interest"
    personal_plans = "personal_plans"
    interviewer_unavailable = "interviewer_unavailable"
    position_filled = "position_filled"
    other = "other"


class Certainty(StrEnum):
    sure = "sure"
    unsure = "unsure"


class Language(StrEnum):
    de = "de"
    sv = "sv"
    en = "en"


class Tone(StrEnum):
    formal = "formal"
    informal = "informal"


class AddressChoice(StrEnum):
    """How to address the recipient: mirror the thread (`auto`) or a form the user chose."""

    auto = "auto"
    formal = "formal"
    informal = "informal"


LOCALES = ("en-US", "en-GB", "de-DE", "de-AT", "de-CH", "sv-SE", "sv-FI")


class Urgency(StrEnum):
    normal = "normal"
    short_notice = "short_notice"
    missed = "missed"


class ChannelKind(StrEnum):
    email = "email"
    phone = "phone"
    voicemail = "voicemail"


class MessageKind(StrEnum):
    email = "email"
    phone_script = "phone_script"
    voicemail = "voicemail"
    follow_up_email = "follow_up_email"
    interviewer_notice = "interviewer_notice"


class Action(StrEnum):
    call = "call"
    send = "send"
    leave_voicemail = "leave_voicemail"


class Condition(StrEnum):
    no_reply = "no_reply"
    not_reached = "not_reached"
    after_agreement = "after_agreement"


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    COUNTER = "COUNTER"
    REPLY = "REPLY"
    DECLINECOUNTER = "DECLINECOUNTER"


class Severity(StrEnum):
    error = "error"
    warning = "warning"


# --- value validators ---------------------------------------------------------------


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError (with the name) when there is none."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name like Europe/Berlin)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r} (expected an IANA name like Europe/Berlin)"
        ) from None


def _check_zone(name: str) -> str:
    zone(name)
    return name


ZoneName = Annotated[str, AfterValidator(_check_zone)]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _check_hhmm(value: str) -> str:
    if value != "24:00" and not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    return value


ClockTime = Annotated[str, AfterValidator(_check_hhmm)]


def parse_clock(value: str) -> time:
    """'09:30' -> time(9, 30); '24:00' means the end of the day (time.max)."""
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def nonexistent_local(moment: datetime, zone_name: str) -> bool:
    """True when `moment` is written as a wall-clock time that its zone skips (a DST gap).

    A timestamp in UTC or in another zone's offset is an instant and always fine; only a
    wall time written with one of the zone's own offsets around a gap can be impossible.
    """
    tz = zone(zone_name)
    naive = moment.replace(tzinfo=None)
    offsets = {naive.replace(tzinfo=tz, fold=f).utcoffset() for f in (0, 1)}
    if len(offsets) < 2 or moment.utcoffset() not in offsets:
        return False
    # The wall time exists when some fold maps back to the same wall time.
    for fold in (0, 1):
        local = naive.replace(tzinfo=tz, fold=fold)
        if local.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == naive:
            return False
    return True


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: Any) -> bool:
    """True for text no database column can keep, a NUL (PostgreSQL refuses it) or a lone
    surrogate (no UTF-8 for it), in a string or in the lists and dicts of a field."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, list | tuple | set | frozenset):
        return any(unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    return False


class Strict(BaseModel):
    """Base for contract shapes: unknown fields are errors, so typos never pass silently,
    and no text field holds what the database cannot keep (checked once, here)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if unstorable(value):
            raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
        return value


class Output(BaseModel):
    """Base for shapes fairnotice produces."""

    model_config = ConfigDict(extra="forbid")


# --- situation ----------------------------------------------------------------------


class Period(Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Period:
        if self.end <= self.start:
            raise ValueError("end: must be after start")
        return self


class Reason(Strict):
    category: ReasonCategory = ReasonCategory.other
    detail: str | None = Field(
        default=None, max_length=4000, description="Private words for the user alone."
    )
    public: str | None = Field(
        default=None,
        max_length=300,
        description="A sentence the sender chooses to share, written into the letter as given.",
    )

    @field_validator("public")
    @classmethod
    def _one_plain_sentence(cls, value: str | None) -> str | None:
        if value is not None and re.search(r"[\r\n\x00-\x1f\x7f]", value):
            raise ValueError("must be one line of plain text")
        return value or None


class Interview(Strict):
    position: str = Field(min_length=1, max_length=300)
    company: str = Field(min_length=1, max_length=300)
    start: AwareDatetime
    end: AwareDatetime
    timezone: ZoneName
    location: str | None = Field(default=None, max_length=1000)
    video_url: str | None = Field(default=None, max_length=2000)
    round: int = Field(default=1, ge=1, le=20)
    uid: str | None = Field(default=None, max_length=500)
    sequence: int = Field(default=0, ge=0, le=1_000_000)

    @field_validator("video_url")
    @classmethod
    def _video_is_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s]+$", value):
            raise ValueError("must be an http(s) URL without spaces")
        return value

    @model_validator(mode="after")
    def _check_times(self) -> Interview:
        if self.end <= self.start:
            raise ValueError("end: must be after start")
        if self.end - self.start > timedelta(hours=24):
            raise ValueError("end: an interview cannot last longer than 24 hours")
        for name in ("start", "end"):
            if nonexistent_local(getattr(self, name), self.timezone):
                raise ValueError(
                    f"{name}: {getattr(self, name).isoformat()} does not exist in "
                    f"{self.timezone} (a DST gap)"
                )
        return self

    @property
    def place(self) -> str | None:
        return self.video_url or self.location


Email = Annotated[
    str,
    Field(
        min_length=3,
        max_length=320,
        pattern=r"^[^@\s<>\"(),;:\\\[\]]+@[^@\s<>\"(),;:\\\[\]]+\.[^@\s<>\"(),;:\\\[\]]+$",
    ),
]
Phone = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^\+?[0-9 ()/.\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n\x00-\x1f\x7f]+$")]


class Me(Strict):
    name: Name
    email: Email
    phone: Phone | None = None
    timezone: ZoneName = "UTC"
    salutation: str | None = Field(default=None, max_length=40)


Title = Annotated[str, Field(max_length=40, pattern=r"^[A-Za-zÄÖÜäöüß. ]*$")]


class Counterpart(Strict):
    name: Name
    salutation: str | None = Field(default=None, max_length=40)
    title: Title | None = None  # "Dr.", "Prof. Dr.": kept in German, rendered in English
    email: Email
    phone: Phone | None = None
    timezone: ZoneName = "UTC"


class HistoryMessage(Strict):
    from_: Literal["me", "them"] = Field(alias="from")
    channel: Literal["email", "phone"] = "email"
    at: AwareDatetime | None = None
    text: str = Field(default="", max_length=100_000)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class History(Strict):
    channel: Literal["email", "phone"] | None = None
    messages: list[HistoryMessage] = Field(default_factory=list, max_length=1000)


class WorkingHours(Strict):
    start: ClockTime = "09:00"
    end: ClockTime = "17:00"
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1)

    @field_validator("days")
    @classmethod
    def _days_are_weekdays(cls, value: list[int]) -> list[int]:
        bad = [d for d in value if not 1 <= d <= 7]
        if bad:
            raise ValueError(f"days are ISO weekdays 1 (Monday) to 7 (Sunday), got {bad}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _end_after_start(self) -> WorkingHours:
        if parse_clock(self.end) <= parse_clock(self.start):
            raise ValueError("end: must be after start")
        return self


class Availability(Strict):
    busy: list[Period] = Field(default_factory=list, max_length=100_000)
    calendars: list[str] = Field(default_factory=list, max_length=50)
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    timezone: ZoneName | None = None


class Candidate(Strict):
    name: Name
    email: Email
    phone: Phone | None = None
    round: int = Field(default=1, ge=1, le=20)
    language: Language = Language.en
    salutation: str | None = Field(default=None, max_length=40)
    timezone: ZoneName | None = None
    interview: Interview | None = None
    title: Title | None = None
    locale: str | None = Field(default=None, max_length=10)


class Interviewer(Strict):
    """Someone on the employer's side who meets the candidate: told in their own language."""

    name: Name
    email: Email
    language: Language = Language.en
    timezone: ZoneName | None = None
    salutation: str | None = Field(default=None, max_length=40)
    title: Title | None = None


class Proposals(Strict):
    """How new times are chosen (R4, E2); every default is what a considerate person does."""

    earliest: AwareDatetime | None = None  # none before this moment
    after_original: bool | None = None  # a candidate's: prefer days after the original date
    skip_first_morning: bool | None = None  # an employer's: not the very next morning


class Options(Strict):
    slot_count: int = Field(default=3, ge=1, le=10)
    tone: Tone = Tone.formal
    pick_url: str | None = Field(default=None, max_length=2000)
    address: AddressChoice = AddressChoice.auto
    locale: str | None = Field(default=None, max_length=10)
    proposals: Proposals = Field(default_factory=Proposals)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str | None) -> str | None:
        if value is not None and value not in LOCALES:
            raise ValueError(f"{value!r} is not one of {', '.join(LOCALES)}")
        return value


class Situation(Strict):
    now: AwareDatetime | None = None
    role: Role
    intent: Intent
    language: Language | None = None
    reason: Reason = Field(default_factory=Reason)
    certainty: Certainty = Certainty.sure
    interview: Interview
    me: Me
    counterpart: Counterpart
    history: History = Field(default_factory=History)
    availability: Availability | None = None
    candidates: list[Candidate] = Field(default_factory=list, max_length=100_000)
    options: Options = Field(default_factory=Options)
    agreed: Period | None = None  # the new time both sides agreed (after_agreement)
    interviewers: list[Interviewer] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _intent_fits_role(self) -> Situation:
        allowed = INTENTS_BY_ROLE[self.role]
        if self.intent not in allowed:
            names = ", ".join(sorted(i.value for i in allowed))
            raise ValueError(
                f"intent: {self.intent.value!r} is not an intent of a {self.role.value} ({names})"
            )
        return self


# --- plan ---------------------------------------------------------------------------


class Slot(Output):
    start: datetime
    end: datetime
    why: str | None = None  # why this time, in the plan's language
    label: str | None = None  # as the recipient reads it, zones named where they differ


class Note(Output):
    """A warning or a piece of advice, traced to the rule it comes from."""

    rule: str
    text: str


class CalendarObject(Output):
    method: CalendarMethod | None
    ics: str | None


class Message(Output):
    id: str
    kind: MessageKind
    language: Language
    to: str
    subject: str | None
    body: str
    calendar: CalendarObject | None = None
    recipient: str | None = None


class StepTarget(Output):
    name: str
    phone: str | None = None
    email: str | None = None


class Step(Output):
    order: int
    due: datetime
    action: Action
    channel: ChannelKind
    message: str | None
    condition: Condition | None
    to: StepTarget | None = None


class ChannelChoice(Output):
    primary: Literal["email", "phone"]
    then: list[Literal["email", "voicemail", "phone"]]


class AddressUsed(Output):
    """How the letters address the recipient, and where that came from."""

    form: Literal["formal", "informal"]
    source: Literal["thread", "tone", "default"]
    mirrored: list[str] = Field(default_factory=list)  # what the thread showed


class Plan(Output):
    role: Role
    intent: Intent
    language: Language
    notice_hours: float
    urgency: Urgency
    channel: ChannelChoice
    warnings: list[Note]
    advice: list[Note]
    proposed_slots: list[Slot]
    messages: list[Message]
    steps: list[Step]
    calendar: CalendarObject
    rules_applied: list[str]
    address: AddressUsed | None = None


# --- findings -----------------------------------------------------------------------


class Finding(Output):
    rule: str
    severity: Severity
    text: str
    span: tuple[int, int] | None


class Findings(Output):
    language: Language
    ok: bool
    findings: list[Finding]


def dump(model: BaseModel) -> dict[str, Any]:
    """The contract JSON of a model: RFC 3339 timestamps, enum values, aliases."""
    return model.model_dump(mode="json", by_alias=True)
