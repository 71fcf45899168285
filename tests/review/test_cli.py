"""`fairnotice review` as a user runs it: JSON findings, stdin, .eml, and bad input -> exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fairnotice.model import Findings
from tests.review.situations import situation_data

GOOD = """Dear Ms Doe,

I'm sorry, but a scheduling conflict means I cannot attend the Paralegal interview on
Tuesday 17 March at 2 pm at your office. I apologise for the inconvenience.

I remain very interested and could offer Thursday 19 March at 11:00 or Monday 23 March at
10:00, or any other time that suits you.

Kind regards,
Alex Morgan
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", "review", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _situation(tmp_path: Path, **changes: object) -> str:
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(situation_data("en", **changes)), encoding="utf-8")
    return str(path)


def test_json_findings_from_a_file_with_a_situation(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    text = GOOD.replace("I apologise for the inconvenience.", "").replace("I'm sorry, but a", "A")
    draft.write_text(text, encoding="utf-8")
    result = run(str(draft), "--situation", _situation(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    findings = Findings.model_validate(json.loads(result.stdout))
    assert findings.language.value == "en"
    assert [f.rule for f in findings.findings] == ["R2"]
    assert findings.ok is False


def test_stdin_and_readable_rendering_marks_the_passage() -> None:
    text = GOOD.replace("scheduling conflict", "migraine attack")
    result = run("-", "--intent", "reschedule", stdin=text)
    assert result.returncode == 0, result.stderr
    assert "[M2]" in result.stdout
    assert "migraine" in result.stdout


def test_an_eml_draft_is_unwrapped(tmp_path: Path) -> None:
    mail = tmp_path / "draft.eml"
    mail.write_text(
        "From: alex.morgan@example.org\nTo: j.doe@example.co.uk\n"
        "Subject: Paralegal interview on 17 March\nContent-Type: text/plain; charset=utf-8\n\n"
        + GOOD,
        encoding="utf-8",
    )
    result = run(str(mail), "--situation", _situation(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def test_unknown_intent_exits_2_naming_the_field(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(GOOD, encoding="utf-8")
    result = run(str(draft), "--intent", "resign")
    assert result.returncode == 2
    assert "intent" in result.stderr and "resign" in result.stderr
    assert result.stdout == ""


def test_unreadable_draft_exits_2_naming_the_field(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nowhere.txt"))
    assert missing.returncode == 2
    assert "DRAFT" in missing.stderr
    binary = tmp_path / "draft.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = run(str(binary))
    assert result.returncode == 2
    assert "DRAFT" in result.stderr and "UTF-8" in result.stderr


def test_bad_situation_exits_2_naming_the_field(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(GOOD, encoding="utf-8")
    bad = _situation(tmp_path, role="boss")
    result = run(str(draft), "--situation", bad)
    assert result.returncode == 2
    assert "situation.role" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = run(str(draft), "--situation", str(broken))
    assert result.returncode == 2
    assert "--situation" in result.stderr
    employer_only = run(str(draft), "--situation", _situation(tmp_path), "--intent", "cancel")
    assert employer_only.returncode == 2
    assert "intent" in employer_only.stderr
