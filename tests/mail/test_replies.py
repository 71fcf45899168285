"""Reading replies: the new words only, the ids they refer to, and the times they propose."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fairnotice.mail.replies import fresh_text, read_message
from fairnotice.review.proposals import read_proposals
from tests.mail.reply_corpus import load, score

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_corpus_has_at_least_twenty_native_replies_per_language(language: str) -> None:
    cases = load(language)
    assert len(cases) >= 20
    assert {c.language for c in cases} == {language}
    assert sum(1 for c in cases if not c.times) >= 2  # replies that propose nothing, too


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_proposed_times_are_read_exactly_in_most_replies(language: str) -> None:
    result = score(load(language))
    # Figures in bench/README.md (bench/delivery_replies.py prints them).
    assert result.accuracy >= 0.9, "\n".join(result.misses)
    assert result.precision >= 0.95, "\n".join(result.misses)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
@pytest.mark.parametrize("round_", ["heldout", "heldout2"])
def test_held_out_replies_are_mostly_read(language: str, round_: str) -> None:
    result = score(load(f"{language}_{round_}"))
    assert result.cases >= 8
    assert result.accuracy >= 0.75, "\n".join(result.misses)


@pytest.mark.parametrize(
    ("language", "zone", "text", "want"),
    [
        ("de", "Europe/Berlin", "Ginge Donnerstagvormittag um 10?", ["2026-03-12T10:00"]),
        ("de", "Europe/Berlin", "Mittwochnachmittag gegen 3?", ["2026-03-11T15:00"]),
        ("sv", "Europe/Stockholm", "Går det på tisdagseftermiddag kl. 2?", ["2026-03-17T14:00"]),
        ("en", "Europe/London", "How does 11 o'clock on Friday sound?", ["2026-03-13T11:00"]),
        ("en", "Europe/London", "Monday 23rd at 10:00?", ["2026-03-23T10:00"]),
        ("en", "Europe/London", "Could you do the 2nd at 9am?", ["2026-04-02T09:00"]),
        (
            "sv",
            "Europe/Stockholm",
            "Onsdag 18/3 kl. 13, alternativt torsdag 19/3 samma tid.",
            ["2026-03-18T13:00", "2026-03-19T13:00"],
        ),
        (
            "de",
            "Europe/Berlin",
            "Am 26.03. um 10 Uhr. Sonst der 27.03. zur gleichen Uhrzeit.",
            ["2026-03-26T10:00", "2026-03-27T10:00"],
        ),
        ("de", "Europe/Berlin", "Freitag geht nicht. Um 10 Uhr wäre gut.", []),
    ],
)
def test_compounds_oclock_ordinals_and_the_same_time(
    language: str, zone: str, text: str, want: list[str]
) -> None:
    found = read_proposals(text, language=language, zone=zone, written=TUESDAY)
    assert [p.start.strftime("%Y-%m-%dT%H:%M") for p in found] == want


def test_the_three_examples_of_the_issue() -> None:
    cases = [
        ("de", "Europe/Berlin", "Wie wäre es mit Donnerstag um 15 Uhr?", "2026-03-12T15:00"),
        ("sv", "Europe/Stockholm", "Passar onsdag kl. 13?", "2026-03-11T13:00"),
        ("en", "Europe/London", "How about Thursday at 3pm?", "2026-03-12T15:00"),
    ]
    for language, zone, text, want in cases:
        found = read_proposals(text, language=language, zone=zone, written=TUESDAY)
        assert [p.start.strftime("%Y-%m-%dT%H:%M") for p in found] == [want]
        assert found[0].start.tzinfo == ZoneInfo(zone)


def test_times_are_in_the_threads_zone_across_a_dst_change() -> None:
    written = datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN)  # Friday; clocks go forward Sunday
    (found,) = read_proposals("Passt Montag um 10 Uhr?", language="de", zone="Europe/Berlin",
                              written=written)  # fmt: skip
    assert found.start.isoformat() == "2026-03-30T10:00:00+02:00"


def test_a_day_that_does_not_suit_is_not_a_proposal() -> None:
    text = "Donnerstag geht leider nicht, aber Freitag um 9 Uhr."
    found = read_proposals(text, language="de", zone="Europe/Berlin", written=TUESDAY)
    assert [p.start.day for p in found] == [13]
    assert found[0].text == "Freitag um 9 Uhr"


def test_quoted_history_and_signature_are_cut() -> None:
    body = (
        "Freitag passt.\n\n-- \nJonas Doe\nTel. 030 1234\n\n"
        "Am 10.03.2026 um 09:12 schrieb Alex <a@b.de>:\n> Montag um 14 Uhr?"
    )
    assert fresh_text(body) == "Freitag passt."
    assert fresh_text("Yes.\n> old\n> older\n") == "Yes."
    interleaved = "> Can you do Monday?\nNo, but Tuesday at 10am.\n> Thanks"
    assert fresh_text(interleaved) == "No, but Tuesday at 10am."


def test_read_message_takes_ids_sender_date_and_new_text() -> None:
    raw = (
        b"From: Jonas Doe <j.doe@example.com>\r\n"
        b"To: alex@example.org\r\n"
        b"Subject: =?utf-8?q?AW=3A_Verschiebung_des_Gespr=C3=A4chs?=\r\n"
        b"Date: Tue, 10 Mar 2026 11:15:00 +0100\r\n"
        b"Message-ID: <reply-1@example.com>\r\n"
        b"In-Reply-To: <abc@example.org>\r\n"
        b"References: <first@example.org> <abc@example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Wie w\xc3\xa4re es mit Donnerstag um 15 Uhr?\r\n\r\n"
        b"Am 10.03.2026 schrieb Alex Weber <alex@example.org>:\r\n> Hallo\r\n"
    )
    got = read_message(raw)
    assert got.message_id == "<reply-1@example.com>"
    assert got.refers_to == ("<abc@example.org>", "<first@example.org>")
    assert got.sender == "j.doe@example.com"
    assert got.subject == "AW: Verschiebung des Gesprächs"
    assert got.written == datetime(2026, 3, 10, 11, 15, tzinfo=BERLIN)
    assert got.text == "Wie wäre es mit Donnerstag um 15 Uhr?"


def test_an_html_only_reply_is_read_as_text() -> None:
    raw = (
        b"From: hr@example.com\r\nMessage-ID: <h@example.com>\r\nIn-Reply-To: <x@example.org>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><style>p{}</style><p>How about <b>Friday</b> at 2pm?</p>"
        b"<blockquote>Monday at 9am?</blockquote></html>"
    )
    got = read_message(raw)
    assert got.text == "How about Friday at 2pm?"
    found = read_proposals(got.text, language="en", zone="Europe/London", written=TUESDAY)
    assert [p.start.hour for p in found] == [14]
