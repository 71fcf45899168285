"""Which rules fit which kind of message (RULEBOOK.md), so a script, a voicemail or a note
to a colleague is not read as if it were the email.

- email: every rule (a draft a user writes is an email).
- follow-up email (R5): sent after the new time is agreed; it repeats the apology and the
  interest and proposes nothing (no R4), and the short notice was dealt with before (no T3).
- phone script: spoken, so no written salutation (C5); the place follows in the email that
  confirms the call (T3, C3), so M1 asks for position, date and time only.
- voicemail (C3): brief, asks for a call back; the email right after carries the apology,
  the interest, the new times and the word on the short notice (no R2-R4, T3), and the
  place (M1), as for a script.
- interviewer notice: internal, to a colleague in their own language; none of the
  candidate's etiquette (R, W, T3) nor a salutation to a stranger (C5) applies.
"""

from __future__ import annotations

from fairnotice.model import MessageKind

SKIPPED: dict[MessageKind, frozenset[str]] = {
    MessageKind.email: frozenset(),
    MessageKind.follow_up_email: frozenset({"R4", "T3"}),
    MessageKind.phone_script: frozenset({"C5"}),
    MessageKind.voicemail: frozenset({"C5", "R2", "R3", "R4", "T3"}),
    MessageKind.interviewer_notice: frozenset({"C5", "R2", "R3", "R4", "W3", "W4", "T3"}),
}
SPOKEN = frozenset({MessageKind.phone_script, MessageKind.voicemail})
