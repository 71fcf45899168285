"""The reviewer's parts: dates and times by value, inflection and compounds, spans, quoting."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairnotice.errors import BadInput
from fairnotice.model import Language, Severity
from fairnotice.operations.plans.reviewing import draft_text
from fairnotice.review import review, when
from fairnotice.review.lexicon import compile_phrase, lexicon
from fairnotice.review.tokens import parse
from tests.review.situations import situation


@pytest.mark.parametrize(
    ("language", "text", "month", "day"),
    [
        ("de", "am 17. März", 3, 17),
        ("de", "am 17.3. um 10", 3, 17),
        ("de", "Dienstag, 17.03.2026", 3, 17),
        ("de", "am 17. Mrz.", 3, 17),
        ("sv", "tisdag den 17 mars", 3, 17),
        ("sv", "den 17:e mars", 3, 17),
        ("sv", "17/3", 3, 17),
        ("en", "Tuesday 17 March", 3, 17),
        ("en", "March 17th", 3, 17),
        ("en", "the 17th of March", 3, 17),
        ("en", "2026-03-17", 3, 17),
    ],
)
def test_dates_are_read_by_value(language: str, text: str, month: int, day: int) -> None:
    found = when.days(text, lexicon(Language(language)))
    assert len(found) == 1
    assert found[0].names(datetime(2026, month, day).date(), None)
    assert not found[0].names(datetime(2026, month, day + 1).date(), None)


@pytest.mark.parametrize(
    ("language", "text", "hour", "minute"),
    [
        ("de", "um 14 Uhr", 14, 0),
        ("de", "um 14.30 Uhr", 14, 30),
        ("de", "ab 9:15", 9, 15),
        ("sv", "kl. 10", 10, 0),
        ("sv", "klockan 14.00", 14, 0),
        ("en", "at 2 PM", 14, 0),
        ("en", "2:30 p.m.", 14, 30),
        ("en", "at noon", 12, 0),
        ("en", "at 09:00", 9, 0),
    ],
)
def test_times_are_read_by_value(language: str, text: str, hour: int, minute: int) -> None:
    found = when.times(text, lexicon(Language(language)))
    assert [m.names(hour, minute) for m in found] == [True]


def test_weekday_and_date_count_as_one_day() -> None:
    found = when.days("Dienstag, 17. März, oder Mittwoch", lexicon(Language.de))
    assert len(found) == 2
    assert found[0].weekday == 1 and found[0].pairs == frozenset({(3, 17)})


def test_phrases_match_inflection_and_compounds() -> None:
    lex = lexicon(Language.de)
    draft = parse("Ich habe morgen ein anderes Vorstellungsgespräch und bedaure das.")
    assert lex.has("other_interview", draft)
    assert lex.has("apology", draft)
    sv = parse("Jag har en annan anställningsintervju samma dag.")
    assert lexicon(Language.sv).has("other_interview", sv)
    assert not lexicon(Language.sv).has("other_interview", parse("Vår intervju flyttas."))


def test_phrase_gaps_stay_inside_a_sentence() -> None:
    import re

    pattern = re.compile("(?<= )" + compile_phrase("no longer ... interested"))
    assert pattern.search(parse("I am no longer really that interested").norm)
    assert not pattern.search(parse("No longer. I am interested").norm)


def test_span_marks_the_passage() -> None:
    text = "Dear Ms Doe,\n\nI cannot come because of a migraine. Sorry.\n"
    found = review(text, situation=situation("en"))
    medical = [f for f in found.findings if f.rule == "M2"]
    assert medical and medical[0].span is not None
    start, end = medical[0].span
    assert text[start:end] == "migraine"
    assert medical[0].severity is Severity.error
    assert found.ok is False


def test_quoted_thread_is_not_reviewed() -> None:
    body = "Dear Ms Doe,\n\nThank you.\n\n"
    quoted = "On Mon, 2 Mar 2026, Jane Doe wrote:\n> Frankly this is ridiculous.\n"
    plain = review(body + "> Frankly this is ridiculous.\n", intent="status_inquiry")
    assert "M5" not in {f.rule for f in review(body + quoted, intent="status_inquiry").findings}
    assert "M5" not in {f.rule for f in plain.findings}
    assert "M5" in {f.rule for f in review(body + "Frankly this is ridiculous.").findings}


def test_findings_are_written_in_the_drafts_language() -> None:
    found = review("Hej!\n\nJag har feber och kan inte komma på intervjun.\n")
    assert found.language is Language.sv
    assert any("medicinsk" in f.text for f in found.findings)


def test_wrong_language_for_the_conversation() -> None:
    text = "Sehr geehrter Herr Becker,\n\nvielen Dank für Ihre Nachricht.\n"
    rules = {f.rule for f in review(text, situation=situation("de", language="sv")).findings}
    assert "M7" in rules
    same = {f.rule for f in review(text, situation=situation("de")).findings}
    assert "M7" not in same


def test_german_greeting_must_agree_with_the_title() -> None:
    base = "\n\nvielen Dank für Ihre Nachricht zur Stelle als Paralegal.\n"
    s = situation("de", intent="status_inquiry")
    assert review("Sehr geehrter Herr Becker," + base, situation=s).ok
    wrong = review("Sehr geehrte Herr Becker," + base, situation=s)
    assert [f.rule for f in wrong.findings] == ["C5"]
    assert review("Hallo Herr Becker," + base, situation=s).ok is False


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(BadInput) as caught:
        review("Hello", intent="resign")
    assert caught.value.field == "intent"
    with pytest.raises(BadInput) as caught:
        review("Hello", language="fr")
    assert caught.value.field == "language"


def test_eml_and_subject_header_are_unwrapped() -> None:
    raw = "From: a@example.org\nTo: b@example.org\nSubject: Hi there\n\nBody text\n"
    assert draft_text(raw) == "Subject: Hi there\n\nBody text\n"
    assert draft_text("Just a note") == "Just a note"
    draft = parse(draft_text(raw))
    assert draft.subject is not None and draft.masked[draft.body_start :].strip() == "Body text"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from([None, "reschedule", "withdraw", "cancel"]))
def test_any_text_reviews_with_spans_inside_the_draft(text: str, intent: str | None) -> None:
    found = review(text, intent=intent)
    assert found.ok is not any(f.severity is Severity.error for f in found.findings)
    for finding in found.findings:
        if finding.span is not None:
            start, end = finding.span
            assert 0 <= start < end <= len(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Dear",
                "Ms",
                "Doe",
                ",",
                "\n",
                "sorry",
                "17",
                "March",
                "at",
                "2",
                "pm",
                "Tuesday",
                "kl.",
                "14:00",
                "Uhr",
                "another",
                "interview",
                "fever",
                "!!",
                "Paralegal",
                "withdraw",
                "thank",
            ]
        ),
        max_size=60,
    )
)
def test_word_salad_against_a_situation(words: list[str]) -> None:
    text = " ".join(words)
    found = review(text, situation=situation("en"))
    for finding in found.findings:
        assert finding.text
        if finding.span is not None:
            assert 0 <= finding.span[0] < finding.span[1] <= len(text)
