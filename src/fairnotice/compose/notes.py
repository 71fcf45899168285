"""Short fixed notes that are not part of a plan: one template per note and language,
subject and body as blocks, written natively like the letters.

`letters/<lang>/note_<name>.txt`:

- `time_confirmed`: a time picked from an offer, to the candidate and each interviewer
  (the calendar update rides along); facts `recipient`, `position`, `company`, `when`,
  `sender` (may be empty).
- `times_declined`: none of the offered times work, to the employer who offered them, with
  the candidate's own suggestion; facts `candidate`, `position`, `company`, `suggestion`.
- `interview_invitation`: an interview put on record by the employer, to the candidate and
  each interviewer, with the REQUEST; facts as `time_confirmed`, plus `candidate` (whom an
  interviewer meets; empty in the candidate's own invitation), `location` and `video_url`
  (either may be empty).
- `interview_cancelled`: the interview is off, to each interviewer, with the CANCEL (the
  candidate hears it in the planner's letter); facts as `time_confirmed`.
- `password_reset`: a single-use link to set a new password, to the account's owner;
  facts `name`, `link`, `minutes` (how long it works).
- `account_exists`: someone tried to sign up with the address of an existing account, to
  that account's owner (the page tells nobody); facts `name`, `signin`, `reset` (URLs).
- `call_reminder`: no reply came to a plan's letter by its "call if no reply" step, to
  the user (fairnotice's own voice); facts `recipient` (the user, may be empty),
  `person` (whom to call), `phone` (their number; empty when unknown), `position`, `company`,
  `when` (the planned call, in the user's language and zone).

Facts arrive formatted (dates in the reader's locale and zone); a missing one is an error.
"""

from __future__ import annotations

from typing import Literal

from fairnotice.compose.render import _template, _tidy
from fairnotice.model import Language

NoteName = Literal[
    "time_confirmed",
    "times_declined",
    "interview_invitation",
    "interview_cancelled",
    "password_reset",
    "account_exists",
    "call_reminder",
]
NOTES: tuple[NoteName, ...] = (
    "time_confirmed",
    "times_declined",
    "interview_invitation",
    "interview_cancelled",
    "password_reset",
    "account_exists",
    "call_reminder",
)


def note_name(name: NoteName, language: Language) -> str:
    return f"{language.value}/note_{name}.txt"


def render_note(name: NoteName, language: Language, **facts: str) -> tuple[str, str]:
    """(subject, body) of a note in `language`."""
    template = _template(note_name(name, language))
    context = template.new_context(dict(facts))
    body = _tidy("".join(template.blocks["body"](context)))
    subject = " ".join("".join(template.blocks["subject"](context)).split())
    return subject, body
