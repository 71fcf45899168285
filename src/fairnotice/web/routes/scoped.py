"""The object a page route acts on, looked up in the user's workspace as a dependency.

FastAPI calls a route's dependencies before it validates the route's form fields, so an
id from another workspace answers 404 whatever the form holds, and a form field is
refused (422) only for an object the user may see. A route that acts on an object by
its id takes it from here (or lists the lookup in `dependencies=`) instead of looking
it up in its body after the form has been validated.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from fairnotice.operations.common.records import scoped
from fairnotice.store.tables import Interview, OutboxMessage, PlanRecord, PlanStep, Position
from fairnotice.web.deps import Db, InScope


def plan(scope: InScope, session: Db, plan_id: int) -> PlanRecord:
    return scoped(session, PlanRecord, scope.id, plan_id)


def step(scope: InScope, session: Db, step_id: int) -> PlanStep:
    return scoped(session, PlanStep, scope.id, step_id)


def interview(scope: InScope, session: Db, interview_id: int) -> Interview:
    return scoped(session, Interview, scope.id, interview_id)


def position(scope: InScope, session: Db, position_id: int) -> Position:
    return scoped(session, Position, scope.id, position_id)


def outbox_row(scope: InScope, session: Db, row_id: int) -> OutboxMessage:
    return scoped(session, OutboxMessage, scope.id, row_id)


ScopedPlan = Annotated[PlanRecord, Depends(plan)]
ScopedInterview = Annotated[Interview, Depends(interview)]
IN_PLAN = Depends(plan)
IN_STEP = Depends(step)
IN_INTERVIEW = Depends(interview)
IN_POSITION = Depends(position)
IN_OUTBOX = Depends(outbox_row)
