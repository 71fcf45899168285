"""Fair notice, measured: an organisation's insights page, its CSV and `GET
/api/v1/insights`. All three show `operations.insights.read`'s figures for the same
`from`, `until` and `position`; only the organisation's members reach them (404 else)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from fairnotice.errors import N_, BadInput, NotFound
from fairnotice.insights import Figure, Insights, figures
from fairnotice.model import zone
from fairnotice.operations.overview import insights as insight_ops
from fairnotice.store.tables import Position, User, Workspace
from fairnotice.web import i18n
from fairnotice.web.charts import bar_chart
from fairnotice.web.deps import Db, InScope, Scope, csrf_protect, language, render
from fairnotice.web.routes.api import ERRORS, Authed
from fairnotice.web.routes.forms import refused

pages = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
api = APIRouter(prefix="/api/v1", tags=["insights"], responses=ERRORS)
Field40 = Annotated[str, Query(max_length=insight_ops.MAX_FIELD)]
# the words of every chart, series and bucket of fairnotice.insights (msgids)
LABELS: dict[str, str] = {
    "fill_notice": N_("Time from the fill to each candidate's notice"),
    "notice": N_("Notice before a cancellation or change"),
    "reasons": N_("Reasons by category"),
    "reschedules": N_("Moves per interview"),
    "move_lead": N_("Days from a change to the new time"),
    "outcomes": N_("Outcomes"),
    "confirmations": N_("Confirmed by the recipient"),
    "notices": N_("Notices"),
    "confirmed": N_("Confirmed"),
    "opened": N_("Opened, not confirmed"),
    "not_opened": N_("Not opened"),
    "candidates": N_("Candidates"),
    "interviews": N_("Interviews"),
    "changes": N_("Changes"),
    "employer": N_("Employer"),
    "candidate": N_("Candidate"),
    "under_1h": N_("Within an hour"),
    "1h_24h": N_("1 to 24 hours"),
    "1d_3d": N_("1 to 3 days"),
    "over_3d": N_("More than 3 days"),
    "not_sent": N_("Not sent yet"),
    "missed": N_("After the start"),
    "under_24h": N_("Under 24 hours"),
    "3d_7d": N_("3 to 7 days"),
    "over_7d": N_("7 days or more"),
    "7d_14d": N_("7 to 14 days"),
    "over_14d": N_("14 days or more"),
    "under_1d": N_("Under a day"),
    "unknown": N_("Not known"),
    "0": N_("Not moved"),
    "1": N_("Moved once"),
    "2": N_("Moved twice"),
    "3+": N_("Moved 3 times or more"),
    "took_place": N_("Took place"),
    "no_show": N_("Did not come"),
    "illness": N_("Illness"),
    "family": N_("Family matters"),
    "emergency": N_("An emergency"),
    "work_conflict": N_("A conflict at work"),
    "schedule_conflict": N_("A scheduling conflict"),
    "other_interview": N_("Another interview"),
    "accepted_offer": N_("Accepted another offer"),
    "lost_interest": N_("Lost interest"),
    "personal_plans": N_("Personal plans"),
    "interviewer_unavailable": N_("Interviewer not available"),
    "position_filled": N_("Position filled"),
    "other": N_("Other"),
}

FORM_LABELS = {"from": N_("From"), "until": N_("Until"), "position": N_("Position")}
DESCRIPTIONS = {
    "fill_notice": N_("How soon each remaining candidate was told after the position was filled."),
    "notice": N_(
        "Notice given before each cancellation or change, by side; under 24 hours is short notice."
    ),
    "reasons": N_("The reasons given for cancellations, withdrawals and new times, by side."),
    "reschedules": N_("How often the interviews of the period were moved."),
    "move_lead": N_("Days from a change to the new time."),
    "outcomes": N_("Interviews that took place, and candidates who did not come."),
    "confirmations": N_(
        "Notices sent with a “Got it” link: how many recipients confirmed they got the news."
    ),
}


def _organisation(scope: InScope) -> Scope:
    """Insights are an organisation's (a personal workspace has no candidates)."""
    if scope.workspace.kind != "organisation":
        raise NotFound("workspace")
    return scope


Organisation = Annotated[Scope, Depends(_organisation)]


def _today(request: Request, zone_name: str) -> date:
    now: datetime = request.app.state.clock()
    return now.astimezone(zone(zone_name)).date()


def _asked(
    request: Request, scope: Scope, session: Db, since: str, until: str, position: str
) -> insight_ops.Period:
    return insight_ops.period(
        session,
        workspace_id=scope.id,
        today=_today(request, scope.user.timezone),
        zone_name=scope.user.timezone,
        since=since,
        until=until,
        position=position,
    )


@pages.get("/w/{ws}/insights")
def insights_page(
    request: Request,
    scope: Organisation,
    session: Db,
    since: Annotated[str, Query(alias="from", max_length=insight_ops.MAX_FIELD)] = "",
    until: Field40 = "",
    position: Field40 = "",
) -> HTMLResponse:
    """The figures as charts, each with a table of the same figures, for the period and
    position in the form; refused (422), the form again naming the field."""
    form = {"from": since, "until": until, "position": position}
    context: dict[str, Any] = {
        "user": scope.user,
        "ws": scope.workspace,
        "session": session,
        "positions": _positions(session, scope.id),
        "labels_of": LABELS,
        "kept": {},
    }
    try:
        asked = _asked(request, scope, session, since, until, position)
    except BadInput as bad:
        context |= {"form": form, "found": None}
        return refused(request, "insights.html", context, bad, form=form, labels=FORM_LABELS)
    found = insight_ops.read(session, workspace_id=scope.id, asked=asked)
    gettext = i18n.gettext_for(language(request))
    context |= {
        "form": {
            "from": asked.first.isoformat(),
            "until": asked.last.isoformat(),
            "position": str(asked.position_id or ""),
        },
        "found": found,
        "charts": [_drawn(found, key, gettext) for key in _order(found)],
        "csv_query": _query(asked),
    }
    return render(request, "insights.html", context)


def _order(found: Insights) -> list[str]:
    return [chart.key for chart in found.charts]


def _drawn(found: Insights, key: str, gettext: Any) -> dict[str, Any]:
    chart = found.chart(key)
    words = [gettext(LABELS[b]) for b in chart.buckets]
    series = [
        (gettext(LABELS[s]), [chart.count(s, b) for b in chart.buckets]) for s in chart.series
    ]
    svg = bar_chart(f"chart-{key}", gettext(LABELS[key]), gettext(DESCRIPTIONS[key]), words, series)
    return {"chart": chart, "svg": svg, "description": DESCRIPTIONS[key]}


def _query(asked: insight_ops.Period) -> str:
    position = f"&position={asked.position_id}" if asked.position_id else ""
    return f"from={asked.first.isoformat()}&until={asked.last.isoformat()}{position}"


def _positions(session: Db, workspace_id: int) -> list[tuple[int, str]]:
    """The positions the filter offers (a bounded list: the newest 500)."""
    rows = session.execute(
        select(Position.id, Position.title)
        .where(Position.workspace_id == workspace_id)
        .order_by(Position.id.desc())
        .limit(500)
    )
    return [(int(i), str(t)) for i, t in rows]


@pages.get("/w/{ws}/insights.csv")
def insights_csv(
    request: Request,
    scope: Organisation,
    session: Db,
    since: Annotated[str, Query(alias="from", max_length=insight_ops.MAX_FIELD)] = "",
    until: Field40 = "",
    position: Field40 = "",
) -> Response:
    """One file, one row per figure (chart, series, bucket, value), for the period."""
    asked = _asked(request, scope, session, since, until, position)
    found = insight_ops.read(session, workspace_id=scope.id, asked=asked)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(["from", "until", "position", "chart", "series", "bucket", "value"])
    head = [asked.first.isoformat(), asked.last.isoformat(), asked.position_id or ""]
    for row in figures(found):
        writer.writerow([*head, row.chart, row.series, row.bucket, row.value])
    name = f"insights-{scope.id}-{asked.first.isoformat()}-{asked.last.isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the REST API ---------------------------------------------------------------------


class FigurePublic(BaseModel):
    chart: str = Field(
        description="fill_notice, notice, reasons, reschedules, move_lead, outcomes, "
        "confirmations or short_notice"
    )
    series: str = Field(description="employer or candidate, or what is counted")
    bucket: str = Field(description="the bucket counted (a delay, a reason's category, ...)")
    value: int


class InsightsPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    since: date = Field(alias="from", description="First day, included")
    until: date = Field(description="Last day, included")
    position_id: int | None
    figures: list[FigurePublic] = Field(description="Every figure, as the CSV lists them")


def _organisation_of(session: Db, who: Authed) -> User:
    workspace = session.get(Workspace, who.workspace_id)
    user = session.get(User, who.user_id)
    if workspace is None or workspace.kind != "organisation" or user is None:
        raise NotFound("workspace")
    return user


@api.get("/insights", response_model=InsightsPublic, response_model_by_alias=True)
def get_insights(
    request: Request,
    session: Db,
    who: Authed,
    since: Annotated[
        str,
        Query(
            alias="from",
            max_length=insight_ops.MAX_FIELD,
            description="First day (YYYY-MM-DD); default 89 days before `until`",
        ),
    ] = "",
    until: Annotated[
        str,
        Query(max_length=insight_ops.MAX_FIELD, description="Last day; default today"),
    ] = "",
    position: Annotated[
        str, Query(max_length=insight_ops.MAX_FIELD, description="A position's id")
    ] = "",
) -> InsightsPublic:
    """Fair notice, measured: the organisation's figures for the days from `from` to
    `until` (both included, in the token user's zone; at most two years), for one
    position or all: the same figures as the insights page and its CSV. 422 names the
    field (`from`, `until`, `position`)."""
    user = _organisation_of(session, who)
    zone_name = user.timezone
    asked = insight_ops.period(
        session,
        workspace_id=who.workspace_id,
        today=_today(request, zone_name),
        zone_name=zone_name,
        since=since,
        until=until,
        position=position,
    )
    found = insight_ops.read(session, workspace_id=who.workspace_id, asked=asked)
    return InsightsPublic(
        since=asked.first,
        until=asked.last,
        position_id=asked.position_id,
        figures=[_public(f) for f in figures(found)],
    )


def _public(row: Figure) -> FigurePublic:
    return FigurePublic(chart=row.chart, series=row.series, bucket=row.bucket, value=row.value)


router = APIRouter()
router.include_router(pages)
router.include_router(api)
