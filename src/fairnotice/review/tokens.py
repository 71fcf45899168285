"""A draft as the checks see it: subject, body, quoted thread blanked out, and tokens.

Tokens keep their character offsets into the original draft, so every finding can mark
its passage. The token stream is also written out as one normalised string (casefolded
tokens separated by single spaces) that the lexicons' phrase patterns run over: phrase
matching is then one regex per category instead of a loop per token and pattern.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

# URLs and e-mail addresses first (one token each), then words with inner hyphens and
# apostrophes ("Paralegal-Stelle", "don't"), then single punctuation marks.
_TOKEN = re.compile(
    r"https?://\S+[^\s.,;:!?)\]>»\"']"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\w+(?:[-'’]\w+)*"
    r"|[^\w\s]"
)
_SUBJECT = re.compile(r"^\s*(?:subject|betreff|ämne|re|aw|sv)\s*:[^\n]*(?:\n|$)", re.I)
# Where a quoted thread begins: "On Tue, ... wrote:", "Am ... schrieb ...:", "Den ... skrev ...:"
_QUOTE_HEAD = re.compile(
    r"^(?:on\s.{4,200}\swrote:|am\s.{4,200}\sschrieb\s.{0,200}:|den\s.{4,200}\sskrev\s.{0,200}:"
    r"|-{2,}\s*(?:original message|ursprüngliche nachricht|ursprungligt meddelande)\s*-{2,}"
    r"|(?:from|von|från):\s.*@.*)\s*$",
    re.I | re.M,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.M)
SENTENCE_END = frozenset(".!?")
ABBREVIATIONS = frozenset(
    [
        "dr",
        "prof",
        "kl",
        "ca",
        "bzw",
        "z",
        "b",
        "d",
        "h",
        "u",
        "a",
        "s",
        "st",
        "nr",
        "mr",
        "ms",
        "mrs",
        "tel",
        "inkl",
        "etc",
        "evtl",
        "ggf",
        "vgl",
        "usw",
        "bl.a",
        "t.ex",
        "fr.o.m",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sep",
        "sept",
        "okt",
        "oct",
        "nov",
        "dec",
        "dez",
    ]
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def norm(self) -> str:
        return normalise(self.text)


def normalise(word: str) -> str:
    """Casefolded, with typographic apostrophes made plain ('ß' becomes 'ss' both sides)."""
    return word.replace("’", "'").casefold()


@dataclass(slots=True)
class Draft:
    """The parsed draft. `masked` has the subject line and quoted thread blanked out."""

    text: str
    masked: str
    body_start: int
    subject: tuple[int, int] | None
    tokens: list[Token]
    norm: str = ""
    _starts: list[int] = field(default_factory=list)

    @property
    def body(self) -> str:
        return self.masked[self.body_start :]

    def span_of(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """Character offsets in the draft of a match in `norm` (token-aligned)."""
        first = bisect_right(self._starts, norm_start) - 1
        last = bisect_right(self._starts, max(norm_end - 1, norm_start)) - 1
        first = max(first, 0)
        last = max(last, first)
        return self.tokens[first].start, self.tokens[last].end

    def words(self) -> list[Token]:
        """Word tokens of the body (no punctuation, no subject line)."""
        return [t for t in self.tokens if t.start >= self.body_start and t.text[0].isalnum()]

    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans of the body: split after . ! ? and at line breaks before a capital
        or blank lines; not after ordinals ("17. März") and common abbreviations."""
        spans: list[tuple[int, int]] = []
        start: int | None = None
        previous_end = self.body_start
        previous = ""
        for token in self.tokens:
            if token.start < self.body_start:
                continue
            gap = self.masked[previous_end : token.start]
            breaks = gap.count("\n")
            if start is not None and (breaks >= 2 or (breaks == 1 and token.text[0].isupper())):
                spans.append((start, previous_end))
                start = None
            if start is None:
                start = token.start
            previous_end = token.end
            if token.text in SENTENCE_END and not (
                token.text == "." and (previous.isdigit() or previous.casefold() in ABBREVIATIONS)
            ):
                spans.append((start, token.end))
                start = None
            previous = token.text
        if start is not None:
            spans.append((start, previous_end))
        return spans


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + "".join(c if c == "\n" else " " for c in text[start:end]) + text[end:]


def parse(text: str) -> Draft:
    """Split off a 'Subject:' line, blank out any quoted thread, tokenise the rest."""
    masked = text
    subject: tuple[int, int] | None = None
    body_start = 0
    head = _SUBJECT.match(text)
    if head:
        subject = (head.start(), head.end())
        body_start = head.end()
    quote = _QUOTE_HEAD.search(masked, body_start)
    if quote:
        masked = _blank(masked, quote.start(), len(masked))
    for line in _QUOTED_LINE.finditer(masked):
        masked = _blank(masked, line.start(), line.end())
    tokens = [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(masked)]
    draft = Draft(text=text, masked=masked, body_start=body_start, subject=subject, tokens=tokens)
    parts: list[str] = []
    position = 1
    for token in tokens:
        draft._starts.append(position)
        norm = token.norm
        parts.append(norm)
        position += len(norm) + 1
    draft.norm = " " + " ".join(parts) + " "
    return draft
