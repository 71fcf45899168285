"""The overview's candidates' suggestions in one statement, however many there are (issue
18): it read each offered interview's newest offer and its decline one by one (1 + 2 per
interview), on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import event, select

from fairnotice.store.tables import Candidate, Interview, OutboxMessage
from tests.web.conftest import Browser
from tests.web.employer_setup import LINK, Offered, confirm_offer, offered, written_bodies
from tests.web.helpers import candidate, schedule

WORDS = "Ginge es am Donnerstag, 19. März um 14 Uhr?"


def _statements(app: FastAPI, browser: Browser, path: str) -> tuple[str, int]:
    """The page, and how many statements the server ran for it."""
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        page = browser.get(path)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
    assert page.status_code == 200, page.text
    return page.text, len(seen)


def _decline(browser: Browser, link: str, words: str) -> None:
    browser.get(link)
    declined = browser.post(f"{link}/none", {"suggestion": words})
    assert declined.status_code == 303, declined.text


def _another(app: FastAPI, browser: Browser, setup: Offered, n: int) -> tuple[int, str]:
    """One more candidate and interview (day `n` of March), offered new times: its id and
    pick link."""
    with app.state.sessions() as session:
        pos = session.scalar(select(Interview.position_id).where(Interview.id == setup.interview))
    assert pos is not None
    candidate(browser, setup.org, pos, name=f"Person {n}", email=f"person{n}@example.org")
    with app.state.sessions() as session:
        cand = session.scalar(
            select(Candidate.id).where(Candidate.email == f"person{n}@example.org")
        )
        assert cand is not None
    schedule(browser, setup.org, pos, cand, date=f"2026-03-{n:02d}")
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.candidate_id == cand))
        assert interview is not None
    browser.get(f"/w/{setup.org}/interviews/{interview}")
    assert confirm_offer(browser, setup.org, interview).status_code == 303
    bodies = written_bodies(app, OutboxMessage.interview_id == interview)
    links = [m.group(0) for body in bodies for m in [LINK.search(body)] if m]
    assert len(links) == 1, bodies
    return interview, links[0]


def _section(page: str) -> str:
    start = page.index('id="suggestions"')
    return page[start : page.index("</section>", start)]


def test_the_suggestions_are_read_in_one_statement(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    _decline(other_browser, setup.link, WORDS)
    page, once = _statements(app, browser, f"/w/{setup.org}")
    assert f"/w/{setup.org}/interviews/{setup.interview}#suggestion" in _section(page)
    more = [_another(app, browser, setup, n) for n in (13, 17, 18)]
    for n, (_, link) in enumerate(more):
        _decline(other_browser, link, f"Lieber am {20 + n}. März um 10 Uhr")
    # a fifth offered interview whose offer was not declined: no suggestion
    _another(app, browser, setup, 24)
    page, many = _statements(app, browser, f"/w/{setup.org}")
    section = _section(page)
    shown = [setup.interview, *(i for i, _ in more)]
    assert all(f"/interviews/{i}#suggestion" in section for i in shown), section
    assert section.count("#suggestion") == 4
    assert WORDS in section and "Lieber am 22. März um 10 Uhr" in section
    assert many == once  # the same statements for one suggestion as for four

    # a newer offer for the first interview: its declined one is no longer the newest
    browser.get(f"/w/{setup.org}/interviews/{setup.interview}")
    assert confirm_offer(browser, setup.org, setup.interview).status_code == 303
    section = _section(browser.get(f"/w/{setup.org}").text)
    assert f"/interviews/{setup.interview}#suggestion" not in section
    assert section.count("#suggestion") == 3
