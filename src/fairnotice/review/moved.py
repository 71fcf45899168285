"""Which days a draft names are the interview's and which are proposed alternatives (M1, R4).

Without a situation the interview's date is not known, so it is read from the sentences:
a day in a sentence that says the interview is moved or missed ("verschieben", "can't
attend", "kan inte komma") is the interview's; a day in a sentence that proposes ("ich
könnte", "would ... work", "i stället") is an alternative; where a sentence does both, its
first day is the interview's. A question that moves nothing proposes. A day in a sentence
that does neither is the interview's
while none has been found and nothing proposed yet, else an alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairnotice.review.context import Review
from fairnotice.review.when import DayMention, TimeMention


@dataclass(frozen=True, slots=True)
class Days:
    interview: list[DayMention]
    alternatives: list[DayMention]
    interview_sentences: list[tuple[int, int]]


def _cues(review: Review, sentence: tuple[int, int]) -> tuple[bool, bool]:
    a, b = sentence
    moved = bool(review.hits_in("moved", sentence))
    asked = review.draft.text[a:b].rstrip().endswith("?")  # "Would the 19th or the 20th work?"
    return moved, bool(review.hits_in("proposal", sentence)) or (asked and not moved)


def split(review: Review, mentions: list[DayMention]) -> Days:
    interview: list[DayMention] = []
    alternatives: list[DayMention] = []
    neutral: list[tuple[DayMention, bool]] = []  # (mention, before any proposal)
    sentences: list[tuple[int, int]] = []
    proposed = False
    for sentence in review.draft.sentences():
        a, b = sentence
        here = [m for m in mentions if a <= m.start < b]
        moved, proposal = _cues(review, sentence)
        if moved:
            sentences.append(sentence)
        if proposal and not moved:
            alternatives += here
        elif moved and here:
            interview.append(here[0])
            (alternatives if proposal else interview).extend(here[1:])
        else:
            neutral += [(m, not proposed) for m in here]
        proposed |= proposal and not moved
    for mention, early in neutral:
        if early and not interview:
            interview.append(mention)
        else:
            alternatives.append(mention)
    for m in interview:
        holder = review.draft.sentence_at(m.start)
        if holder is not None and holder not in sentences:
            sentences.append(holder)
    return Days(interview, alternatives, sentences)


def times_of_interview(days: Days, times: list[TimeMention]) -> list[TimeMention]:
    """The times named in the sentences about the interview (not among the alternatives)."""
    return [t for t in times if any(a <= t.start < b for a, b in days.interview_sentences)]
