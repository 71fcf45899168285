"""The delivery status page (issue 14): whether a delivery worker runs, its last round
(sent, voided, failed), the workspace's messages due now and the last error; for the
workspace's owners, linked from the outbox."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fairnotice.operations.accounts.commands import require_owner
from fairnotice.operations.outbox import health
from fairnotice.web.deps import Db, InScope, render

router = APIRouter(include_in_schema=False)


@router.get("/w/{ws}/delivery")
def delivery_status(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    require_owner(session, user_id=scope.user.id, workspace_id=scope.id)
    found = health.status(session, now=request.app.state.clock(), workspace_id=scope.id)
    context = {
        "user": scope.user,
        "ws": scope.workspace,
        "session": session,
        "status": found,
        "failed": found.last_error(),
        "relay": bool(request.app.state.settings.smtp.host),
    }
    return render(request, "delivery_status.html", context)
