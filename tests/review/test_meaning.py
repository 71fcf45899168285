"""Issue 13: the reviewer judges by meaning. Each case is a phrasing the issue reports the
reviewer got wrong (M3 missed, M2 wrong both ways, R4 and M5 false alarms, M1 fooled by
alternatives), put into an otherwise sound draft of the base situation."""

from __future__ import annotations

import re

import pytest

from fairnotice.model import Findings, Language, Severity
from fairnotice.review import review, stems
from fairnotice.review.lexicon import compile_phrase
from fairnotice.review.tokens import parse
from tests.review.situations import situation

# A sound rescheduling draft per language; {reason} is the sentence under test.
RESCHEDULE = {
    "de": (
        "Sehr geehrter Herr Becker,\n\nleider kann ich unser Gespräch für die Stelle als "
        "Paralegal am Dienstag, 17. März, um 14 Uhr in Ihrem Büro nicht wahrnehmen. {reason} "
        "Bitte entschuldigen Sie die Umstände.\n\nIch bin weiterhin sehr interessiert und könnte "
        "am Donnerstag, 19. März, um 10 Uhr oder am Freitag, 20. März, um 11 Uhr. {invite}\n\n"
        "Mit freundlichen Grüßen\nAlex Weber"
    ),
    "sv": (
        "Hej Anna,\n\nTyvärr kan jag inte komma på intervjun för tjänsten som projektledare "
        "tisdag 17 mars kl. 14 på ert kontor. {reason} Jag ber om ursäkt för besväret.\n\nJag är "
        "fortfarande mycket intresserad och kan torsdag 19 mars kl. 10 eller fredag 20 mars "
        "kl. 11. {invite}\n\nVänliga hälsningar\nKim Nilsson"
    ),
    "en": (
        "Dear Ms Doe,\n\nUnfortunately I can't attend our interview for the Paralegal position "
        "on Tuesday 17 March at 2 pm at your office. {reason} I'm sorry for the inconvenience."
        "\n\nI remain very keen on the role and could do Thursday 19 March at 10 am or Friday "
        "20 March at 11 am. {invite}\n\nKind regards,\nAlex Morgan"
    ),
}
INVITE = {
    "de": "Gern können Sie auch einen anderen Termin vorschlagen.",
    "sv": "Föreslå gärna en annan tid.",
    "en": "Please feel free to suggest another time.",
}
WITHDRAW = {
    "de": (
        "Sehr geehrter Herr Becker,\n\nvielen Dank für die Einladung zum Gespräch als Paralegal "
        "am 17. März um 14 Uhr. {reason} Ich ziehe meine Bewerbung deshalb zurück.\n\n"
        "Alles Gute für Sie und Ihr Team.\n\nMit freundlichen Grüßen\nAlex Weber"
    ),
    "sv": (
        "Hej Anna,\n\nTack för inbjudan till intervjun för tjänsten som projektledare den 17 mars "
        "kl. 14. {reason} Jag drar därför tillbaka min ansökan.\n\nLycka till framöver.\n\n"
        "Vänliga hälsningar\nKim Nilsson"
    ),
    "en": (
        "Dear Ms Doe,\n\nThank you for inviting me to interview for the Paralegal position on "
        "17 March at 2 pm. {reason} I am therefore withdrawing my application.\n\nI wish you "
        "every success.\n\nKind regards,\nAlex Morgan"
    ),
}


def reschedule(language: str, reason: str, invite: str | None = None) -> Findings:
    text = RESCHEDULE[language].format(reason=reason, invite=invite or INVITE[language])
    return review(text, situation=situation(language), intent="reschedule")


def withdraw(language: str, reason: str) -> Findings:
    text = WITHDRAW[language].format(reason=reason)
    return review(text, situation=situation(language, intent="withdraw"), intent="withdraw")


def rules(found: Findings) -> set[str]:
    return {f.rule for f in found.findings}


def test_the_frames_are_sound() -> None:
    """Without the sentence under test each frame draws no finding at all."""
    for language in RESCHEDULE:
        assert reschedule(language, "").findings == []
        assert withdraw(language, "").findings == []


@pytest.mark.parametrize(
    ("language", "reason", "passage"),
    [
        ("en", "I have a second-round interview with Clifford Chance then.", "Clifford Chance"),
        ("en", "I have an assessment centre at KPMG that day.", "KPMG"),
        ("en", "I'm interviewing elsewhere that afternoon.", "interviewing elsewhere"),
        ("de", "An dem Tag habe ich ein Zweitgespräch bei BMW.", "BMW"),
        ("de", "Ich stelle mich da bei einem anderen Unternehmen vor.", "anderen Unternehmen"),
        ("de", "Da bin ich in der Endrunde bei der Deutschen Bank.", "Deutschen Bank"),
        ("sv", "Jag har nämligen en slutintervju hos Volvo då.", "Volvo"),
        ("sv", "Jag ska på intervju på annat håll den dagen.", "annat håll"),
        ("sv", "Jag är med i en annan rekryteringsprocess.", "annan rekryteringsprocess"),
    ],
)
def test_another_interview_is_found_by_meaning(language: str, reason: str, passage: str) -> None:
    found = [f for f in reschedule(language, reason).findings if f.rule == "M3"]
    assert len(found) == 1 and found[0].severity is Severity.error
    start, end = found[0].span or (0, 0)
    text = RESCHEDULE[language].format(reason=reason, invite=INVITE[language])
    assert passage in text[start:end]
    assert passage in found[0].text  # the finding quotes its passage


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Ich habe gestern meinen Arbeitsvertrag bei der Siemens AG unterschrieben."),
        ("en", "I have accepted an offer from Freshfields."),
        ("sv", "Jag har skrivit på ett anställningsavtal med Ericsson."),
    ],
)
def test_naming_the_new_employer_in_a_withdrawal_is_a_warning(language: str, reason: str) -> None:
    found = withdraw(language, reason)
    m3 = [f for f in found.findings if f.rule == "M3"]
    assert [f.severity for f in m3] == [Severity.warning]
    assert found.ok  # saying that an offer was accepted is honest (M4)
    name = re.search(r"Siemens AG|Freshfields|Ericsson", reason)
    assert name is not None and name.group() in m3[0].text


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Ich habe inzwischen ein anderes Angebot angenommen."),
        ("en", "I have since accepted another offer."),
        ("sv", "Jag har tackat ja till ett annat erbjudande."),
    ],
)
def test_an_accepted_offer_without_a_name_is_fine_in_a_withdrawal(
    language: str, reason: str
) -> None:
    assert withdraw(language, reason).findings == []
    assert "M3" in rules(reschedule(language, reason))  # not as a reason to move a date


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Zu dieser Zeit habe ich einen Arzttermin, der sich nicht verschieben lässt."),
        ("sv", "Jag har ett läkarbesök då som inte går att flytta."),
        ("en", "I have a doctor's appointment then that I can't move."),
    ],
)
def test_a_plain_doctors_appointment_is_honest_and_fine(language: str, reason: str) -> None:
    assert reschedule(language, reason).findings == []


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("sv", "Jag ska göra en abort den dagen."),
        ("de", "Ich bin schwanger und habe da eine Vorsorgeuntersuchung."),
        ("en", "I have my weekly therapy session then."),
        ("de", "Ich habe an dem Tag einen Arzttermin beim Kardiologen."),
    ],
)
def test_private_detail_is_flagged(language: str, reason: str) -> None:
    found = [f for f in reschedule(language, reason).findings if f.rule == "M2"]
    assert [f.severity for f in found] == [Severity.error]


@pytest.mark.parametrize(
    ("language", "reason", "family", "untrue"),
    [
        ("de", "Meine Mutter muss an dem Tag ins Krankenhaus.", "familiären", "erkrankt"),
        ("sv", "Min pappa ska opereras på sjukhuset den dagen.", "familjeskäl", "du är sjuk"),
        ("en", "My mum is going into hospital that day.", "family reasons", "unwell"),
    ],
)
def test_family_detail_is_reworded_as_family_never_as_illness(
    language: str, reason: str, family: str, untrue: str
) -> None:
    found = [f for f in reschedule(language, reason).findings if f.rule == "M2"]
    assert len(found) == 1
    assert family in found[0].text
    assert untrue not in found[0].text


@pytest.mark.parametrize(
    ("language", "invite"),
    [
        ("de", "Gerne richte ich mich auch nach einem Terminvorschlag von Ihnen."),
        ("de", "Ansonsten passe ich mich gern Ihrem Kalender an."),
        ("de", "Selbstverständlich bin ich auch für andere Vorschläge offen."),
        ("sv", "Du får också gärna komma med ett eget förslag på tid."),
        ("sv", "Annars rättar jag mig gärna efter din kalender."),
        ("en", "Any time at all would be fine, though."),
        ("en", "Otherwise I'll gladly work around your calendar."),
    ],
)
def test_invitations_to_propose_a_time_are_recognised(language: str, invite: str) -> None:
    assert "R4" not in rules(reschedule(language, "", invite=invite))
    assert "R4" in rules(reschedule(language, "", invite="—"))  # and missing without it


@pytest.mark.parametrize(
    ("language", "self_blame", "at_reader"),
    [
        (
            "de",
            "Ich weiß, dass das absolut unprofessionell ist.",
            "Ihr Vorgehen finde ich ziemlich unprofessionell.",
        ),
        ("sv", "Jag vet att det var slarvigt av mig.", "Det är respektlöst av er."),
        ("en", "I know that's really unprofessional of me.", "Frankly, that was poor form."),
    ],
)
def test_rudeness_is_aimed_at_the_reader_not_self_criticism(
    language: str, self_blame: str, at_reader: str
) -> None:
    assert "M5" not in rules(reschedule(language, self_blame))
    assert "M5" in rules(reschedule(language, at_reader))


@pytest.mark.parametrize(
    ("language", "moved", "kept"),
    [
        (
            "de",
            "Sehr geehrte Frau Schulz,\n\nleider muss ich unser Gespräch für die Stelle als "
            "Buchhalter {when}verschieben. Bitte entschuldigen Sie.\n\nIch bin weiterhin "
            "interessiert und könnte am Montag, 16. März, um 10 Uhr oder am Mittwoch, 18. März, "
            "um 14 Uhr. Gern richte ich mich auch nach Ihnen.\n\nMit freundlichen Grüßen\nJan",
            "am Donnerstag, 12. März, um 10 Uhr in Ihrem Büro ",
        ),
        (
            "en",
            "Dear Mr Hughes,\n\nI'm afraid I need to move our interview for the Analyst "
            "position {when}. I apologise.\n\nI'm still very interested and could do Monday 16 "
            "March at 9 am or Tuesday 17 March at 1 pm. Please feel free to suggest another "
            "time.\n\nKind regards,\nSam",
            "on Thursday 12 March at 10 am at your office",
        ),
    ],
)
def test_alternatives_are_not_the_interviews_date(language: str, moved: str, kept: str) -> None:
    """Without a situation the date moved is told from the dates proposed (M1, R4)."""
    without = review(moved.format(when=""), intent="reschedule")
    assert "M1" in rules(without)
    assert "R4" not in rules(without)  # both proposals count as alternatives
    named = review(moved.format(when=kept), intent="reschedule")
    assert rules(named) == set()


@pytest.mark.parametrize(
    ("language", "word", "forms"),
    [
        (Language.de, "~unterschreiben", ("unterschreibe", "unterschreibst", "Unterschreiben")),
        (Language.en, "~sign", ("signed", "signing", "signs")),
        (Language.sv, "~flytta", ("flyttar", "flyttas", "flytta")),
    ],
)
def test_stemmed_words_match_their_inflections(
    language: Language, word: str, forms: tuple[str, ...]
) -> None:
    pattern = re.compile("(?<= )" + compile_phrase(word, language))
    for form in forms:
        draft = parse(f"X {form} y.")
        draft.stem(stems.stem_words([t.text for t in draft.tokens], language))
        assert pattern.search(draft.norm), form
        assert not pattern.search(parse(f"X {form}x y.").norm)


def test_a_time_before_a_capital_ends_the_sentence() -> None:
    draft = parse("Jag kan 19 mars kl. 15. Om det inte passar är jag flexibel.")
    assert len(draft.sentences()) == 2
    assert len(parse("Am 17. März um 14 Uhr.").sentences()) == 1


def test_own_company_position_and_place_are_no_other_organisation() -> None:
    text = (
        "Dear Ms Doe,\n\nThank you for inviting me to a second interview at Hargreaves & Lowe "
        "LLP for the Paralegal position at Fleet Street."
    )
    assert "M3" not in rules(review(text, situation=situation("en"), intent="status_inquiry"))
    other = text.replace("Hargreaves & Lowe LLP", "Baker McKenzie LLP")
    assert "M3" in rules(review(other, situation=situation("en"), intent="reschedule"))


def test_every_m2_m3_m5_finding_quotes_and_rewords_in_the_drafts_language() -> None:
    marks = {"de": "„", "sv": "”", "en": "“"}
    cases = [
        reschedule("de", "Ich habe ein Zweitgespräch bei BMW und danach Migräne."),
        reschedule("sv", "Jag har en slutintervju hos Volvo. Det är respektlöst av er."),
        reschedule("en", "I have an interview at KPMG. Frankly, that's poor form."),
    ]
    for found in cases:
        assert {"M2", "M3", "M5"} & rules(found)
        for f in found.findings:
            if f.rule in {"M2", "M3", "M5"} and f.span is not None:
                opening = marks[found.language.value]
                assert f.text.count(opening) >= 2, f.text  # the passage, then a rewording


@pytest.mark.parametrize(
    ("language", "invite"),
    [
        ("de", "Falls Ihnen ein anderer Tag besser passt, sagen Sie gern Bescheid."),
        ("de", "Sollte beides nicht gehen, finden wir sicher einen anderen Termin."),
        ("en", "If another day is easier for you, just say."),
        ("en", "Feel free to pick a time that's convenient for you."),
        ("sv", "Om en annan dag passar bättre säger du bara till."),
        ("sv", "Jag kan anpassa mig efter era tider."),
    ],
)
def test_conditional_and_open_invitations(language: str, invite: str) -> None:
    assert "R4" not in rules(reschedule(language, "", invite=invite))


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Leider überschneidet sich der Termin mit einem Bewerbungsgespräch."),
        ("de", "Ich bin an dem Tag zum Probearbeiten bei einer Agentur."),
        ("en", "It clashes with a job interview I had already agreed to."),
        ("en", "I've got an interview with a law firm at the same time."),
        ("sv", "Det krockar med en jobbintervju som jag redan har tackat ja till."),
        ("sv", "Jag har blivit kallad till intervju på ett konsultbolag samtidigt."),
    ],
)
def test_a_clash_with_an_interview_at_an_unnamed_company(language: str, reason: str) -> None:
    assert "M3" in rules(reschedule(language, reason))


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Ich habe ein Kundengespräch bei einer Bank in Köln."),
        ("de", "Ich habe an dem Tag eine Schulung bei der IHK."),
        ("en", "I have a client meeting with Deloitte that I cannot move."),
        ("en", "I'm in the final stage of a project with a client firm."),
        ("sv", "Jag har ett kundmöte med Telia som inte går att flytta."),
        ("sv", "Jag har en tenta på KTH den dagen."),
    ],
)
def test_work_and_study_commitments_are_no_other_interview(language: str, reason: str) -> None:
    assert "M3" not in rules(reschedule(language, reason))


def test_an_alternatives_time_is_not_the_interviews_time() -> None:
    """The interview is at 14:00; 14 Uhr on another day is an alternative's time (M1)."""
    text = RESCHEDULE["de"].format(reason="", invite=INVITE["de"])
    without_time = text.replace("17. März, um 14 Uhr", "17. März")
    moved = without_time.replace("um 10 Uhr oder", "um 14 Uhr oder")
    assert "M1" not in rules(review(text, situation=situation("de"), intent="reschedule"))
    found = review(moved, situation=situation("de"), intent="reschedule")
    assert [f.rule for f in found.findings] == ["M1"]
