"""W5 in the CLI: `fairnotice plan` and `send` refuse a status inquiry about an interview
whose end is still ahead (exit 2 naming interview.end), and plan it once it has passed;
`send` reads the state of an interview its workspace keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _inquiry(tmp_path: Path, start: datetime, name: str = "inquiry.json") -> Path:
    data: dict[str, Any] = json.loads(
        (EXAMPLES / "candidate-status-inquiry-en.json").read_text("utf-8")
    )
    data["now"] = NOW.isoformat()
    data["interview"]["start"] = start.isoformat()
    data["interview"]["end"] = (start + timedelta(hours=1)).isoformat()
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_plan_refuses_an_inquiry_about_an_interview_nine_days_ahead(tmp_path: Path) -> None:
    ahead = _cli("plan", str(_inquiry(tmp_path, NOW + timedelta(days=9))), "--json")
    assert ahead.returncode == 2, ahead.stdout
    assert ahead.stderr.startswith("fairnotice: interview.end: no status inquiry (W5)")
    assert "still ahead" in ahead.stderr and ahead.stdout == ""
    passed = _cli("plan", str(_inquiry(tmp_path, NOW - timedelta(days=8))), "--json")
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout)["intent"] == "status_inquiry"


def test_send_refuses_it_too_and_queues_nothing(tmp_path: Path) -> None:
    env = {"FAIRNOTICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    ahead = _cli("send", str(_inquiry(tmp_path, NOW + timedelta(days=9))), env=env)
    assert ahead.returncode == 2 and "interview.end" in ahead.stderr, ahead.stderr
    listed = _cli("outbox", "--json", env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    passed = _cli("send", str(_inquiry(tmp_path, NOW - timedelta(days=8))), env=env)
    assert passed.returncode == 0, passed.stderr
    assert len(json.loads(_cli("outbox", "--json", env=env).stdout)) == 1
