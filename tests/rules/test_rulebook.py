"""docs/RULEBOOK.md is what the rules catalog generates: one source of truth."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from fairnotice.rules.catalog import frame, rules
from fairnotice.rules.rulebook import markdown

RULEBOOK = Path(__file__).resolve().parents[2] / "docs" / "RULEBOOK.md"


def test_the_committed_rulebook_is_the_generated_one() -> None:
    generated = markdown()
    committed = RULEBOOK.read_text(encoding="utf-8")
    if committed != generated:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/RULEBOOK.md",
                "generated from catalog.toml",
            )
        )
        raise AssertionError(f"docs/RULEBOOK.md is stale: run `make rulebook`\n{diff}")


def test_every_rule_is_in_its_section_with_its_whole_text() -> None:
    """Each rule's row carries its id and its whole wording, under its family's heading."""
    text = markdown()
    headings = [m.start() for m in re.finditer(r"^## ", text, re.MULTILINE)]
    sections = frame()["sections"]
    for rule_id, rule in rules().items():
        assert rule.wording.strip(), f"{rule_id}: no text in the catalog"
        row = f"| {rule_id} | {rule.wording.replace('|', chr(92) + '|')} |"
        at = text.index(row)
        heading_at = max(h for h in headings if h < at)
        heading = text[heading_at:].split("\n", 1)[0]
        assert heading == f"## {sections[rule_id[0]]}", (rule_id, heading)


def test_a_rule_text_with_a_bar_stays_one_cell() -> None:
    """A "|" in a rule's text is escaped, so the row keeps its two cells."""
    from fairnotice.rules.rulebook import _cell

    assert _cell("a | b\nc") == "a \\| b c"


def test_the_typed_rule_ids_are_exactly_the_catalog_ids() -> None:
    """RuleId lists every catalog id once, in rulebook order: a rule removed from or
    added to catalog.toml fails here until the code names it too."""
    from fairnotice.rules.catalog import RuleId

    assert [member.value for member in RuleId] == list(rules())
    assert all(member.name == member.value for member in RuleId)
