"""The thread's form of address, mirrored (C5, M7): du or Sie, first name or surname, the
greeting word, and whether people sign with their first name only.

Read from the other side's messages (what they chose is what we answer with), else from
ours. Pure and small: a few patterns per language, no model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from fairnotice.model import AddressChoice, HistoryMessage, Language, Tone

Form = Literal["formal", "informal"]

_DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer|eure)\b")
_SIE = re.compile(r"(?<![.!?:]\s)(?<!^)\b(Sie|Ihnen|Ihre|Ihren|Ihrem|Ihrer)\b", re.MULTILINE)
_FORMAL_OPENING = {
    Language.de: re.compile(r"^\s*(Sehr geehrte[rs]?|Guten Tag (Herr|Frau))\b", re.MULTILINE),
    Language.en: re.compile(r"^\s*Dear (Mr|Ms|Mrs|Miss|Dr|Professor)\b", re.MULTILINE),
    Language.sv: re.compile(r"^\s*(Bästa|Hej) \S+ \S+[,!]?\s*$", re.MULTILINE),
}
# "Hallo Alex," / "Hi Alex!" / "Hej Alex!": a greeting with a first name alone.
_FIRST_NAME_OPENING = re.compile(
    r"^\s*(Hallo|Hi|Hey|Hej|Hejsan|Hallå|Hello|Liebe|Lieber|Dear)\s+(\w[\w-]*)\s*[,!]?\s*$",
    re.MULTILINE,
)
# A closing line followed by a signature of one word: "Viele Grüße,\nJonas".
_FIRST_NAME_SIGNATURE = re.compile(
    r"(Grüße|Gruß|Grüßen|hälsningar|Hälsningar|Mvh|regards|Regards|wishes|Best|Cheers|Thanks)"
    r"[,!]?\s*\n\s*(\w[\w-]*)\s*$"
)


@dataclass(frozen=True)
class Address:
    """How to address the recipient, and what in the thread made it so."""

    form: Form
    source: Literal["thread", "tone", "default"]
    mirrored: list[str] = field(default_factory=list)
    hello: str | None = None  # the greeting word to answer with ("Hallo", "Hi", "Hej")
    sign_first_name: bool = False  # they signed with their first name only


def _clues(text: str, language: Language) -> tuple[int, int, list[str], str | None, bool]:
    """(informal votes, formal votes, what was seen, greeting word, first-name signature)."""
    informal = formal = 0
    seen: list[str] = []
    hello: str | None = None
    opening = _FIRST_NAME_OPENING.search(text)
    if opening and opening.group(1) != "Dear":
        informal += 1
        hello = opening.group(1)
        seen.append(f"greeting '{hello} {opening.group(2)}'")
    elif opening and language is Language.en:
        seen.append("greeting 'Dear' + first name")
        informal += 1
        hello = "Dear"
    if _FORMAL_OPENING[language].search(text) and not opening:
        formal += 1
        seen.append("formal greeting")
    if language is Language.de:
        if _DU.search(text):
            informal += 2
            seen.append("du")
        elif _SIE.search(text):
            formal += 2
            seen.append("Sie")
    signature = _FIRST_NAME_SIGNATURE.search(text.rstrip())
    if signature:
        informal += 1
        seen.append(f"signed '{signature.group(2)}'")
    return informal, formal, seen, hello, bool(signature)


def detect(
    messages: Sequence[HistoryMessage],
    language: Language,
    *,
    choice: AddressChoice = AddressChoice.auto,
    tone: Tone = Tone.formal,
    tone_given: bool = False,
) -> Address:
    """The form to write in: the user's explicit choice, else the thread's, else the tone."""
    if choice is not AddressChoice.auto:
        return Address(form=choice.value, source="tone")  # type: ignore[arg-type]
    for side in ("them", "me"):
        written = [m.text for m in messages if m.from_ == side and m.channel == "email" and m.text]
        if not written:
            continue
        informal = formal = 0
        seen: list[str] = []
        hello: str | None = None
        first_signature = False
        for text in written[-3:]:  # the latest messages say how things stand now
            a, b, what, word, signed = _clues(text, language)
            informal, formal = informal + a, formal + b
            seen += [w for w in what if w not in seen]
            hello = word or hello
            first_signature = first_signature or signed
        if informal != formal:
            form: Form = "informal" if informal > formal else "formal"
            return Address(
                form=form,
                source="thread",
                mirrored=seen,
                hello=hello if form == "informal" else None,
                sign_first_name=first_signature and form == "informal",
            )
    if tone_given:
        return Address(form=tone.value, source="tone")
    return Address(form=tone.value, source="default")
