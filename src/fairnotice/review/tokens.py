"""A draft as the checks see it: subject, body, quoted thread blanked out, and tokens.

Tokens keep their character offsets into the original draft, so every finding can mark
its passage. The token stream is also written out as one normalised string that the
lexicons' phrase patterns run over (one regex per category instead of a loop per token and
pattern): each token as `form/stem`, casefolded, separated by single spaces; the dot of an
abbreviation or an ordinal is written "·", as it ends no sentence. The stem is the
form itself until `Draft.stem` is given the stems of the draft's language (`review.stems`).
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
_TIME_MARKS = frozenset({":", "kl", "klockan", ".", "um", "at"})  # "kl. 15.", "9.30.", "10:00."
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
    norm: str  # normalise(text), kept: every check reads it


def normalise(word: str) -> str:
    """Casefolded, with typographic apostrophes made plain ('ß' becomes 'ss' both sides) and
    '/' kept apart from the form/stem separator."""
    return word.replace("’", "'").replace("/", "⁄").casefold()


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
    _sentences: list[tuple[int, int]] | None = None
    _token_starts: list[int] | None = None

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

    def stem(self, stems: list[str]) -> None:
        """Rewrite the token string with `stems` (one per token) beside the forms."""
        self._write([normalise(s) for s in stems])

    def _write(self, stems: list[str] | None = None) -> None:
        parts: list[str] = []
        self._starts = []
        position = 1
        for i, token in enumerate(self.tokens):
            self._starts.append(position)
            form = token.norm
            if form == "." and not self._ends(i):
                form = "·"  # "kl." or "17." ends no sentence, so a phrase's gap may cross it
            part = f"{form}/{stems[i] if stems is not None and form != '·' else form}"
            parts.append(part)
            position += len(part) + 1
        self.norm = " " + " ".join(parts) + " "

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The span of the body sentence holding `offset`."""
        spans = self.sentences()
        i = bisect_right(spans, (offset, len(self.text) + 1)) - 1
        return spans[i] if i >= 0 and spans[i][0] <= offset < spans[i][1] else None

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """The tokens inside [start, end)."""
        if self._token_starts is None:
            self._token_starts = [t.start for t in self.tokens]
        i = bisect_right(self._token_starts, start - 1)
        j = bisect_right(self._token_starts, end - 1)
        return [t for t in self.tokens[i:j] if t.end <= end]

    def words(self) -> list[Token]:
        """Word tokens of the body (no punctuation, no subject line)."""
        return [t for t in self.tokens if t.start >= self.body_start and t.text[0].isalnum()]

    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans of the body: split after . ! ? and at line breaks before a capital
        or blank lines; not after ordinals ("17. März") and common abbreviations."""
        if self._sentences is None:
            self._sentences = self._split()
        return self._sentences

    def _ends(self, i: int) -> bool:
        """Whether token `i` ends a sentence: . ! ?, but not the dot of an abbreviation or
        an ordinal ("17. März"), unless a time ends there and a capital follows ("kl. 15.
        Om det ...", "um 10:00. Ich ...")."""
        text = self.tokens[i].text
        if text not in SENTENCE_END:
            return False
        if text != "." or i == 0:
            return True
        previous = self.tokens[i - 1].norm
        if previous in ABBREVIATIONS:
            return False
        if not previous.isdigit():
            return True
        before = self.tokens[i - 2].norm if i >= 2 else ""
        after = self.tokens[i + 1].text if i + 1 < len(self.tokens) else ""
        return before in _TIME_MARKS and after[:1].isupper()

    def _split(self) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        start: int | None = None
        previous_end = self.body_start
        for i, token in enumerate(self.tokens):
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
            if self._ends(i):
                spans.append((start, token.end))
                start = None
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
    tokens = [
        Token(m.group(), m.start(), m.end(), normalise(m.group())) for m in _TOKEN.finditer(masked)
    ]
    draft = Draft(text=text, masked=masked, body_start=body_start, subject=subject, tokens=tokens)
    draft._write()
    return draft
