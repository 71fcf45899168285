"""The same checks in every face (issue 13): the CLI, the REST API and the plan page's
"Check this message" give the findings `review` gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

from fairnotice.model import dump
from fairnotice.review import review
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan
from tests.web.test_api import api_token

OTHER = "Zu der Zeit habe ich leider ein Zweitgespräch bei BMW."
HONEST = "Zu der Zeit habe ich leider einen Arzttermin, der sich nicht verschieben lässt."
DRAFT = (
    "Sehr geehrter Herr Becker,\n\nleider kann ich unser Gespräch für die Stelle als Paralegal "
    "am Dienstag, 17. März, um 14 Uhr in Ihrem Büro nicht wahrnehmen. {line} Bitte "
    "entschuldigen Sie die Umstände.\n\nIch bin weiterhin sehr interessiert und könnte am "
    "Donnerstag, 19. März, um 10 Uhr oder am Freitag, 20. März, um 11 Uhr. Gerne richte ich "
    "mich auch nach einem Terminvorschlag von Ihnen.\n\nMit freundlichen Grüßen\nAlex Weber"
)


def _cli(text: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "fairnotice", "review", "-", "--intent", "reschedule", "--json"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(result.stdout))


def test_cli_and_api_give_the_reviewers_findings(browser: Browser) -> None:
    auth = api_token(browser, "faces@example.org")
    for line in (OTHER, HONEST):
        text = DRAFT.format(line=line)
        expected = dump(review(text, intent="reschedule"))
        api = browser.http.post(
            "/api/v1/review", json={"draft": text, "intent": "reschedule"}, headers=auth
        )
        assert api.status_code == 200, api.text
        assert api.json() == expected
        assert _cli(text) == expected
    flagged = dump(review(DRAFT.format(line=OTHER), intent="reschedule"))
    assert [f["rule"] for f in flagged["findings"]] == ["M3"]  # type: ignore[index]
    assert dump(review(DRAFT.format(line=HONEST), intent="reschedule"))["findings"] == []


def _editor(page: str) -> tuple[str, str]:
    body = re.search(r'<textarea id="body-m1" name="body" rows="12">(.*?)</textarea>', page, re.S)
    subject = re.search(r'id="subject-m1" name="subject" value="([^"]*)"', page)
    assert body and subject
    return html.unescape(subject.group(1)), html.unescape(body.group(1))


def test_the_plan_pages_check_marks_the_same_passage(browser: Browser) -> None:
    ws = browser.sign_up("editor@example.org")
    plan = make_plan(browser, ws, add_interview(browser, ws))
    subject, body = _editor(browser.get(f"/w/{ws}/plans/{plan}").text)
    for line, flagged in ((OTHER, True), (HONEST, False)):
        edited = body.replace("\n\n", f"\n\n{line}\n\n", 1)
        response = browser.post(
            f"/w/{ws}/plans/{plan}/messages/m1/check", {"subject": subject, "body": edited}
        )
        assert response.status_code == 200
        block = re.search(r'<div id="check-m1".*?</div>', response.text, re.S)
        assert block is not None
        assert ("/rules#M3" in block.group(0)) is flagged
        assert "/rules#M2" not in block.group(0)  # a plain doctor's appointment is honest
        if flagged:
            assert re.search(r"<mark>[^<]*BMW[^<]*</mark>", block.group(0))
            assert "Termin, den ich nicht verschieben kann" in html.unescape(block.group(0))
