"""The reviewer reads a generated message as what it is (issue 12): its kind, the thread's
form of address, each recipient's language, a calendar with no free time, and facts that
are no explanation. A draft a user writes is still an email, held to every rule."""

from __future__ import annotations

from typing import Any

import pytest

from fairnotice.errors import BadInput
from fairnotice.model import MessageKind
from fairnotice.review import review
from fairnotice.rules.planner import plan
from tests.review.situations import situation

VOICEMAIL = (
    "Guten Tag Herr Becker, hier spricht Alex Weber. Ich rufe wegen meines "
    "Vorstellungsgesprächs als Paralegal am Dienstag, 17. März um 14:00 Uhr an. "
    "Leider muss ich den Termin verschieben. Ich schreibe Ihnen gleich noch eine E-Mail. "
    "Sie erreichen mich unter 0151 0000000. Vielen Dank!"
)


def rules_of(text: str, **kwargs: Any) -> set[str]:
    return {f.rule for f in review(text, **kwargs).findings}


def test_a_voicemail_is_held_to_the_rules_that_fit_it() -> None:
    s = situation("de")
    as_email = rules_of(VOICEMAIL, situation=s, language="de")
    assert {"C5", "R2", "R3", "R4"} <= as_email  # a user's draft: every rule, as before
    assert rules_of(VOICEMAIL, situation=s, language="de", kind="email") == as_email
    assert not rules_of(VOICEMAIL, situation=s, language="de", kind="voicemail")


def test_a_spoken_message_still_keeps_private_detail_out() -> None:
    text = VOICEMAIL.replace("verschieben.", "verschieben, weil meine Chemotherapie ansteht.")
    found = review(text, situation=situation("de"), language="de", kind=MessageKind.voicemail)
    assert [(f.rule, f.severity.value) for f in found.findings] == [("M2", "error")]


def test_a_follow_up_after_the_agreed_time_proposes_nothing() -> None:
    s = situation("de", now="2026-03-17T08:00:00+01:00")  # six hours before: short notice
    text = (
        "Sehr geehrter Herr Becker,\n\nvielen Dank, dass wir mein Vorstellungsgespräch als "
        "Paralegal vom 17. März, 14:00 Uhr, in der Friedrichstraße 10 verlegen konnten. "
        "Entschuldigen Sie nochmals die Umstände; ich freue mich sehr auf das Gespräch.\n\n"
        "Mit freundlichen Grüßen\nAlex Weber"
    )
    assert {"R4", "T3"} <= rules_of(text, situation=s, language="de")
    assert not rules_of(text, situation=s, language="de", kind="follow_up_email")


def test_an_interviewer_notice_is_internal() -> None:
    s = situation("de", role="employer", counterpart={"name": "Maria Schulz"})
    text = (
        "Hallo Frau Berg,\n\ndas Gespräch mit Maria Schulz (Paralegal) am Dienstag, 17. März "
        "um 14:00 Uhr in der Friedrichstraße 10 entfällt. Danke!\n\nJonas"
    )
    assert "C5" in rules_of(text, situation=s, language="de", intent="cancel")
    assert not rules_of(
        text, situation=s, language="de", intent="cancel", kind="interviewer_notice"
    )


def test_an_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(BadInput) as caught:
        review("Hallo", kind="letter")
    assert caught.value.field == "kind"


INFORMAL = "Hallo Alex,\n\nwie besprochen bleibt es bei Dienstag. Viele Grüße\nJonas"
DU_DRAFT = (
    "Hallo Jonas,\n\nleider muss ich unser Gespräch für die Stelle als Paralegal am Dienstag, "
    "17. März um 14:00 Uhr in der Friedrichstraße 10 verschieben. Tut mir leid für die "
    "Umstände! Ich bin weiterhin sehr interessiert. Ginge es am Mittwoch, 18. März um "
    "10:00 Uhr oder am Donnerstag, 19. März um 15:00 Uhr? Sonst schlag gern einen anderen "
    "Termin vor.\n\nViele Grüße\nAlex"
)


def test_the_form_of_address_is_the_threads() -> None:
    """'Hallo Jonas' answers 'Hallo Alex … Jonas' (C5 as the planner mirrors it), though the
    tone left at its default says formal; without the thread it is still flagged."""
    thread = {
        "channel": "email",
        "messages": [{"from": "them", "channel": "email", "text": INFORMAL}],
    }
    assert "C5" in rules_of(DU_DRAFT, situation=situation("de"), language="de")
    assert "C5" not in rules_of(DU_DRAFT, situation=situation("de", history=thread), language="de")
    chosen = situation("de", history=thread, options={"address": "formal"})
    assert "C5" in rules_of(DU_DRAFT, situation=chosen, language="de")  # the user's choice


def test_a_filled_position_is_told_in_each_candidates_language() -> None:
    candidates = [
        {"name": name, "email": f"c{i}@example.org", "language": lang, "round": 1}
        for i, (name, lang) in enumerate(
            [("Karin Holm", "sv"), ("Jane Doe", "en"), ("Maria Schulz", "de")]
        )
    ]
    s = situation("de", role="employer", intent="position_filled", candidates=candidates)
    p = plan(s)
    languages = set()
    for m in p.messages:
        text = f"Subject: {m.subject}\n\n{m.body}" if m.subject else m.body
        found = review(text, situation=s, language=m.language, kind=m.kind)
        assert not [f for f in found.findings if f.rule == "M7"], (m.id, m.language)
        languages.add(m.language)
    assert languages == {"de", "sv", "en"}
    stranger = situation("de", role="employer", intent="position_filled", candidates=candidates[:1])
    english = next(m for m in p.messages if m.language == "en" and m.kind is MessageKind.email)
    assert "M7" in rules_of(english.body, situation=stranger, language="en")


def test_no_free_time_leaves_only_the_invitation() -> None:
    """R4 as the planner applies it: with the calendar full there is nothing to propose, so
    asking them to suggest a time is right; a free calendar still needs alternatives."""
    text = (
        "Sehr geehrter Herr Becker,\n\nleider muss ich mein Vorstellungsgespräch als Paralegal "
        "am Dienstag, 17. März um 14:00 Uhr in der Friedrichstraße 10 verschieben. Bitte "
        "entschuldigen Sie die Umstände. Ich bin weiterhin sehr an der Stelle interessiert. "
        "Welcher Termin würde Ihnen passen? Ich richte mich gern nach Ihrem Vorschlag.\n\n"
        "Mit freundlichen Grüßen\nAlex Weber"
    )
    full = {"busy": [{"start": "2026-03-01T00:00:00+01:00", "end": "2026-05-01T00:00:00+02:00"}]}
    assert "R4" in rules_of(text, situation=situation("de"), language="de")
    assert not rules_of(text, situation=situation("de", availability=full), language="de")
    silent = text.replace(
        " Welcher Termin würde Ihnen passen? Ich richte mich gern nach Ihrem Vorschlag.", ""
    )
    assert "R4" in rules_of(silent, situation=situation("de", availability=full), language="de")


def test_facts_are_no_explanation() -> None:
    """M2 'long' counts the words that explain, not the date, both clocks, the address or
    the title that identify the interview; a long explanation is still one."""
    s = situation(
        "de",
        interview={"position": "Senior Full-Stack-Entwickler*in (m/w/d) für unsere Plattform"},
        counterpart={"timezone": "America/New_York"},
    )
    facts = (
        "Sehr geehrter Herr Becker,\n\nleider kann ich unser Gespräch für die Position als "
        "Senior Full-Stack-Entwickler*in (m/w/d) für unsere Plattform am Dienstag, "
        "17. März 2026 um 09:00 Uhr ET (14:00 Uhr MEZ) in der Friedrichstraße 10, 10117 "
        "Berlin wegen eines Termins, den ich nicht verschieben kann, nicht wahrnehmen. "
        "Bitte entschuldigen Sie die Umstände.\n\nMit freundlichen Grüßen\nAlex Weber"
    )
    assert "M2" not in rules_of(facts, situation=s, language="de")
    long = facts.replace(
        "nicht verschieben kann,",
        "nicht verschieben kann, weil ich seit Wochen mit meinem Vermieter über die Wohnung "
        "streite und der Gutachter, der die Schäden begutachten muss, nur an diesem Tag "
        "kommen kann, denn sonst verliere ich meine Kaution und müsste ausziehen,",
    )
    assert "M2" in rules_of(long, situation=s, language="de")
