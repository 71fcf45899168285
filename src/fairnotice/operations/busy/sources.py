"""Busy sources: every place a person's busy time comes from, under one rule.

A source is a row of `calendars` (store/tables.py `BusyCalendar`). An upload holds its
text and never goes stale. A *remote* source (`remote_kind` set: a subscription link
today; CalDAV by account and Microsoft 365 / Google free/busy plug in the same way) is
asked again by the worker every `REFRESH_EVERY`, with what it answered last
(`Validators`) so that an unchanged calendar costs one conditional request and no parse.

The one rule (`why_not_answering`, used through `busy.why_unread` by plan availability,
offers, the pick re-check and K1): a source answers for [start, end) only when it was
read, its last reading did not fail, it is not stale (a remote source read longer than
`STALE_AFTER` ago), and its window covers the time asked. Otherwise the caller says the
time cannot be checked: a source that cannot answer is never free time.

To add a kind: write a `BusySource` (its `refresh` raises `BadInput` with a plain,
translatable message when the remote side fails), `register` a factory for its kind,
and store one `calendars` row per calendar with `remote_kind`, the sealed address
(`remote_sealed`: whatever the factory needs, sealed with store/sealing.py) and a hint
that may be shown (`remote_hint`). The worker's `refresh.refresh_due` does the rest:
claiming, budget, parsing, recording the outcome and the error shown to the user.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from fairnotice.calendar.budget import Budget
from fairnotice.calendar.expand import Interval
from fairnotice.errors import Phrase, Verbatim

REFRESH_EVERY = timedelta(minutes=30)  # an unchanged calendar: one conditional request
RETRY_AFTER = timedelta(minutes=10)  # after a failed reading
# A remote source not read successfully for this long cannot answer: four hours are eight
# missed refreshes, more than a server's bad afternoon, less than a working morning in
# which new meetings would go unseen.
STALE_AFTER = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Validators:
    """What the source answered last, for a conditional request (RFC 9110 section 13)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Unchanged:
    """The source has not changed since `Validators` (HTTP 304): nothing is parsed."""

    validators: Validators


@dataclass(frozen=True, slots=True)
class Changed:
    """A new answer: iCalendar text (parsed and expanded by the caller within the budget),
    or busy intervals as such (free/busy services), with the validators to send next."""

    validators: Validators
    ics: str | None = None
    intervals: tuple[Interval, ...] = ()


Refreshed = Unchanged | Changed


class BusySource(Protocol):
    """One remote calendar, as the worker asks it. `refresh` raises `BadInput` (one
    problem, its message plain and translatable) when the source cannot answer; the
    message is stored and shown where the source was added."""

    def refresh(self, *, validators: Validators, window: Interval, budget: Budget) -> Refreshed:
        """The source's busy time for `window`, or that it is unchanged since `validators`."""
        ...


@dataclass(frozen=True, slots=True)
class Opening:
    """What a factory gets to build a source: the unsealed address and the app's choices."""

    address: str
    allow_private: bool  # settings.calendars.caldav_allow_private: tests reach a local server
    timeout: float = 20.0


SourceFactory = Callable[[Opening], BusySource]
_FACTORIES: dict[str, SourceFactory] = {}


def register(kind: str, factory: SourceFactory) -> None:
    """Make `kind` (at most 20 characters, stored in `remote_kind`) refreshable."""
    if not kind or len(kind) > 20:
        raise ValueError(f"a source kind is 1 to 20 characters: {kind!r}")
    _FACTORIES[kind] = factory


def factory(kind: str) -> SourceFactory | None:
    return _FACTORIES.get(kind)


@dataclass(frozen=True, slots=True)
class Freshness:
    """The columns of a source the rule reads (a `BusyCalendar` has them all)."""

    id: int
    owner_email: str
    state: str
    error: str | None
    window_start: datetime | None
    window_end: datetime | None
    remote_kind: str | None = None
    refreshed_at: datetime | None = None


class _HasFreshness(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def owner_email(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def window_start(self) -> datetime | None: ...
    @property
    def window_end(self) -> datetime | None: ...
    @property
    def remote_kind(self) -> str | None: ...
    @property
    def refreshed_at(self) -> datetime | None: ...


_STORED = "phrase1:"


def stored_error(message: str) -> str:
    """An error as `calendars.error` keeps it: a Phrase with its template and values, so
    the page shows it in the viewer's language (`shown_error`); at most 2000 characters."""
    template = getattr(message, "template", None)
    if template is None:
        return str(message)[:2000]

    def plain(value: Any) -> Any:
        inner = getattr(value, "template", None)
        if inner is None:
            return str(value)[:500]
        return {"t": inner, "v": {k: plain(v) for k, v in value.values.items()}}

    text = _STORED + json.dumps(plain(message), ensure_ascii=False)
    return text if len(text) <= 2000 else str(message)[:2000]


def shown_error(stored: str | None) -> str | None:
    """The stored error as a Phrase again (translatable), or the text as it was kept."""
    if stored is None or not stored.startswith(_STORED):
        return stored

    def revive(value: Any) -> Any:
        if isinstance(value, dict):
            return Phrase(str(value["t"]), **{k: revive(v) for k, v in value["v"].items()})
        return str(value)

    try:
        return revive(json.loads(stored[len(_STORED) :])) or stored
    except (ValueError, KeyError, TypeError):
        return stored


def who(row: _HasFreshness) -> Phrase:
    """The source as a message names it: a remote one by what may be shown of its address
    (a subscription's host and "…"), an upload by its number."""
    hint = getattr(row, "remote_hint", None)
    if hint:
        return Phrase("calendar %(hint)s (%(email)s)", hint=Verbatim(hint), email=row.owner_email)
    return Phrase("calendar %(id)s (%(email)s)", id=row.id, email=row.owner_email)


def why_not_answering(
    row: _HasFreshness, start: datetime, end: datetime, *, now: datetime
) -> str | None:
    """Why `row` cannot answer for [start, end) at `now`, or None when it can (the
    everyday answer, made without building any text)."""
    if row.state == "failed":
        error = shown_error(row.error) or "unknown error"
        return Phrase("%(who)s could not be read: %(error)s", who=who(row), error=error)
    if row.state == "pending" or row.window_start is None or row.window_end is None:
        return Phrase("%(who)s is being read; ask again in a moment", who=who(row))
    if row.remote_kind is not None:
        if row.refreshed_at is None:
            return Phrase("%(who)s is being read; ask again in a moment", who=who(row))
        if now - row.refreshed_at > STALE_AFTER:
            return Phrase(
                "%(who)s was last read at %(when)s and may have changed since",
                who=who(row),
                when=row.refreshed_at,  # a moment: each page shows it in its viewer's zone
            )
    if start < row.window_start or end > row.window_end:
        return Phrase(
            "%(who)s is read from %(start)s to %(end)s only; the time asked lies outside",
            who=who(row),
            start=f"{row.window_start:%Y-%m-%d}",
            end=f"{row.window_end:%Y-%m-%d}",
        )
    return None
