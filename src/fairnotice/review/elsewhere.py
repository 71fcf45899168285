"""M3: the draft tells the employer about another interview or another employer.

By meaning, sentence by sentence, rather than by a list of sentences:

- another or a parallel interview, process, company or employer, a competitor, or an
  interview "elsewhere" (`other_interview`), in any inflection (`~` stems, `*` endings);
- an interview-like event the candidate *has* ("da ich ein Zweitgespräch habe", "I have an
  interview", "jag har en slutintervju", `m3_have`) unless it is this employer's own
  (`m3_own`: "bei Ihnen", "your interview"; `m3_invited`: an invitation to it);
- an interview-like event together with an organisation named in the same sentence that is
  not the situation's company ("assessment centre at KPMG", "Endrunde bei der Deutschen
  Bank", `m3_event` + orgs.py);
- an offer or a contract: in a withdrawal (or when declining this employer's offer) it may
  be said (M4), but naming the new employer draws a warning; in anything else an offer
  elsewhere is an error like an interview.
"""

from __future__ import annotations

from fairnotice.model import Intent
from fairnotice.review import orgs
from fairnotice.review.context import Review

Span = tuple[int, int]
_SAYS_OFFER = frozenset({Intent.withdraw, Intent.decline_offer})  # M4: may say it plainly


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in others)


def _union(spans: list[Span]) -> Span:
    return min(a for a, _ in spans), max(b for _, b in spans)


def check(review: Review) -> None:
    if not review.candidate:
        return
    withdraw = review.intent in _SAYS_OFFER
    own = review.hits("m3_own")
    invited = own + review.hits("m3_invited")
    for sentence in review.draft.sentences():
        contracts = review.hits_in("m3_contract", sentence)
        events = [e for e in review.hits_in("m3_event", sentence) if not _overlaps(e, own)]
        named = orgs.names(review, *sentence) if contracts or events else []
        if contracts and withdraw:
            # M4: an accepted offer may be said plainly, the new employer better not named.
            if named:
                review.warning("M3", "M3_named", _union(contracts[:1] + named))
            continue
        # The passage marked is the most telling one: the words "other" or "elsewhere",
        # else the event with the organisation, else the event the writer has.
        hits = review.hits_in("other_interview", sentence)[:1]
        if not hits and events and named:
            org = named[0]
            event = min(events, key=lambda e: abs(org[0] - e[1]))  # the event it belongs to
            hits = [_union([event, org])]
        if not hits:
            hits = [h for h in review.hits_in("m3_have", sentence) if not _overlaps(h, invited)]
        if hits:
            review.error("M3", "M3", hits[0])
        elif contracts or review.hits_in("other_offer", sentence):
            offers = contracts or review.hits_in("other_offer", sentence)
            review.error("M3", "M3_offer", _union(offers + named))
