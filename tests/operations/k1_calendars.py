"""Calendars for the K1 flow tests: the interview's own event beside others."""

from __future__ import annotations

from typing import Any

from fairnotice.model import Plan

UID = "a1b2c3@example.com"


def event(uid: str, start: str, end: str, summary: str, *, tzid: str = "Europe/Berlin") -> str:
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\n"
        "DTSTAMP:20260301T100000Z\r\n"
        f"DTSTART;TZID={tzid}:{start}\r\n"
        f"DTEND;TZID={tzid}:{end}\r\n"
        f"SUMMARY:{summary}\r\n"
        "END:VEVENT\r\n"
    )


def calendar(*events: str) -> bytes:
    body = "".join(events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fairnotice tests//K1//EN\r\n{body}"
    return (text + "END:VCALENDAR\r\n").encode()


def k1(plan: Plan | dict[str, Any]) -> list[str]:
    warnings = plan["warnings"] if isinstance(plan, dict) else plan.model_dump()["warnings"]
    return [w["text"] for w in warnings if w["rule"] == "K1"]


# The candidate's interview: Mon 16 Mar 2026 14:00-15:00 Berlin.
OWN = event(UID, "20260316T140000", "20260316T150000", "Interview: Paralegal")
BEFORE = event("prep@example.org", "20260316T130000", "20260316T140000", "Prepare, right before")
AFTER = event("standup@example.org", "20260316T150000", "20260316T153000", "Stand-up, right after")
DENTIST = event("dentist@example.org", "20260316T143000", "20260316T153000", "Dentist")
