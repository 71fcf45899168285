"""`fairnotice import`: real-world files import or fail clearly; client shapes import right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairnotice.calendar.invite import ImportedInterview, import_invitation, split_summary
from fairnotice.cli import app
from fairnotice.errors import BadInput
from tests.calendar import invitations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ics-icalendar"
FIXTURE_FILES = sorted(FIXTURES.glob("*.ics"))


def invoke(*args: str) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, exception


def test_the_shared_fixtures_are_there() -> None:
    assert len(FIXTURE_FILES) >= 150, f"expected the calendar fixtures in {FIXTURES}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_every_fixture_imports_or_fails_with_exit_2(path: Path) -> None:
    code, out, err, exception = invoke("import", str(path), "--json")
    assert exception is None, f"crashed: {exception!r}"
    assert code in (0, 2), (code, err)
    if code == 0:
        interview = ImportedInterview.model_validate(json.loads(out))
        assert interview.end > interview.start
        assert interview.start.utcoffset() is not None
    else:
        assert err.startswith("fairnotice: "), err
        assert path.name in err  # names the file, and then what is wrong in it
        assert "Traceback" not in err


def test_fixture_outcomes_are_what_the_files_hold() -> None:
    """Spot checks: a custom VTIMEZONE maps by its offsets, a Windows name by its name,
    a TZID nobody defines is an error, not UTC."""
    brasil = import_invitation(
        (
            FIXTURES / "calendars__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics"
        ).read_bytes()
    )
    assert brasil.timezone == "America/Sao_Paulo"
    assert brasil.start.isoformat() == "2017-05-11T13:30:00-03:00"
    eastern = import_invitation(
        (FIXTURES / "calendars__issue_836_do_not_quote_tzid.ics").read_bytes()
    )
    assert eastern.timezone == "America/New_York"
    with pytest.raises(BadInput, match="CUSTOM_tzid"):
        import_invitation(
            (FIXTURES / "calendars__issue_722_missing_VTIMEZONE_custom.ics").read_bytes()
        )


def test_google_invitation_email() -> None:
    interview = import_invitation(invitations.google_eml())
    assert (interview.position, interview.company) == ("Paralegal", "Muster & Partner GmbH")
    assert interview.start.isoformat() == "2026-03-16T14:00:00+01:00"
    assert interview.end.isoformat() == "2026-03-16T15:00:00+01:00"
    assert interview.timezone == "Europe/Berlin"
    assert interview.video_url == "https://meet.google.com/abc-defg-hij"
    assert interview.location is None
    assert interview.uid == "7kukuqrfedlm2f9t4a5qjlf0gp@google.com"
    assert interview.organizer is not None
    assert interview.organizer.email == "j.doe@muster-partner.de"
    assert [a.email for a in interview.attendees] == ["alex@example.org", "j.doe@muster-partner.de"]
    assert import_invitation(invitations.google_ics()) == interview


@pytest.mark.parametrize("shape", ["ics", "eml"])
def test_outlook_invitation_with_windows_zone(shape: str) -> None:
    data = invitations.outlook_ics() if shape == "ics" else invitations.outlook_eml()
    interview = import_invitation(data)
    assert interview.timezone == "Europe/Berlin"
    assert interview.start.isoformat() == "2026-03-16T14:00:00+01:00"
    assert (interview.position, interview.company) == ("Paralegal", "Muster & Partner GmbH")
    assert interview.round == 2
    assert interview.sequence == 2
    assert interview.location == "Friedrichstraße 10, 10117 Berlin"
    assert interview.uid is not None and interview.uid.startswith("040000008200E000")


def test_teams_invitation_finds_the_join_link() -> None:
    interview = import_invitation(invitations.outlook_eml(teams=True))
    assert interview.video_url is not None
    assert interview.video_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert interview.location is None  # "Microsoft Teams Meeting" is not a place


@pytest.mark.parametrize("shape", ["ics", "eml"])
def test_apple_invitation(shape: str) -> None:
    data = invitations.apple_ics() if shape == "ics" else invitations.apple_eml()
    interview = import_invitation(data)
    assert (interview.position, interview.company) == ("Jurist", "Lind & Partner AB")
    assert interview.timezone == "Europe/Stockholm"
    # 27 October 2026 is after the change back to CET.
    assert interview.start.isoformat() == "2026-10-27T10:00:00+01:00"
    assert interview.location == "Lind & Partner AB, Sveavägen 1, 111 57 Stockholm, Sverige"
    assert interview.organizer is not None and interview.organizer.name == "Karin Lind"


def test_thunderbird_invitation_with_zoom_location() -> None:
    interview = import_invitation(invitations.thunderbird_eml())
    assert (interview.position, interview.company) == ("Senior Accountant", "Hudson Ledger LLC")
    assert interview.start.isoformat() == "2026-04-14T09:30:00-04:00"
    assert interview.video_url == "https://zoom.us/j/91234567890?pwd=abc"
    assert interview.sequence == 1


@pytest.mark.parametrize(
    ("tzid", "zone", "offset"),
    [
        ("W. Europe Standard Time", "Europe/Berlin", "+01:00"),
        ("Romance Standard Time", "Europe/Paris", "+01:00"),
        ("GMT Standard Time", "Europe/London", "+00:00"),
        ("Eastern Standard Time", "America/New_York", "-04:00"),
        ("Tokyo Standard Time", "Asia/Tokyo", "+09:00"),
        ("/mozilla.org/20070129_1/Europe/Berlin", "Europe/Berlin", "+01:00"),
    ],
)
def test_zone_names_map_to_iana(tzid: str, zone: str, offset: str) -> None:
    ics = invitations.outlook_ics().replace(b"W. Europe Standard Time", tzid.encode())
    # Without the VTIMEZONE the name alone must be enough.
    bare = b"\r\n".join(
        line
        for line in ics.split(b"\r\n")
        if not line.startswith((b"BEGIN:VTIMEZONE", b"END:VTIMEZONE", b"TZID:"))
    )
    # The VTIMEZONE in these files has Central European rules.
    for data in (ics, bare) if offset == "+01:00" else (bare,):
        interview = import_invitation(data)
        assert interview.timezone == zone
        assert interview.start.isoformat() == f"2026-03-16T14:00:00{offset}"


def test_unknown_tzid_is_an_error_never_utc() -> None:
    ics = invitations.outlook_ics().replace(b"W. Europe Standard Time", b"Mars/Olympus Mons")
    bare = b"\r\n".join(line for line in ics.split(b"\r\n") if b"VTIMEZONE" not in line)
    # The VTIMEZONE body without BEGIN/END no longer defines the zone.
    with pytest.raises(BadInput, match="Mars/Olympus Mons") as info:
        import_invitation(bare.replace(b"TZID:Mars/Olympus Mons\r\n", b""))
    assert "DTSTART" in info.value.field


def test_custom_vtimezone_name_maps_by_its_rules() -> None:
    ics = invitations.outlook_ics(tzid="Customized Time Zone")
    interview = import_invitation(ics)
    assert interview.timezone in (
        "Europe/Berlin",
        "Europe/Paris",
        "Europe/Amsterdam",
        "Europe/Brussels",
        "Europe/Rome",
        "Europe/Vienna",
    )
    assert interview.start.isoformat() == "2026-03-16T14:00:00+01:00"


def test_size_cap_refuses_big_files_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.ics"
    padding = b"X-PAD:" + b"a" * 70 + b"\r\n"
    big.write_bytes(
        invitations.google_ics().replace(
            b"END:VEVENT", padding * (1024 * 1024 // len(padding) + 1) + b"END:VEVENT"
        )
    )
    code, _, err, _ = invoke("import", str(big))
    assert code == 2 and "larger than the limit of 1048576" in err
    monkeypatch.setenv("FAIRNOTICE_MAX_CALENDAR_BYTES", str(4 * 1024 * 1024))
    code, out, err, _ = invoke("import", str(big), "--json")
    assert code == 0, err
    assert json.loads(out)["position"] == "Paralegal"
    monkeypatch.setenv("FAIRNOTICE_MAX_CALENDAR_BYTES", "lots")
    code, _, err, _ = invoke("import", str(big))
    assert code == 2 and "FAIRNOTICE_MAX_CALENDAR_BYTES" in err


def test_email_without_calendar_is_a_clear_error() -> None:
    with pytest.raises(BadInput, match="carries no calendar"):
        import_invitation(b"From: a@b.c\r\nSubject: hi\r\n\r\nno invitation here\r\n")


@pytest.mark.parametrize(
    ("summary", "position", "company"),
    [
        ("Interview: Paralegal – Muster & Partner GmbH", "Paralegal", "Muster & Partner GmbH"),
        ("Vorstellungsgespräch Paralegal bei Muster GmbH", "Paralegal", "Muster GmbH"),
        ("Intervju: Jurist hos Lind AB", "Jurist", "Lind AB"),
        ("Interview for Data Analyst at Acme Inc", "Data Analyst", "Acme Inc"),
        ("Acme Ltd | Backend Engineer interview", "Backend Engineer", "Acme Ltd"),
        ("Team lunch", "Team lunch", None),
    ],
)
def test_position_and_company_from_the_summary(
    summary: str, position: str, company: str | None
) -> None:
    assert split_summary(summary) == (position, company)


def test_cli_import_reports_k1_conflicts(tmp_path: Path) -> None:
    busy = tmp_path / "me.ics"
    busy.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:d1\r\n"
        "DTSTAMP:20260301T000000Z\r\nDTSTART:20260316T133000Z\r\nDTEND:20260316T143000Z\r\n"
        "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    invite = tmp_path / "invite.eml"
    invite.write_bytes(invitations.google_eml())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairnotice",
            "import",
            str(invite),
            "--calendar",
            str(busy),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # 14:00-15:00 Berlin is 13:00-14:00 UTC: the dentist (13:30-14:30 UTC) clashes.
    assert data["conflicts"] == [
        {"start": "2026-03-16T13:30:00+00:00", "end": "2026-03-16T14:30:00+00:00"}
    ]
    assert data["start"] == "2026-03-16T14:00:00+01:00"


def test_cli_import_without_json_prints_each_field(tmp_path: Path) -> None:
    invite = tmp_path / "invite.ics"
    invite.write_bytes(invitations.outlook_ics())
    code, out, err, exception = invoke("import", str(invite))
    assert exception is None and code == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert json.loads(lines["timezone"]) == "Europe/Berlin"
    assert json.loads(lines["start"]) == "2026-03-16T14:00:00+01:00"
    assert json.loads(lines["organizer"])["email"] == "j.doe@muster-partner.de"
