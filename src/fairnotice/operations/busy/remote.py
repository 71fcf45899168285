"""A calendar a web user names by CalDAV URL, with their own login, as busy time.

The login is used for this one fetch and never stored, logged or echoed; server-wide
FAIRNOTICE_CALDAV_* credentials are never sent. The fetch is guarded against reaching
the server's own network (see `caldav.fetch`, `allow_private`). What comes back goes the
way an uploaded `.ics` goes (`uploads.busy_from_calendar`), so both shape the proposed
slots alike. Problems name the form's fields: `caldav_url`, `caldav_username`,
`caldav_password`.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from fairnotice.calendar.budget import Budget
from fairnotice.calendar.expand import OwnEvent
from fairnotice.errors import N_, BadInput
from fairnotice.operations.busy import caldav, uploads

URL_FIELD, USER_FIELD, PASSWORD_FIELD = "caldav_url", "caldav_username", "caldav_password"
TIMEOUT_SECONDS = 10.0


def checked_url(url: str) -> str:
    """The URL if it is one a user may give: http(s), a host, no login inside it."""
    url = url.strip()
    if len(url) > 2000 or caldav.unsendable(url):
        raise BadInput([(URL_FIELD, N_("one address of at most 2000 characters"))])
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port raises here
    except ValueError:
        raise BadInput([(URL_FIELD, N_("not a valid address"))]) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput([(URL_FIELD, N_("must be an http:// or https:// address"))])
    if parts.username is not None or parts.password is not None:
        raise BadInput(
            [
                (
                    URL_FIELD,
                    N_("put the user name and password in their own fields, not in the address"),
                )
            ]
        )
    return url


def busy_from_caldav(
    url: str,
    *,
    username: str,
    password: str,
    now: datetime,
    zone_name: str,
    allow_private: bool,
    timeout: float = TIMEOUT_SECONDS,
    own: OwnEvent | None = None,
) -> list[dict[str, str]]:
    """Busy periods of the CalDAV collection at `url`, over the window of an upload,
    without the interview's `own` event (K1)."""
    url = checked_url(url)
    if len(username) > 256 or any(c in username for c in "\r\n\x00:"):
        raise BadInput([(USER_FIELD, N_("at most 256 characters, no colon or line break"))])
    if len(password) > 1024 or any(c in password for c in "\r\n\x00"):
        raise BadInput([(PASSWORD_FIELD, N_("at most 1024 characters on one line"))])
    if bool(username) != bool(password):
        missing = USER_FIELD if not username else PASSWORD_FIELD
        raise BadInput([(missing, N_("give both the user name and the password, or neither"))])
    start, end = uploads.window(now, own)  # what busy_from_calendar reads of it below
    texts = caldav.fetch(
        url,
        start=start,
        end=end,
        max_bytes=uploads.MAX_UPLOAD,
        username=username or None,
        password=password or None,
        timeout=timeout,
        allow_private=allow_private,
        label=URL_FIELD,
        login_label=PASSWORD_FIELD,
    )
    busy: list[dict[str, str]] = []
    budget = Budget(URL_FIELD)  # one for the whole collection, however many objects it sends
    for text in texts:
        busy.extend(
            uploads.busy_from_calendar(
                text, now=now, zone_name=zone_name, label=URL_FIELD, own=own, budget=budget
            )
        )
    return busy
