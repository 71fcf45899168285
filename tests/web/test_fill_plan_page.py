"""The plan page of a big fill stays small: it lists the first letters and counts the rest
(linking to the progress page), and never loads every call step of the fill. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.store.session import session_factory, transaction
from fairnotice.store.tables import PlanStep
from fairnotice.web.routes.followups import SHOWN
from tests.web.conftest import START, Browser, Clock
from tests.worker.fill_world import build, start_fill

COUNT = 260


def test_the_plan_page_of_a_fill_lists_the_first_letters_and_counts_the_rest(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    browser.sign_up("lea@muster.example")
    sessions = session_factory(app.state.engine)
    w = build(sessions, count=COUNT, now=START, under_way=10)
    with transaction(sessions, write=True) as session:
        accounts.add_member(
            session, workspace_id=w.workspace_id, email="lea@muster.example", by_user_id=w.user_id
        )
    plan_id = start_fill(sessions, w, clock)
    done = fill_batches.run(sessions, clock=clock)
    assert (done.told, done.problems) == (COUNT, [])
    steps: list[PlanStep] = []

    def loaded(target: PlanStep, context: object) -> None:
        steps.append(target)

    event.listen(PlanStep, "load", loaded)
    try:
        page = browser.get(f"/w/{w.workspace_id}/plans/{plan_id}")
    finally:
        event.remove(PlanStep, "load", loaded)
    assert page.status_code == 200, page.text
    delivery = page.text.split('id="delivery"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r"<li>", delivery)) == SHOWN
    assert f"{COUNT - SHOWN} more messages" in delivery
    assert f'href="/w/{w.workspace_id}/plans/{plan_id}/progress"' in delivery
    assert steps == []  # the fill's calls (late rounds) are on the progress page
    with Session(app.state.engine) as session:
        calls = session.query(PlanStep).filter(PlanStep.plan_id == plan_id).count()
    assert calls > 0  # there were some to load
