"""docs/RULEBOOK.md, written from the rules catalog (catalog.toml), its one source.

    python -m fairnotice.rules.rulebook > docs/RULEBOOK.md      (or `make rulebook`)

The document is the catalog's frame (title, introduction, one table per family of rules)
with every rule's id and text, and the guides the rules were distilled from. A test
(tests/rules/test_rulebook.py) fails when the committed file differs from `markdown()`,
so the rulebook users read and the rules the planner applies cannot drift apart.
"""

from __future__ import annotations

import sys

from fairnotice.rules.catalog import frame, rules

GENERATED = (
    "<!-- Generated from src/fairnotice/rules/catalog.toml by `make rulebook`:"
    " edit the catalog, not this file. -->"
)
# The guides the rules were distilled from (not part of the repository; their sentences
# are not reused: see the introduction).
SOURCES = """## Sources

Five guides on cancelling, rescheduling and withdrawing from job interviews, read for
their facts and advice only (they are not part of this repository):

- three in German: cancelling an interview by phone or email (name the position, date,
  time and place; recruiters juggle many candidates), withdrawing without oversharing
  (with a sample letter of thanks), and declining an interview you would not take the
  job from (do not rush the decision);
- one in Swedish: how to cancel or reschedule a job interview with tact, rescheduling
  only as a last resort;
- one in English: how to professionally skip a job interview (going for the practice is
  often worth it; never simply stay away).
"""


def _cell(text: str) -> str:
    """A rule's text as one Markdown table cell: a "|" would end the cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def markdown() -> str:
    """The whole rulebook as Markdown, from the catalog alone."""
    document = frame()
    sections: dict[str, str] = document["sections"]
    by_letter: dict[str, list[str]] = {letter: [] for letter in sections}
    for rule_id, rule in rules().items():
        if rule_id[0] not in by_letter:
            raise ValueError(f"rule {rule_id}: no section for the letter {rule_id[0]!r}")
        by_letter[rule_id[0]].append(f"| {rule_id} | {_cell(rule.wording)} |")
    parts = [f"# {document['title']}", GENERATED, document["intro"].strip()]
    for letter, heading in sections.items():
        if by_letter[letter]:
            table = "\n".join(["| id | rule |", "|---|---|", *by_letter[letter]])
            parts += [f"## {heading}", table]
    parts.append(SOURCES.strip())
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
