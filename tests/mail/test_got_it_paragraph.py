"""The "Got it" paragraph is the worker's, not the letter's (issue 17): composed letters
never carry it (they are copied and sent by hand too); a notice that changes an interview
and leaves through the outbox gets it, with a working link, just before its closing in the
letter's language and form of address, or at its end when the closing is gone. Delivered
over real SMTP (aiosmtpd). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.compose import receipt
from fairnotice.io import validate
from fairnotice.mail.outgoing import Outgoing
from fairnotice.model import Plan, Situation
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.outbox import receipts
from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.operations.plans.planning import plan_change
from fairnotice.operations.plans.sending import local_workspace, send_plan
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxMessage, Receipt
from tests.conftest import EXAMPLES
from tests.mail.outbox_rows import Clock
from tests.mail.servers import smtp_server
from tests.mail.test_delivery import relay

SECRET = "test-secret-key-0123456789abcdef"
BASE_URL = "https://fairnotice.test"
LINK = re.compile(re.escape(BASE_URL) + r"/got-it/([A-Za-z0-9_-]{40,})")
ALL_SENTENCES = [s for forms in receipt.SENTENCES.values() for s in forms.values()]


def situation(example: str, **options: Any) -> Situation:
    data = json.loads((EXAMPLES / example).read_text("utf-8"))
    data["options"] = {**data.get("options", {}), **options}
    return validate(Situation, data)


def clean(plan: Plan) -> None:
    """No composed letter carries the paragraph or a mark."""
    for message in plan.messages:
        assert "[\u2713]" not in message.body
        assert not any(s in message.body for s in ALL_SENTENCES), message.body
        assert "/got-it/" not in message.body


def delivered(
    sessions: sessionmaker[Session],
    clock: Clock,
    found: Situation,
    plan: Plan,
    links: Callable[[int, Outgoing], Outgoing] | None = None,
    placer: Callable[[Outgoing, str, str], Outgoing] | None = None,
) -> dict[str, str]:
    """The plan queued and sent through aiosmtpd: recipient -> plain body that arrived.
    The worker's hooks: `links` (by default the link writer alone, which reads each
    row's receipt) and `placer` (the receipt hook, from the token read with the claim)."""
    clock.now = found.now or clock.now
    with transaction(sessions, write=True) as session:
        send_plan(
            session,
            situation=found,
            workspace_id=local_workspace(session),
            clock=clock,
            plan=plan,
            first_now=True,
            secret=SECRET,
        )
    with smtp_server() as (port, recorder):
        Deliverer(
            sessions,
            relay(port),
            sender="noreply@fairnotice.test",
            policy=Policy(batch=25, retry_base=timedelta(minutes=1)),
            clock=clock,
            links=links or link_writer(sessions, SECRET, base_url=BASE_URL, clock=clock),
            receipts=placer,
        ).drain()
    bodies = {}
    for item in recorder.received:
        parsed = item.parsed()
        content = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for to in item.rcpt_tos:
            bodies[to] = content.replace("\r\n", "\n")
    return bodies


def works(sessions: sessionmaker[Session], token: str, now: datetime) -> None:
    """The link confirms its notice (the page itself: tests/web/test_got_it.py)."""
    with transaction(sessions, write=True) as session:
        shown = receipts.confirm(session, token, now=now)
    assert shown.confirmed_at == now and not shown.expired


CASES = [
    ("employer-cancel-de.json", {"tone": "formal"}, "de", True, "Mit freundlichen Grüßen"),
    ("candidate-reschedule-informal-thread-de.json", {}, "de", False, "Viele Grüße"),
    ("employer-cancel-sv.json", {}, "sv", True, "Med vänliga hälsningar"),
    ("employer-cancel-en.json", {}, "en", True, "Kind regards"),
]


@pytest.mark.parametrize(("example", "options", "language", "formal", "closing"), CASES)
def test_a_sent_notice_has_the_paragraph_and_a_working_link_before_its_closing(
    sessions: sessionmaker[Session],
    clock: Clock,
    example: str,
    options: dict[str, str],
    language: str,
    formal: bool,
    closing: str,
) -> None:
    found = situation(example, **options)
    plan = plan_change(situation=found, clock=lambda: found.now)
    clean(plan)
    letter = plan.messages[0]
    assert plan.language.value == language and closing in letter.body
    body = delivered(sessions, clock, found, plan)[letter.to]
    sentence = receipt.paragraph(language, formal)
    other = receipt.paragraph(language, not formal)
    assert body.count(sentence) == 1 and (other == sentence or other not in body)
    [token] = LINK.findall(body)
    # the sentence, the link on the next line, a blank line, then the closing
    at = body.index(sentence)
    assert body[at:].startswith(f"{sentence}\n{BASE_URL}/got-it/{token}\n\n{closing}")
    assert body.rindex(closing) > at
    # the letter's own words are all there, in their order, around the paragraph
    assert body.replace(f"{sentence}\n{BASE_URL}/got-it/{token}\n\n", "").strip() == (
        letter.body.strip()
    )
    works(sessions, token, clock.now)


def test_the_worker_places_it_from_the_token_read_with_the_claim(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """As `fairnotice worker` runs (outbox/delivery.deliverer): a letter with a receipt
    and no pick link gets its paragraph from the token its claim read, without the link
    writer's read per message; the link is the one issued at queue time and works."""
    found = situation("employer-cancel-de.json", tone="formal")
    plan = plan_change(situation=found, clock=lambda: found.now)
    letter = plan.messages[0]
    writer = link_writer(sessions, SECRET, base_url=BASE_URL, clock=clock)
    asked: list[int] = []

    def counted(row_id: int, item: Outgoing) -> Outgoing:
        asked.append(row_id)
        return writer(row_id, item)

    placer = receipts.placer(SECRET, base_url=BASE_URL)
    body = delivered(sessions, clock, found, plan, links=counted, placer=placer)[letter.to]
    assert asked == []
    sentence = receipt.paragraph("de", True)
    [token] = LINK.findall(body)
    assert f"{sentence}\n{BASE_URL}/got-it/{token}\n\nMit freundlichen Grüßen" in body
    with sessions() as session:
        issued = session.scalars(select(Receipt.token_hash)).all()
    assert digest(token) in issued
    works(sessions, token, clock.now)


def test_an_edited_letter_gets_it_and_without_its_closing_at_the_end(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    found = situation("employer-cancel-de.json")
    plan = plan_change(situation=found, clock=lambda: found.now)
    letter = plan.messages[0]
    edited = "Guten Tag Frau Berger,\n\nleider müssen wir den Termin absagen.\n\nViele Grüße\nKim"
    unsigned = "Guten Tag Frau Berger,\n\nleider müssen wir den Termin absagen.\n\nKim Schulz"
    for text, ending in ((edited, "\n\nViele Grüße\nKim"), (unsigned, "")):
        changed = plan.model_copy(
            update={"messages": [letter.model_copy(update={"body": text}), *plan.messages[1:]]}
        )
        with transaction(sessions, write=True) as session:  # the earlier round is done
            session.query(OutboxMessage).delete()
        body = delivered(sessions, clock, found, changed)[letter.to].rstrip("\n")
        [token] = LINK.findall(body)
        block = f"{receipt.paragraph('de', True)}\n{BASE_URL}/got-it/{token}"
        if ending:
            assert body == text.replace(ending, f"\n\n{block}{ending}")
        else:
            assert body == f"{text}\n\n{block}"
        works(sessions, token, clock.now)


def test_only_the_notices_that_change_an_interview_are_queued_with_a_receipt(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    for example, wanted in (
        ("employer-cancel-de.json", "formal"),
        ("candidate-reschedule-informal-thread-de.json", "informal"),
        ("candidate-status-inquiry-de.json", None),
    ):
        found = situation(example)
        clock.now = found.now or clock.now
        with transaction(sessions, write=True) as session:
            queued = send_plan(
                session,
                situation=found,
                workspace_id=local_workspace(session),
                clock=clock,
                secret=SECRET,
            )
        with sessions() as session:
            forms = set(
                session.scalars(
                    select(OutboxMessage.receipt_form).where(
                        OutboxMessage.plan_id == queued.plan_id
                    )
                )
            )
        assert forms == {wanted}, example
