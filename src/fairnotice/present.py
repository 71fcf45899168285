"""Readable terminal renderings (rich) of plans: the timeline, the advice, the words."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fairnotice.model import Plan, Slot

_ACTION = {"call": "Call", "send": "Send", "leave_voicemail": "Leave a voicemail"}
_CONDITION = {
    None: "",
    "no_reply": "if no reply by then",
    "not_reached": "if not reached",
    "after_agreement": "once a new time is agreed",
}


def slot_text(slot: Slot) -> str:
    """A proposed time as its recipient reads it: their clock first, ours in brackets where
    the zones differ (the planner's label; the offset when a plan carries none)."""
    if slot.label:
        return slot.label
    return f"{slot.start:%a %d %b %H:%M}–{slot.end:%H:%M} (UTC{slot.start:%z})"


def show_plan(plan: Plan, console: Console | None = None) -> None:
    out = console or Console()
    head = Text.assemble(
        (f"{plan.role.value} · {plan.intent.value.replace('_', ' ')}", "bold"),
        f"  language {plan.language.value} · notice {plan.notice_hours:g} h · ",
        (
            plan.urgency.value.replace("_", " "),
            "bold red" if plan.urgency.value != "normal" else "green",
        ),
        f" · first by {plan.channel.primary}",
    )
    out.print(head)
    if plan.address is not None:
        source = {"thread": "mirrored from the thread", "tone": "as chosen", "default": "default"}
        seen = f": {', '.join(plan.address.mirrored)}" if plan.address.mirrored else ""
        out.print(
            Text(f"address: {plan.address.form} ({source[plan.address.source]}{seen})", style="dim")
        )
    for note in plan.warnings:
        out.print(Text.assemble(("⚠ ", "bold yellow"), (f"[{note.rule}] ", "yellow"), note.text))
    for note in plan.advice:
        out.print(Text.assemble(("ℹ ", "bold cyan"), (f"[{note.rule}] ", "cyan"), note.text))

    timeline = Table(title="Steps", show_lines=False, expand=True)
    timeline.add_column("#", justify="right")
    timeline.add_column("when")
    timeline.add_column("what")
    timeline.add_column("who")
    timeline.add_column("message")
    for step in plan.steps:
        who = step.to.name if step.to else ""
        if step.to and step.channel.value in ("phone", "voicemail") and step.to.phone:
            who += f" ({step.to.phone})"
        what = _ACTION[step.action.value]
        condition = _CONDITION[step.condition.value if step.condition else None]
        timeline.add_row(
            str(step.order),
            f"{step.due:%a %d %b %H:%M} (UTC{step.due:%z})",
            f"{what} {condition}".strip(),
            who,
            step.message or "",
        )
    out.print(timeline)
    if plan.proposed_slots:
        out.print(Text("Proposed times:", style="bold"))
        for slot in plan.proposed_slots:
            out.print(
                Text.assemble(
                    "  • ", slot_text(slot), (f"  ({slot.why})" if slot.why else "", "dim")
                )
            )
    for message in plan.messages:
        title = f"{message.id} · {message.kind.value.replace('_', ' ')} → {message.to}"
        parts: list[Text] = []
        if message.subject:
            parts.append(Text.assemble(("Subject: ", "bold"), message.subject, "\n"))
        parts.append(Text(message.body))
        if message.calendar and message.calendar.method:
            parts.append(
                Text(
                    f"\n📅 calendar update attached: METHOD:{message.calendar.method.value}",
                    style="dim",
                )
            )
        out.print(Panel(Group(*parts), title=title, title_align="left"))
    out.print(Text("Rules applied: " + " ".join(plan.rules_applied), style="dim"))
