"""Invitations in the shapes real clients send, built for import tests.

Where each shape comes from (what the client writes, property by property):

- Google Calendar: iMIP email `multipart/mixed` -> `multipart/alternative` (text/plain,
  text/html, `text/calendar; charset=UTF-8; method=REQUEST`) plus an `invite.ics`
  attachment as `application/ics`; PRODID `-//Google Inc//Google Calendar 70.9054//EN`,
  IANA TZID with a VTIMEZONE carrying `X-LIC-LOCATION`, attendees with `CN` = address and
  `X-NUM-GUESTS=0`, the Meet link in `X-GOOGLE-CONFERENCE` and in DESCRIPTION after Google's
  `-::~:~::~:` separator line. (As in Google's invitation emails; the same nesting is what
  fairnotice sends, mail/mime.py.)
- Outlook / Exchange / Office 365: `multipart/alternative` with a base64
  `text/calendar; charset="utf-8"; method=REQUEST`; PRODID `Microsoft Exchange Server 2010`,
  Windows zone names (`W. Europe Standard Time`) with a VTIMEZONE whose rules start in 1601,
  `SUMMARY;LANGUAGE=de-DE`, 040000008200E00074C5B7101A82E008... UIDs,
  `X-MICROSOFT-CDO-*` properties.
- Teams: the Outlook shape with LOCATION `Microsoft Teams Meeting`, the join link inside
  DESCRIPTION in angle brackets (as in the public Teams invitation kept in
  BenjaminElifLarsen/ClassScheduleExtrationFromIcs, MeetingICS.cs, which also shows a
  quoted `TZID="Romance Standard Time"`) and in `X-MICROSOFT-SKYPETEAMSMEETINGURL`.
- Apple Calendar (iCloud, macOS/iOS): PRODID `-//Apple Inc.//macOS 14.4//EN`, quoted
  `CN="..."` with `EMAIL=` parameters, `X-APPLE-STRUCTURED-LOCATION`, the email a
  `multipart/mixed` whose calendar is an attachment `text/calendar; method=REQUEST;
  name=meeting.ics` (Apple Mail's iMIP).
- Thunderbird (Lightning): PRODID `-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN`,
  zone TZIDs as IANA names, `multipart/mixed` -> `multipart/alternative` (text/plain,
  text/calendar) plus `invite.ics` as `application/ics`.
"""

from __future__ import annotations

import base64

CRLF = "\r\n"

_BERLIN_VTIMEZONE_GOOGLE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:GMT+2
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:GMT+1
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

_WINDOWS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def _crlf(text: str) -> bytes:
    return CRLF.join(text.strip("\n").split("\n")).encode("utf-8") + CRLF.encode()


def google_ics() -> bytes:
    return _crlf(f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REQUEST
{_BERLIN_VTIMEZONE_GOOGLE}
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20260316T140000
DTEND;TZID=Europe/Berlin:20260316T150000
DTSTAMP:20260301T090000Z
ORGANIZER;CN=Jonas Doe:mailto:j.doe@muster-partner.de
UID:7kukuqrfedlm2f9t4a5qjlf0gp@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=alex@example.org;X-NUM-GUESTS=0:mailto:alex@example.org
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE
 ;CN=Jonas Doe;X-NUM-GUESTS=0:mailto:j.doe@muster-partner.de
X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij
X-MICROSOFT-CDO-OWNERAPPTID:-1254147419
CREATED:20260301T085900Z
DESCRIPTION:-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~
 :~:~:~:~:~:~:~:~::~:~::-\\nJoin with Google Meet: https://meet.google.com/ab
 c-defg-hij\\n\\nLearn more about Meet at: https://support.google.com/a/users/
 answer/9282720\\n\\n-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~
 :~:~:~:~:~:~:~:~:~:~:~::~:~::-
LAST-MODIFIED:20260301T090000Z
LOCATION:
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Interview: Paralegal – Muster & Partner GmbH
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H30M0S
END:VALARM
END:VEVENT
END:VCALENDAR""")


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").strip()


def google_eml() -> bytes:
    ics = google_ics()
    text = f"""From: Jonas Doe <j.doe@muster-partner.de>
To: alex@example.org
Subject: Invitation: Interview: Paralegal – Muster & Partner GmbH @ Mon 16 Mar 2026
 14:00 - 15:00 (CET) (alex@example.org)
Date: Sun, 01 Mar 2026 09:00:00 +0000
Message-ID: <000000000000a1b2c3d4@google.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="000000000000mixed"

--000000000000mixed
Content-Type: multipart/alternative; boundary="000000000000alt"

--000000000000alt
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes
Content-Transfer-Encoding: base64

{_b64(b"You have been invited to the following event.")}
--000000000000alt
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<p>You have been invited to the following event.</p>
--000000000000alt
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST
Content-Transfer-Encoding: 7bit

{ics.decode("utf-8").replace("–", "-").replace(CRLF, chr(10))}
--000000000000alt--

--000000000000mixed
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(ics)}
--000000000000mixed--
"""
    return text.replace("\n", "\r\n").encode("utf-8")


def outlook_ics(*, tzid: str = "W. Europe Standard Time", teams: bool = False) -> bytes:
    quoted = f'"{tzid}"' if teams else tzid
    location = "Microsoft Teams Meeting" if teams else "Friedrichstraße 10\\, 10117 Berlin"
    join = (
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjI4MjE4M2ItNDUy"
        "YS00YWI2%40thread.v2/0?context=%7b%22Tid%22%3a%2265fd19cf%22%7d"
    )
    description = "Hallo Alex\\,\\n\\nwir freuen uns auf das Gespräch.\\n\\n" + (
        f"Microsoft Teams-Besprechung\\nHier klicken\\, um an der Besprechung "
        f"teilzunehmen <{join}>\\n"
        if teams
        else ""
    )
    extra = f"X-MICROSOFT-SKYPETEAMSMEETINGURL:{join}\n" if teams else ""
    lines = f"""BEGIN:VCALENDAR
METHOD:REQUEST
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{_WINDOWS_VTIMEZONE.format(tzid=tzid)}
BEGIN:VEVENT
ORGANIZER;CN=Jonas Doe:mailto:j.doe@muster-partner.de
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Alex Weber:
 mailto:alex@example.org
DESCRIPTION;LANGUAGE=de-DE:{description}
UID:040000008200E00074C5B7101A82E00800000000A0C6C3A1B2D1DC01000000000000000
 010000000D6E3A8E1A2B3C4D5E6F708192A3B4C5D
SUMMARY;LANGUAGE=de-DE:Vorstellungsgespräch Paralegal bei Muster & Partner
  GmbH (Runde 2)
DTSTART;TZID={quoted}:20260316T140000
DTEND;TZID={quoted}:20260316T150000
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20260301T090000Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:2
LOCATION;LANGUAGE=de-DE:{location}
{extra}X-MICROSOFT-CDO-APPT-SEQUENCE:2
X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE
BEGIN:VALARM
DESCRIPTION:REMINDER
TRIGGER;RELATED=START:-PT15M
ACTION:DISPLAY
END:VALARM
END:VEVENT
END:VCALENDAR"""
    return _crlf(lines)


def outlook_eml(*, teams: bool = False) -> bytes:
    ics = outlook_ics(teams=teams)
    text = f"""From: Jonas Doe <j.doe@muster-partner.de>
To: Alex Weber <alex@example.org>
Subject: =?utf-8?Q?Vorstellungsgespr=C3=A4ch_Paralegal?=
Thread-Topic: =?utf-8?Q?Vorstellungsgespr=C3=A4ch_Paralegal?=
Date: Sun, 1 Mar 2026 09:00:00 +0000
Message-ID: <AM0PR01MB1234@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
Content-Language: de-DE
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="_000_AM0PR01MB1234_"

--_000_AM0PR01MB1234_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64(b"Hallo Alex, wir freuen uns.")}

--_000_AM0PR01MB1234_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64(b"<html><body>Hallo Alex</body></html>")}

--_000_AM0PR01MB1234_
Content-Type: text/calendar; charset="utf-8"; method=REQUEST
Content-Transfer-Encoding: base64

{_b64(ics)}

--_000_AM0PR01MB1234_--
"""
    return text.replace("\n", "\r\n").encode("utf-8")


def apple_ics() -> bytes:
    return _crlf("""BEGIN:VCALENDAR
METHOD:REQUEST
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.4//EN
CALSCALE:GREGORIAN
BEGIN:VTIMEZONE
TZID:Europe/Stockholm
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
TRANSP:OPAQUE
DTEND;TZID=Europe/Stockholm:20261027T110000
ORGANIZER;CN="Karin Lind";EMAIL="karin@lind-partner.se":mailto:karin@lind-
 partner.se
UID:4C1F8A2E-3B5D-4E6F-9A0B-1C2D3E4F5A6B
DTSTAMP:20261020T101500Z
LOCATION:Lind & Partner AB\\nSveavägen 1\\n111 57 Stockholm\\nSverige
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="Sveavägen 1\\\\n111 57 Stockh
 olm\\\\nSverige";X-APPLE-RADIUS=70.5;X-TITLE="Lind & Partner AB":geo:59.3346
 ,18.0632
SEQUENCE:0
SUMMARY:Intervju: Jurist hos Lind & Partner AB
LAST-MODIFIED:20261020T101500Z
CREATED:20261020T101400Z
DTSTART;TZID=Europe/Stockholm:20261027T100000
ATTENDEE;CN="Alex Weber";CUTYPE=INDIVIDUAL;EMAIL="alex@example.org";PARTSTAT=
 NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:alex@example.org
ATTENDEE;CN="Karin Lind";CUTYPE=INDIVIDUAL;EMAIL="karin@lind-partner.se";PART
 STAT=ACCEPTED;ROLE=CHAIR:mailto:karin@lind-partner.se
END:VEVENT
END:VCALENDAR""")


def apple_eml() -> bytes:
    ics = apple_ics()
    text = f"""From: Karin Lind <karin@lind-partner.se>
To: Alex Weber <alex@example.org>
Subject: Inbjudan: Intervju: Jurist hos Lind & Partner AB
Date: Tue, 20 Oct 2026 12:15:00 +0200
Message-Id: <4C1F8A2E-3B5D-4E6F-9A0B-1C2D3E4F5A6B@icloud.com>
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Content-Type: multipart/mixed; boundary="Apple-Mail=_1A2B3C"

--Apple-Mail=_1A2B3C
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

Karin Lind has invited you to an event.

--Apple-Mail=_1A2B3C
Content-Disposition: attachment; filename=meeting.ics
Content-Type: text/calendar; charset=utf-8; method=REQUEST; name=meeting.ics
Content-Transfer-Encoding: base64

{_b64(ics)}
--Apple-Mail=_1A2B3C--
"""
    return text.replace("\n", "\r\n").encode("utf-8")


def thunderbird_eml() -> bytes:
    ics = _crlf("""BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VTIMEZONE
TZID:America/New_York
X-TZINFO:America/New_York[2025b]
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20260401T120000Z
LAST-MODIFIED:20260401T120000Z
DTSTAMP:20260401T120000Z
UID:0f6a2b1c-9d8e-4f7a-b6c5-d4e3f2a1b0c9
SUMMARY:Senior Accountant interview - Hudson Ledger LLC
ORGANIZER;CN=Pat Miller:mailto:pat@hudsonledger.com
ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CN=Alex Webe
 r:mailto:alex@example.org
DTSTART;TZID=America/New_York:20260414T093000
DTEND;TZID=America/New_York:20260414T103000
LOCATION:https://zoom.us/j/91234567890?pwd=abc
SEQUENCE:1
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR""")
    text = f"""From: Pat Miller <pat@hudsonledger.com>
To: alex@example.org
Subject: Invitation: Senior Accountant interview - Hudson Ledger LLC
Date: Wed, 1 Apr 2026 08:00:00 -0400
Message-ID: <abc123@hudsonledger.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------mixed"

This is a multi-part message in MIME format.
--------------mixed
Content-Type: multipart/alternative; boundary="------------alt"

--------------alt
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

You have been invited.

--------------alt
Content-Type: text/calendar; charset=UTF-8; method=REQUEST
Content-Transfer-Encoding: base64

{_b64(ics)}
--------------alt--

--------------mixed
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(ics)}
--------------mixed--
"""
    return text.replace("\n", "\r\n").encode("utf-8")
