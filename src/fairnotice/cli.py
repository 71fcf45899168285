"""The `fairnotice` command. Thin: parse input, call one operation, present the result.

Heavy libraries are imported inside the commands that need them, so `--help` stays fast.
Exit status (CONTRACT.md): 0 success, 2 bad input (field named on stderr), 1 anything else.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

app = typer.Typer(
    name="fairnotice",
    help="Change job-interview plans professionally: plans, letters and calendar updates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

BAD_INPUT = 2


@app.callback()
def _root() -> None:
    """Change job-interview plans professionally: plans, letters and calendar updates."""


def _fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    sys.stderr.write(f"fairnotice: {message}\n")
    return typer.Exit(code)


@app.command("plan")
def plan_command(
    file: Annotated[str, typer.Argument(help="A situation as JSON ('-' reads stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan a change: who to contact, how, when, and the exact words."""
    from fairnotice.errors import BadInput
    from fairnotice.io import parse_model, read_text
    from fairnotice.model import Situation, dump
    from fairnotice.operations.planning import plan_change

    try:
        situation = parse_model(Situation, read_text(file))
        result = plan_change(situation=situation)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(dump(result), ensure_ascii=False, indent=2) + "\n")
        return
    from fairnotice.present import show_plan

    show_plan(result)


@app.command("review")
def review_command(
    draft: Annotated[str, typer.Argument(help="The draft: a text or .eml file ('-' reads stdin).")],
    situation_file: Annotated[
        str | None, typer.Option("--situation", help="A situation as JSON to check facts against.")
    ] = None,
    intent: Annotated[
        str | None, typer.Option("--intent", help="reschedule, withdraw, status_inquiry, ...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a message you wrote yourself, rule by rule, with the passages marked."""
    from fairnotice.errors import BadInput
    from fairnotice.model import dump
    from fairnotice.operations.reviewing import read_draft, read_situation, review_draft

    try:
        text = read_draft(draft)
        situation = read_situation(situation_file) if situation_file is not None else None
        result = review_draft(text=text, situation=situation, intent=intent)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(dump(result), ensure_ascii=False, indent=2) + "\n")
        return
    from fairnotice.review.show import show_findings

    show_findings(result, text)


def main() -> None:
    """Console-script entry point."""
    app()
