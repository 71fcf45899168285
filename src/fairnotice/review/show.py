"""A readable terminal rendering of findings: the draft with each finding's passage marked.

Used by the CLI only; the pure checks never print.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from fairnotice.model import Findings, Severity

_STYLE = {Severity.error: "bold red", Severity.warning: "yellow"}
_MARK = {Severity.error: "✗", Severity.warning: "⚠"}


def show_findings(findings: Findings, draft: str, console: Console | None = None) -> None:
    out = console or Console()
    verdict = ("ok", "bold green") if findings.ok else ("needs changes", "bold red")
    out.print(Text.assemble("Review (", findings.language.value, "): ", verdict))
    marked = Text(draft)
    for finding in findings.findings:
        if finding.span is not None:
            start, end = finding.span
            marked.stylize(f"underline {_STYLE[finding.severity]}", start, end)
    for number, finding in enumerate(findings.findings, 1):
        where = ""
        if finding.span is not None:
            where = f"  «{' '.join(draft[finding.span[0] : finding.span[1]].split())[:60]}»"
        out.print(
            Text.assemble(
                (f"{_MARK[finding.severity]} {number:>2} ", _STYLE[finding.severity]),
                (f"[{finding.rule}] ", "bold"),
                finding.text,
                (where, "dim"),
            )
        )
    if not findings.findings:
        out.print("No findings.")
    out.rule()
    out.print(marked)
