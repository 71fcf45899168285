"""The checks, one function per rule family, each recording findings on a `Review`.

Which checks run depends on role and intent (RULEBOOK.md): R2-R4 are a candidate's
rescheduling, W3-W4 a withdrawal, T3 anything that moves or drops an interview at short
notice. With a situation the facts are checked against the interview; without one, only
what the text itself can show.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from fairnotice.compose.titles import short_title
from fairnotice.model import Intent, Role
from fairnotice.review import kinds, moved, when
from fairnotice.review.context import Review
from fairnotice.rules.proposals import spread_proposals

_SHOUT = re.compile(r"\b[A-ZÄÖÜÅ]{3,}(?:\s+[A-ZÄÖÜÅ]{2,})+\b|!{2,}")
_STOP = frozenset(
    [
        "and",
        "und",
        "och",
        "of",
        "the",
        "der",
        "die",
        "das",
        "des",
        "for",
        "für",
        "för",
        "m",
        "w",
        "d",
        "f",
        "in",
        "im",
        "i",
        "a",
        "an",
        "en",
        "ett",
        "ein",
        "eine",
    ]
)

# What M1 requires per intent: (position, date, time, place) -> "error" | "warning" | None
_FACTS: dict[Intent | None, tuple[str | None, str | None, str | None, str | None]] = {
    Intent.reschedule: ("error", "error", "error", "warning"),
    Intent.cancel: ("error", "error", "error", None),
    Intent.withdraw: ("error", "warning", "warning", None),
    Intent.status_inquiry: ("error", None, None, None),
    Intent.position_filled: ("error", None, None, None),
    Intent.thank_you: ("warning", None, None, None),
    Intent.decline_offer: ("warning", None, None, None),
    Intent.reject: ("error", None, None, None),
    None: ("warning", "warning", "warning", None),
}


def infer_intent(review: Review) -> Intent | None:
    """What a draft without a stated intent is about, judged from its wording."""
    for category, intent in (
        ("intent_withdraw", Intent.withdraw),
        ("intent_reschedule", Intent.reschedule),
        ("intent_status", Intent.status_inquiry),
    ):
        if review.lex.has(category, review.draft):
            return intent
    return None


# --- M1 -----------------------------------------------------------------------------


def _position_named(review: Review, position: str) -> bool:
    """The position is named in full or as people say it (short_title: no gender marker
    or long tail, as subjects, scripts and voicemails name it)."""
    short = short_title(position)
    return _title_named(review, position) or (short != position and _title_named(review, short))


def _title_named(review: Review, position: str) -> bool:
    """Most content words of the title appear, also inside compounds and inflected."""
    words = [w.casefold() for w in re.findall(r"\w+", position) if w.casefold() not in _STOP]
    words = [w for w in words if len(w) > 1] or [position.casefold()]
    tokens = [t.norm for t in review.draft.tokens]
    found = 0
    for word in words:
        stem = word[: max(4, len(word) - 2)] if len(word) > 5 else word
        if len(stem) >= 5:
            hit = any(stem in t for t in tokens)
        else:
            hit = any(t == word or t.startswith(word) for t in tokens)
        found += hit
    return found >= math.ceil(len(words) / 2)


def _place_named(review: Review) -> bool:
    s = review.situation
    assert s is not None
    lex, draft = review.lex, review.draft
    if s.interview.video_url:
        return s.interview.video_url in draft.text or lex.has("video", draft)
    location = s.interview.location or ""
    words = [w.casefold() for w in re.findall(r"[^\W\d_]{4,}", location)]
    tokens = {t.norm for t in draft.tokens}
    return any(w in tokens for w in words) or lex.has("office", draft)


def check_facts(review: Review) -> None:
    need = _FACTS.get(review.intent, _FACTS[None])
    if review.role is Role.employer and review.intent is Intent.reschedule:
        need = ("error", "error", "error", None)
    if review.kind in kinds.SPOKEN:
        need = (*need[:3], None)  # the place follows in writing (C3, T3)
    lex, draft, s = review.lex, review.draft, review.situation
    text = draft.masked
    day_mentions = review.days()
    time_mentions = review.times()
    if s is None:
        days = moved.split(review, [m for m in day_mentions if m.start >= draft.body_start])
        present = (
            lex.has("position", draft),
            bool(days.interview),
            bool(moved.times_of_interview(days, time_mentions)),
            lex.has("place", draft),
        )
        keys = ("M1_position_any", "M1_date_any", "M1_time_any", "M1_place_any")
        values: dict[str, str] = {}
    else:
        moment = when.moment(s.interview.start, _zones(review), review.language)
        folded = text.casefold()
        today = review.today()
        present = (
            _position_named(review, s.interview.position),
            any(moment.named_by_day(m, today) for m in day_mentions)
            or any(d in folded for d in moment.folded_dates),
            any(
                moment.named_by_time(m) and not _alternative_time(review, m, moment, today)
                for m in time_mentions
            )
            or any(t in folded for t in moment.folded_times),
            _place_named(review) if s.interview.place else True,
        )
        keys = ("M1_position", "M1_date", "M1_time", "M1_place")
        values = {
            "position": s.interview.position,
            "date": moment.literal_dates[0] if moment.literal_dates else "",
            "time": moment.literal_times[0] if moment.literal_times else "",
            "place": s.interview.place or "",
        }
    for is_there, severity, key in zip(present, need, keys, strict=True):
        if severity and not is_there:
            review.add("M1", severity, key, None, **values)  # type: ignore[arg-type]


def _alternative_time(
    review: Review, mention: when.TimeMention, moment: when.Moment, today: date | None
) -> bool:
    """A time in a sentence that names other days only is an alternative's, not the
    interview's ("ich könnte am 19. März um 14 Uhr")."""
    sentence = review.draft.sentence_at(mention.start)
    if sentence is None:
        return False
    days = [d for d in review.days() if sentence[0] <= d.start < sentence[1]]
    return bool(days) and not any(moment.named_by_day(d, today) for d in days)


def _zones(review: Review) -> list[str]:
    s = review.situation
    assert s is not None
    return [s.interview.timezone, s.counterpart.timezone, s.me.timezone]


# --- M2, M3, M5, M6 ------------------------------------------------------------------


def check_privacy(review: Review) -> None:
    """M2: one finding per sentence with private detail. A plain doctor's appointment is
    honest and fine; a medical word among family words gets the family rewording, so the
    advice never asks anyone to claim an illness that is not theirs."""
    plain = review.hits("appointment")
    medical = [
        m for m in review.hits("medical") if not any(a <= m[0] and m[1] <= b for a, b in plain)
    ]
    family = review.hits("family")
    for sentence in review.draft.sentences() if medical or family else []:
        a, b = sentence
        here = [h for h in medical + family if a <= h[0] < b]
        if not here:
            continue
        key = "M2_family" if any(a <= h[0] < b for h in family) else "M2_medical"
        review.error("M2", key, (min(h[0] for h in here), max(h[1] for h in here)))
    long_reason = _long_justification(review)
    if long_reason is not None:
        if review.intent is Intent.withdraw:
            review.error("W4", "W4_long", long_reason)
        else:
            review.warning("M2", "M2_long", long_reason)


def _long_justification(review: Review) -> tuple[int, int] | None:
    """The passage of explaining sentences, when it is long enough to be a justification."""
    lex, draft = review.lex, review.draft
    topics = lex.find("topic", draft, start=draft.body_start)
    hits = [
        a
        for a, _ in lex.find("reason", draft, start=draft.body_start)
        if not any(x <= a < y for x, y in topics)
    ]
    if not hits:
        return None
    explaining = [(a, b) for a, b in draft.sentences() if any(a <= h < b for h in hits)]
    passage = explaining[0][0], explaining[-1][1]
    if len(explaining) >= lex.limit("reason_sentences"):
        return passage
    words = [w.start() for a, b in explaining for w in _WORD.finditer(draft.text, a, b)]
    if len(words) <= lex.limit("reason_words"):
        return None  # short even with the facts counted: no need to find them
    facts = _fact_spans(review)
    explained = sum(not any(x <= w < y for x, y in facts) for w in words)
    return passage if explained > lex.limit("reason_words") else None


_WORD = re.compile(r"\w+")
_ZONE_WORDS = re.compile(r"\b(?:ET|EST|EDT|CT|PT|UTC|GMT|BST|CET|CEST|MEZ|MESZ|Uhr|kl|AM|PM)\b")


def _fact_spans(review: Review) -> list[tuple[int, int]]:
    """Where the draft states facts (dates, clocks and their zones, the position, the
    company, the address): words that identify the interview, not words that explain."""
    text = review.draft.text
    spans = [(d.start, d.end) for d in review.days()]
    spans += [(t.start, t.end) for t in review.times()]
    spans += [m.span() for m in _ZONE_WORDS.finditer(text)]
    s = review.situation
    if s is not None:
        folded = text.casefold()
        for fact in (s.interview.position, s.interview.company, s.interview.location):
            for part in re.split(r"[,;(]", fact or ""):
                needle = part.strip().casefold()
                at = folded.find(needle) if len(needle) >= 3 else -1
                while at >= 0:
                    spans.append((at, at + len(needle)))
                    at = folded.find(needle, at + len(needle))
    return spans


def check_tone(review: Review) -> None:
    """M5: rudeness aimed at the reader. Self-criticism ("I know that was unprofessional
    of me") is not rude: a sentence that blames the writer and addresses no one is spared."""
    lex, draft = review.lex, review.draft
    for category, key in (("rude", "M5_rude"), ("demands", "M5_demand")):
        for span in lex.find(category, draft):
            sentence = draft.sentence_at(span[0])
            if category == "rude" and sentence is not None and _self_blame(review, sentence):
                continue
            review.error("M5", key, span)
    shout = _SHOUT.search(draft.masked, draft.body_start)
    if shout:
        review.warning("M5", "M5_shout", (shout.start(), shout.end()))


def _self_blame(review: Review, sentence: tuple[int, int]) -> bool:
    return bool(review.hits_in("self_blame", sentence)) and not review.hits_in(
        "second_person", sentence
    )


def check_length(review: Review) -> None:
    lex, draft = review.lex, review.draft
    words = draft.words()
    limit = lex.limit("words")
    if len(words) > limit:
        review.error(
            "M6",
            "M6_long",
            (words[limit].start, words[-1].end),
            count=str(len(words)),
            limit=str(limit),
            words="",
        )
    for span in lex.find("begging", draft):
        review.error("M6", "M6_beg", span)
    hits = [a for a, _ in lex.find("apology", draft, start=draft.body_start)]
    apologies = [(a, b) for a, b in draft.sentences() if any(a <= h < b for h in hits)]
    if len(apologies) >= lex.limit("apologies"):
        review.warning(
            "M6",
            "M6_apologies",
            (apologies[0][0], apologies[-1][1]),
            count=str(len(apologies)),
        )


# --- R2-R4, W3-W4, T3 -----------------------------------------------------------------


def check_reschedule(review: Review) -> None:
    if not (review.candidate and review.intent is Intent.reschedule):
        return
    lex, draft = review.lex, review.draft
    if not lex.has("apology", draft):
        review.error("R2", "R2")
    if not lex.has("interest", draft):
        review.error("R3", "R3")
    if review.hits("agreed"):
        return  # R5's note after the new time is agreed proposes nothing
    mentions = [m for m in review.days() if m.start >= draft.body_start]
    if review.situation is not None:
        moment = when.moment(review.situation.interview.start, _zones(review), review.language)
        today = review.today()
        others = {m.key for m in mentions if not moment.named_by_day(m, today)}
    else:
        days = moved.split(review, mentions)
        others = {m.key for m in days.alternatives} - {m.key for m in days.interview}
    invited = lex.has("invitation", draft)
    if not others and invited and _no_free_time(review):
        return  # nothing free to propose: asking them to suggest a time is all one can do
    if not others:
        review.error("R4", "R4_none")
    elif not invited:
        review.warning("R4", "R4_invite")
    elif len(others) == 1:
        review.warning("R4", "R4_one")


def _no_free_time(review: Review) -> bool:
    """The situation's calendar leaves no time to propose (R4 as the planner applies it)."""
    s, now = review.situation, review.now
    if s is None or now is None or s.availability is None:
        return False
    return not spread_proposals(s, now, count=1, language=review.language.value)


def check_withdrawal(review: Review) -> None:
    if not (review.candidate and review.intent is Intent.withdraw):
        return
    lex, draft = review.lex, review.draft
    if not lex.has("thanks", draft):
        review.error("W3", "W3_thanks")
    if not lex.has("withdrawal", draft):
        review.error("W3", "W3_statement")
    for span in lex.find("requests", draft, start=draft.body_start):
        review.error("W4", "W4_request", span)


_MOVES = frozenset({Intent.reschedule, Intent.withdraw, Intent.cancel})


def check_short_notice(review: Review) -> None:
    s, now = review.situation, review.now
    if s is None or now is None or review.intent not in _MOVES:
        return
    ahead = s.interview.start - now
    if timedelta(0) < ahead < timedelta(hours=24) and not review.lex.has(
        "short_notice", review.draft
    ):
        review.error("T3", "T3")
