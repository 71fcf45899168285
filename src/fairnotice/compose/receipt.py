"""Where a letter's "Got it" link goes (issue 17).

The composed letters never mention it: a plan's letters are copied, downloaded and sent
by hand as often as through the outbox, and a link exists only for a notice that leaves
through the outbox. When it does, the worker's link writer (operations/outbox/receipts.py) puts
`paragraph` with the link into the text it sends, just before the letter's closing
(`placed`), so a letter the user edited gets it too and nothing depends on a mark
surviving an edit.
"""

from __future__ import annotations

import re
from typing import Literal

from fairnotice.model import Intent, MessageKind, Role

Form = Literal["formal", "informal"]

# the letters that change an interview (who writes, why), as emails
CHANGES: frozenset[tuple[Role, Intent]] = frozenset(
    {
        (Role.employer, Intent.cancel),
        (Role.employer, Intent.reschedule),
        (Role.employer, Intent.position_filled),
        (Role.candidate, Intent.withdraw),
        (Role.candidate, Intent.reschedule),
    }
)
_KINDS = frozenset({MessageKind.email, MessageKind.follow_up_email})

SENTENCES: dict[str, dict[bool, str]] = {
    "de": {
        True: "Ein Klick hier bestätigt, dass diese Nachricht bei Ihnen angekommen ist:",
        False: "Ein Klick hier bestätigt, dass diese Nachricht bei dir angekommen ist:",
    },
    "sv": {
        True: "Ett klick här bekräftar att mejlet har kommit fram:",
        False: "Ett klick här bekräftar att mejlet har kommit fram:",
    },
    "en": {
        True: "One click here confirms that this message has reached you:",
        False: "One click here lets me know this message reached you:",
    },
}
# the closings the letters use (letters/<lang>/_common.txt `signoff`, regional.toml, notes)
CLOSINGS: dict[str, tuple[str, ...]] = {
    "de": ("Mit freundlichen Grüßen", "Viele Grüße"),
    "sv": ("Med vänliga hälsningar", "Vänliga hälsningar"),
    "en": ("Kind regards", "Best regards", "Best wishes"),
}


def wanted(role: Role, intent: Intent, kind: MessageKind, form: str) -> Form | None:
    """The form of address of a plan letter's "Got it" paragraph, or None: the letter
    does not change an interview (or is no email) and goes without one."""
    if (role, intent) not in CHANGES or kind not in _KINDS:
        return None
    return "informal" if form == "informal" else "formal"


def paragraph(language: str, formal: bool) -> str:
    """The sentence that asks the reader to confirm, in the letter's language and form
    of address (the link goes on the line after it)."""
    return SENTENCES.get(language, SENTENCES["en"])[formal]


def _closing(language: str) -> re.Pattern[str]:
    words = CLOSINGS.get(language, ()) + tuple(
        w for other, ws in CLOSINGS.items() if other != language for w in ws
    )
    return re.compile(r"^(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.MULTILINE)


def placed(text: str, url: str, *, language: str, formal: bool) -> str:
    """`text` with the paragraph and `url` just before its last closing line (a line that
    starts with one of the closings), else at its end."""
    block = f"{paragraph(language, formal)}\n{url}"
    found = list(_closing(language).finditer(text))
    if not found:
        return f"{text.rstrip()}\n\n{block}\n"
    at = found[-1].start()
    head = text[:at].rstrip()
    return f"{head}\n\n{block}\n\n{text[at:]}" if head else f"{block}\n\n{text[at:]}"
