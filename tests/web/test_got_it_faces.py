"""The faces that show a plan's letters for the user to copy or send by hand show no
"Got it" sentence and no mark (issue 17): the CLI, POST /api/v1/plan, the anonymous plan
page and the plan page's text boxes and mailto: links. The plan page says which letters get
the link when they leave through fairnotice; a letter the user edited there and queued
still gets it, before its closing or, with the closing deleted, at its end. On SQLite and
PostgreSQL (aiosmtpd)."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import unquote

from fastapi import FastAPI

from fairnotice.compose import receipt
from fairnotice.web.i18n import translations
from tests.cli.test_plan_cli import run
from tests.conftest import EXAMPLES
from tests.web.conftest import Browser, Clock
from tests.web.helpers import add_interview, make_plan
from tests.web.test_anonymous_plan import INVITE, plan_page
from tests.web.test_api import api_token
from tests.web.test_got_it import deliver, link_in, mails_to
from tests.web.test_got_it import receipt as stored

SENTENCES = [s for forms in receipt.SENTENCES.values() for s in forms.values()]
MARK = "[\u2713]"
DE = {"Accept-Language": "de-DE,de;q=0.9"}
HINT = "Sent through fairnotice, this letter ends with a one-click 'Got it' link."
HINT_DE = translations("de").gettext(HINT)


def without_it(text: str) -> None:
    assert MARK not in text and "/got-it/" not in text
    for sentence in SENTENCES:
        assert sentence not in text, sentence


def test_the_cli_prints_letters_without_it() -> None:
    for name in (
        "employer-cancel-de.json",
        "employer-cancel-sv.json",
        "candidate-withdraw-en.json",
    ):
        shown = run("plan", str(EXAMPLES / name))
        assert shown.returncode == 0, shown.stderr
        assert "Paralegal" in shown.stdout or "@" in shown.stdout  # the letter is printed
        without_it(shown.stdout)
        data = json.loads(run("plan", str(EXAMPLES / name), "--json").stdout)
        assert data["messages"]
        for message in data["messages"]:
            without_it(message["body"])


def test_the_api_plans_letters_without_it(browser: Browser) -> None:
    auth = api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")
    for name in ("employer-cancel-de.json", "employer-position-filled-sv.json"):
        situation = json.loads((EXAMPLES / name).read_text("utf-8"))
        response = browser.http.post("/api/v1/plan", json=situation, headers=auth)
        assert response.status_code == 200, response.text
        bodies = [m["body"] for m in response.json()["messages"]]
        assert bodies and all(b.strip() for b in bodies)
        without_it("\n".join(bodies))


def test_the_anonymous_plan_page_shows_letters_without_it(app: FastAPI, browser: Browser) -> None:
    for intent in ("withdraw", "reschedule"):
        page = plan_page(browser, {"intent": intent}, file=("invite.ics", INVITE, "text/calendar"))
        assert page.status_code == 200 and "<textarea" in page.text
        without_it(unquote(html.unescape(page.text)))


def test_the_plan_page_shows_it_nowhere_but_says_the_sent_letter_gets_it(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("own@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    page = browser.get(f"/w/{ws}/plans/{plan}", headers=DE)
    assert page.status_code == 200 and "<textarea" in page.text and "mailto:" in page.text
    without_it(unquote(html.unescape(page.text)))
    assert HINT_DE != HINT and " ".join(HINT_DE.split()) in " ".join(
        html.unescape(page.text).split()
    )
    english = html.unescape(browser.get(f"/w/{ws}/plans/{plan}").text)
    kinds = re.findall(r'<article id="\w+" class="message (\w+)"', english)
    emails = sum(kind in ("email", "follow_up_email") for kind in kinds)
    assert emails >= 1 and english.count(HINT) == emails  # under each email, nothing else
    withdrawal = make_plan(browser, ws, add_interview(browser, ws), intent="withdraw")
    assert HINT in html.unescape(browser.get(f"/w/{ws}/plans/{withdrawal}").text)


def test_a_letter_edited_on_the_plan_page_gets_it_when_it_leaves(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("own@example.org")
    sentence = receipt.paragraph("de", True)
    signed = (
        "Sehr geehrter Herr Doe,\n\nich muss den Termin leider verschieben.\n\nViele Grüße\nAlex"
    )
    unsigned = "Sehr geehrter Herr Doe,\n\nich sage den Termin leider ab.\n\nAlex Weber"
    for text, intent in ((signed, "reschedule"), (unsigned, "withdraw")):
        plan = make_plan(browser, ws, add_interview(browser, ws), intent=intent)
        browser.get(f"/w/{ws}/plans/{plan}")
        saved = browser.post(
            f"/w/{ws}/plans/{plan}/messages/m1", {"subject": "Unser Termin", "body": text}
        )
        assert saved.status_code == 303, saved.text
        assert browser.post(f"/w/{ws}/plans/{plan}/queue", {}).status_code == 303
        [(_, body)] = mails_to(deliver(app, clock), "j.doe@example.com")
        body = body.replace("\r\n", "\n").rstrip("\n")
        path = link_in(body)
        block = f"{sentence}\nhttp://testserver{path}"
        if text is signed:
            assert body == text.replace("\n\nViele Grüße", f"\n\n{block}\n\nViele Grüße")
        else:
            assert body == f"{text}\n\n{block}"
        assert stored(app, path).confirmed_at is None
        shown = browser.get(path)
        assert shown.status_code == 200 and stored(app, path).opened_at == clock.now
