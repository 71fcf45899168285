"""Roles in an organisation: owners add members, change roles and revoke anyone's API
tokens; members revoke only their own (403 otherwise, in the viewer's language); an
organisation keeps at least one owner; the database takes no other role."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from fairnotice.store.tables import ApiToken, Member
from tests.web.conftest import Browser
from tests.web.helpers import organisation


def _tokens(app: FastAPI) -> dict[str, int]:
    with app.state.sessions() as session:
        return {t.label: t.id for t in session.scalars(select(ApiToken))}


def _roles(app: FastAPI, org: int) -> dict[int, str]:
    with app.state.sessions() as session:
        rows = session.scalars(select(Member).where(Member.workspace_id == org))
        return {m.user_id: m.role for m in rows}


def _user_id(app: FastAPI, org: int, role: str) -> int:
    return next(uid for uid, r in _roles(app, org).items() if r == role)


def test_members_may_not_manage_the_organisation_owners_may(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    browser.sign_up("owner@example.com", name="Olga Owner")
    org = organisation(browser)
    other_browser.sign_up("member@example.com", name="Max Member")
    assert browser.post(f"/w/{org}/members", {"email": "member@example.com"}).status_code == 303
    member_id = _user_id(app, org, "member")
    owner_id = _user_id(app, org, "owner")
    browser.post(f"/w/{org}/tokens", {"label": "owner's"})
    other_browser.get(f"/w/{org}/tokens")
    other_browser.post(f"/w/{org}/tokens", {"label": "member's"})
    tokens = _tokens(app)
    owners_token, members_token = tokens["owner's"], tokens["member's"]

    # as a member: 403 for everything an owner does, in the member's language
    other_browser.http.headers["Accept-Language"] = "de"
    page = other_browser.get(f"/w/{org}/members")
    assert f'action="/w/{org}/members"' not in page.text
    assert "Zum Besitzer machen" not in page.text
    refused = [
        other_browser.post(f"/w/{org}/members", {"email": "owner@example.com"}),
        other_browser.post(f"/w/{org}/members/{member_id}/role", {"role": "owner"}),
        other_browser.post(f"/w/{org}/members/{owner_id}/role", {"role": "member"}),
        other_browser.post(f"/w/{org}/tokens/{owners_token}/revoke"),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert "Das darf nur ein Besitzer dieser Organisation" in refused[0].text
    assert _roles(app, org) == {owner_id: "owner", member_id: "member"}
    assert set(_tokens(app)) == {"owner's", "member's"}
    tokens_page = other_browser.get(f"/w/{org}/tokens").text
    assert tokens_page.count("/revoke") == 1  # only the member's own token
    assert other_browser.post(f"/w/{org}/tokens/{members_token}/revoke").status_code == 303
    assert set(_tokens(app)) == {"owner's"}

    # as the owner: another member's token, roles, and never without an owner
    other_browser.post(f"/w/{org}/tokens", {"label": "member's second"})
    second = _tokens(app)["member's second"]
    assert browser.get(f"/w/{org}/tokens").text.count("/revoke") == 2
    assert browser.post(f"/w/{org}/tokens/{second}/revoke").status_code == 303
    assert set(_tokens(app)) == {"owner's"}
    last = browser.post(f"/w/{org}/members/{owner_id}/role", {"role": "member"})
    assert last.status_code == 409 and _roles(app, org)[owner_id] == "owner"
    bad = browser.post(f"/w/{org}/members/{member_id}/role", {"role": "admin"})
    assert bad.status_code == 422
    promoted = browser.post(f"/w/{org}/members/{member_id}/role", {"role": "owner"})
    assert promoted.status_code == 303
    assert _roles(app, org) == {owner_id: "owner", member_id: "owner"}
    # now the former member may manage, and the first owner may step down
    assert (
        other_browser.post(f"/w/{org}/members/{owner_id}/role", {"role": "member"}).status_code
        == 303
    )
    assert _roles(app, org) == {owner_id: "member", member_id: "owner"}
    assert browser.post(f"/w/{org}/tokens", {"label": "x"}).status_code == 200  # still a member


def test_the_database_takes_only_owner_or_member(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("check@example.com")
    with app.state.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE members SET role = 'admin'"))
        conn.rollback()
