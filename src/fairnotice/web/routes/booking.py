"""An organisation's booking policy (its page and `GET/PATCH /api/v1/policy`), and taking
an offer of new times back (its slots stop being held)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from fairnotice.errors import BadInput, NotFound
from fairnotice.model import Strict
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.offers import policy
from fairnotice.store.tables import User, Workspace
from fairnotice.web.deps import Db, InScope, Scope, csrf_protect, redirect, render
from fairnotice.web.routes.api import ERRORS, Authed

pages = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
api = APIRouter(prefix="/api/v1", tags=["policy"], responses=ERRORS)


def _organisation(scope: InScope) -> Scope:
    """The policy is an organisation's (a personal workspace books no one's time)."""
    if scope.workspace.kind != "organisation":
        raise NotFound("workspace")
    return scope


Organisation = Annotated[Scope, Depends(_organisation)]


def _page(
    request: Request,
    scope: Scope,
    session: Db,
    *,
    form: dict[str, str] | None = None,
    problems: list[tuple[str, str]] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    current = policy.read_policy(session, workspace_id=scope.id)
    values = form or {
        "pick_notice_minutes": str(current.notice_minutes),
        "max_reschedules": str(current.max_reschedules),
    }
    return render(
        request,
        "policy.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,
            "form": values,
            "problems": problems or [],
            "saved": saved,
            "notice_max": policy.NOTICE_MAX,
            "reschedules_max": policy.RESCHEDULES_MAX,
        },
        status=422 if problems else 200,
    )


@pages.get("/w/{ws}/policy")
def policy_page(request: Request, scope: Organisation, session: Db) -> HTMLResponse:
    return _page(request, scope, session, saved=request.query_params.get("saved") == "1")


@pages.post("/w/{ws}/policy")
def save_policy(
    request: Request,
    scope: Organisation,
    session: Db,
    pick_notice_minutes: Annotated[str, Form(max_length=20)] = "",
    max_reschedules: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Both numbers checked together; the form again with the values kept, naming each
    bad field."""
    form = {"pick_notice_minutes": pick_notice_minutes, "max_reschedules": max_reschedules}
    try:
        policy.set_policy(
            session,
            workspace_id=scope.id,
            notice_minutes=pick_notice_minutes,
            max_reschedules=max_reschedules,
        )
    except BadInput as bad:
        return _page(request, scope, session, form=form, problems=bad.problems)
    return redirect(f"/w/{scope.id}/policy?saved=1")


@pages.post("/w/{ws}/offers/{offer_id}/withdraw")
def withdraw(request: Request, scope: InScope, session: Db, offer_id: int) -> Response:
    offers.withdraw_offer(
        session,
        workspace_id=scope.id,
        offer_id=offer_id,
        user=scope.user,
        clock=request.app.state.clock,
    )
    return redirect(f"/w/{scope.id}/offers/{offer_id}")


# --- the REST API ---------------------------------------------------------------------


class PolicyPublic(BaseModel):
    pick_notice_minutes: int = Field(
        description="The shortest notice a candidate's pick may have, in minutes"
    )
    max_reschedules: int = Field(description="How often one interview may be moved")


class PolicyUpdate(Strict):
    pick_notice_minutes: int | None = Field(default=None, ge=0, le=policy.NOTICE_MAX)
    max_reschedules: int | None = Field(default=None, ge=0, le=policy.RESCHEDULES_MAX)


def _public(found: policy.Policy) -> PolicyPublic:
    return PolicyPublic(
        pick_notice_minutes=found.notice_minutes, max_reschedules=found.max_reschedules
    )


def _organisation_of(session: Db, who: Authed) -> int:
    """The token's workspace, if it is an organisation (a personal one has no policy)."""
    workspace = session.get(Workspace, who.workspace_id)
    if workspace is None or workspace.kind != "organisation":
        raise NotFound("workspace")
    if session.get(User, who.user_id) is None:
        raise NotFound("user")
    return who.workspace_id


@api.get("/policy", response_model=PolicyPublic)
def get_policy(session: Db, who: Authed) -> PolicyPublic:
    """The organisation's booking policy."""
    workspace_id = _organisation_of(session, who)
    return _public(policy.read_policy(session, workspace_id=workspace_id))


@api.patch("/policy", response_model=PolicyPublic)
def patch_policy(data: PolicyUpdate, session: Db, who: Authed) -> PolicyPublic:
    """Change the shortest notice of a pick (0 to 10080 minutes) and the most moves of an
    interview (0 to 20); a field left out stays as it is."""
    workspace_id = _organisation_of(session, who)
    return _public(
        policy.set_policy(
            session,
            workspace_id=workspace_id,
            notice_minutes=data.pick_notice_minutes,
            max_reschedules=data.max_reschedules,
        )
    )


router = APIRouter()
router.include_router(pages)
router.include_router(api)
