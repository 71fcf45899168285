"""The one Settings object: every variable README's configuration tables (and CONTRACT.md's)
name reaches its one place in it, under the name it always had; every setting has a row;
a bad value names its variable (the CLI exits 2 with it); `.env` and given values keep
their order. The tables are parsed here, so a variable without a row fails."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from fairnotice.calendar import parse
from fairnotice.cli import app
from fairnotice.settings import Group, Settings, problem, variables

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACT = (ROOT / "docs" / "CONTRACT.md").read_text(encoding="utf-8")
NAME = re.compile(r"`([A-Z_][A-Z0-9_]*)`")

# Settings README explains in its prose but has no table row for yet (none now); when a
# row is added, the name leaves this set (the last test says so).
NOT_YET_IN_TABLE: frozenset[str] = frozenset()


def row_names(row: str) -> Iterator[str]:
    """The variables one table row names: full names, and the short forms the tables use
    after a full one (`_RETRY_CAP_SECONDS`, `_PORT`, `__TOKEN_URL`)."""
    tokens = NAME.findall(row)
    full = [t for t in tokens if t.startswith("FAIRNOTICE_")]
    if not full:
        return
    first = full[0]
    for token in tokens:
        if token.startswith("FAIRNOTICE_"):
            yield token
        elif token.startswith("__"):
            yield first[: first.index("__")] + token
        elif token.startswith("_"):
            word = "_" + token[1:].split("_")[0]
            cut = first.find(word + "_") if word + "_" in first else first.rfind("_")
            yield first[:cut] + token


def table_names(text: str) -> list[str]:
    return [
        name for line in text.splitlines() if line.startswith("| `") for name in row_names(line)
    ]


def readme_table() -> list[str]:
    section = README.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    return table_names(section)


def contract_table() -> list[str]:
    section = CONTRACT.split("Configuration comes from the environment", 1)[1]
    return table_names(section.split("\n\n", 2)[1])


PLACES = dict(variables())


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No FAIRNOTICE_* of the machine running the tests, no `.env` but the test's own."""
    for name in list(os.environ):
        if name.upper().startswith("FAIRNOTICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def field_of(place: tuple[str, ...]) -> FieldInfo:
    info = Settings.model_fields[place[0]]
    if len(place) == 1:
        return info
    group = info.annotation
    assert isinstance(group, type) and issubclass(group, Group)
    return group.model_fields[place[1]]


def sample(info: FieldInfo) -> tuple[str, Any]:
    """A valid value unlike the default, as the variable's text and as parsed."""
    kind = info.annotation
    options = [a for a in get_args(kind) if a is not type(None)]
    if get_origin(kind) is Literal:
        choice = next(str(o) for o in options if o != info.default)
        return choice, choice
    if kind in (int, int | None):
        number = (info.default or 0) + 1
        return str(number), number
    if kind is float:
        return str(info.default + 1.5), info.default + 1.5
    if kind is bool:
        return str(not info.default).lower(), not info.default
    if kind is Path:
        return "/srv/fairnotice-sample", Path("/srv/fairnotice-sample")
    assert kind in (str, str | None), kind
    if info.examples:  # a text with a shape of its own (a store's address)
        return str(info.examples[0]), info.examples[0]
    return "sample-value-0123456789", "sample-value-0123456789"


def leaves(settings: Settings) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for name, value in settings.model_dump().items():
        if isinstance(value, dict):
            found.update({(name, key): inner for key, inner in value.items()})
        else:
            found[(name,)] = value
    return found


def test_the_tables_are_found() -> None:
    assert len(readme_table()) >= 35 and len(contract_table()) >= 12
    assert "FAIRNOTICE_DELIVERY_RETRY_CAP_SECONDS" in readme_table()
    assert "FAIRNOTICE_GOOGLE__TOKEN_URL" in readme_table()
    assert "FAIRNOTICE_SMTP_FROM" in contract_table()


@pytest.mark.parametrize("name", sorted(set(readme_table()) | set(contract_table())))
def test_every_documented_variable_reaches_its_one_place(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert name in PLACES, f"{name} is documented but is no setting"
    place = PLACES[name]
    text, parsed = sample(field_of(place))
    before = leaves(Settings(_env_file=None))
    monkeypatch.setenv(name, text)
    after = leaves(Settings(_env_file=None))
    changed = {k: v for k, v in after.items() if before[k] != v}
    assert changed == {place: parsed}


def test_every_setting_has_a_row_in_the_readme() -> None:
    documented = set(readme_table()) | NOT_YET_IN_TABLE
    assert sorted(set(PLACES) - documented) == []
    assert len(PLACES) == len(set(PLACES))  # one variable, one place


def test_the_settings_not_yet_in_the_table_are_in_the_readme() -> None:
    for name in NOT_YET_IN_TABLE:
        assert name in README, name
        assert name not in readme_table(), f"{name} has a row now: drop it from NOT_YET_IN_TABLE"


def test_the_old_names_reach_the_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "FAIRNOTICE_SMTP_HOST": "relay.example.org",
        "FAIRNOTICE_SMTP_PORT": "465",
        "FAIRNOTICE_SMTP_TLS": "tls",
        "FAIRNOTICE_SMTP_FROM": "noreply@example.org",
        "FAIRNOTICE_DELIVERY_BATCH_SIZE": "20",
        "FAIRNOTICE_DELIVERY_THREADS": "8",
        "FAIRNOTICE_IMAP_HOST": "imap.example.org",
        "FAIRNOTICE_IMAP_POLL_SECONDS": "30",
        "FAIRNOTICE_MAX_CALENDAR_BYTES": "2048",
        "FAIRNOTICE_CALDAV_USERNAME": "alex",
        "FAIRNOTICE_CALDAV_PASSWORD": "pw",
        "FAIRNOTICE_CALDAV_ALLOW_PRIVATE": "true",
        "FAIRNOTICE_MICROSOFT__CLIENT_ID": "ms-id",
        "FAIRNOTICE_GOOGLE__API_URL": "https://calendar.example.org/v3",
        "FAIRNOTICE_SESSION_MAX_DAYS": "30",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.tls) == (
        "relay.example.org",
        465,
        "tls",
    )
    assert settings.smtp.sender == "noreply@example.org"
    assert (settings.delivery.batch_size, settings.delivery.threads) == (20, 8)
    assert (settings.imap.host, settings.imap.poll_seconds) == ("imap.example.org", 30.0)
    calendars = settings.calendars
    assert (calendars.max_bytes, calendars.caldav_username, calendars.caldav_password) == (
        2048,
        "alex",
        "pw",
    )
    assert calendars.caldav_allow_private is True
    assert settings.microsoft.client_id == "ms-id" and settings.microsoft.configured is False
    assert settings.google.api_url == "https://calendar.example.org/v3"
    assert settings.session_max_days == 30


def test_defaults_with_nothing_set() -> None:
    settings = Settings(_env_file=None)
    assert settings.smtp.host is None and settings.smtp.port == 587
    assert settings.delivery.batch_size == 50 and settings.delivery.threads is None
    assert settings.imap.folder == "INBOX" and settings.imap.tls == "tls"
    assert settings.calendars.max_bytes == parse.DEFAULT_MAX_BYTES  # the core's own cap
    assert settings.calendars.caldav_allow_private is False
    assert settings.microsoft.api_url == "https://graph.microsoft.com/v1.0"


def test_dotenv_then_environment_then_given_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "FAIRNOTICE_SMTP_HOST=dotenv.example.org\n"
        "FAIRNOTICE_SMTP_PORT=2525\n"
        "FAIRNOTICE_DELIVERY_BATCH_SIZE=5\n"
        "FAIRNOTICE_MICROSOFT__CLIENT_SECRET=from-dotenv\n"
        "FAIRNOTICE_BASE_URL=https://dotenv.example.org\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FAIRNOTICE_SMTP_HOST", "env.example.org")
    monkeypatch.setenv("FAIRNOTICE_BASE_URL", "https://env.example.org")
    settings = Settings()
    assert (settings.smtp.host, settings.smtp.port) == ("env.example.org", 2525)
    assert settings.delivery.batch_size == 5
    assert settings.microsoft.client_secret == "from-dotenv"
    assert settings.base_url == "https://env.example.org"
    given = Settings(smtp={"port": 25}, delivery={"batch_size": 9})
    assert (given.smtp.host, given.smtp.port, given.delivery.batch_size) == (
        "env.example.org",
        25,
        9,
    )
    assert Settings(_env_file=None).delivery.batch_size == 50  # .env only when asked


def test_a_stale_flat_keyword_fails_rather_than_being_ignored() -> None:
    with pytest.raises(TypeError, match="smtp_host"):
        Settings(_env_file=None, smtp_host="relay.example.org")


def test_changed_checks_a_group_like_the_environment() -> None:
    settings = Settings(_env_file=None)
    faster = settings.changed(delivery={"threads": 2}, calendars={"caldav_allow_private": True})
    assert faster.delivery.threads == 2 and faster.delivery.batch_size == 50
    assert faster.calendars.caldav_allow_private is True
    assert settings.delivery.threads is None  # the original stays as it was
    with pytest.raises(ValidationError):
        settings.changed(delivery={"threads": 33})
    with pytest.raises(AttributeError):
        settings.changed(smtp_host="relay.example.org")


BAD = {
    int: "many",
    float: "soon",
    bool: "perhaps",
}


def bad_cases() -> Iterator[tuple[str, str]]:
    """Every variable whose value can be wrong, with a wrong value."""
    for name, place in variables():
        info = field_of(place)
        kind = info.annotation
        if get_origin(kind) is Literal:
            yield name, "ssl"
        elif kind in (int, int | None):
            yield name, "many"
        elif kind in BAD:
            yield name, BAD[kind]
    yield "FAIRNOTICE_SECRET_KEY", "too-short"
    yield "FAIRNOTICE_SMTP_PORT", "70000"
    yield "FAIRNOTICE_DELIVERY_BATCH_SIZE", "0"
    yield "FAIRNOTICE_DELIVERY_THREADS", "33"
    yield "FAIRNOTICE_MAX_CALENDAR_BYTES", "0"
    yield "FAIRNOTICE_SESSION_MAX_DAYS", "91"
    yield "FAIRNOTICE_IMAP_POLL_SECONDS", "0"


@pytest.mark.parametrize(("name", "value"), sorted(set(bad_cases())))
def test_a_bad_value_names_its_variable(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    named, message = problem(caught.value)
    assert named == name
    assert value.isdigit() or value not in message  # a value may be a secret: never echoed


def test_bad_cases_cover_every_group() -> None:
    groups = {PLACES[name][0] for name, _ in bad_cases()}
    assert groups >= {"smtp", "delivery", "imap", "calendars", "session_max_days", "throttle"}


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        (["worker", "--once"], "FAIRNOTICE_IMAP_PORT", "0"),
        (["worker", "--once"], "FAIRNOTICE_DELIVERY_LEASE_SECONDS", "0"),
        (["db", "upgrade"], "FAIRNOTICE_SESSION_MAX_DAYS", "91"),
        (["slots", "--duration", "30", "--tz", "UTC"], "FAIRNOTICE_MAX_CALENDAR_BYTES", "0"),
        (["import", "missing.ics"], "FAIRNOTICE_MAX_CALENDAR_BYTES", "lots"),
        (["serve"], "FAIRNOTICE_SMTP_TLS", "ssl"),
    ],
)
def test_the_cli_exits_2_naming_the_variable(
    command: list[str], name: str, value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"fairnotice: {name}: "), result.stderr
    assert value.isdigit() or value not in result.stderr.removeprefix(f"fairnotice: {name}: ")
    assert not (tmp_path / "var").exists()  # nothing written
