"""Subscription links: a calendar's secret iCalendar address, pasted once, asked again.

Google's "secret address in iCal format", Outlook.com's published calendar, iCloud's
public calendar, or any `https://` `.ics`: one GET, conditional on what the server
answered last (If-None-Match, If-Modified-Since), so an unchanged calendar costs a 304
and no parse. `webcal://` is the same address over HTTPS (the scheme only tells a
calendar app to subscribe; every provider serves it over HTTPS), `webcals://` too.

The address is a credential (whoever has it reads the calendar): it is stored sealed
(store/sealing.py) and shown as its host and "…". It is reached through the CalDAV
reader's guarded connections (operations/busy/caldav.py): every address a host resolves to
must be public (checked at connect time, for every redirect too), no proxy; redirects
may change host (iCloud's do) but never go from https:// to http://. The
answer is cut at the upload limit, time-boxed, and parsed within the reading budget.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from functools import lru_cache
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from fairnotice.calendar import parse
from fairnotice.calendar.budget import Budget
from fairnotice.calendar.expand import Interval
from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.operations.busy import failures, sources
from fairnotice.operations.busy.caldav import (
    RefusedAddress,
    _GuardedHTTPHandler,
    _GuardedHTTPSHandler,
    _TimedHTTPHandler,
    _TimedHTTPSHandler,
    deadline,
    read_bounded,
    undrained,
    unsendable,
)
from fairnotice.operations.busy.sources import Changed, Opening, Refreshed, Unchanged, Validators

KIND = "subscription"
FIELD = "subscription_url"
MAX_BYTES = parse.DEFAULT_MAX_BYTES  # as an upload
MAX_LINK = 2000
SLOW = N_("the calendar's server took too long to answer")
_SCHEMES = {"webcal": "https", "webcals": "https", "https": "https", "http": "http"}
_AGENT = "fairnotice (calendar subscription)"


def checked_link(url: str, *, field: str = FIELD) -> str:
    """The link as it is fetched: `webcal://` and `webcals://` become `https://`; refused
    (naming `field`) when it is not one http(s) address with a host and no login in it."""
    url = url.strip()
    if not url or len(url) > MAX_LINK or unsendable(url):
        raise BadInput([(field, N_("one address of at most 2000 characters"))])
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port raises here
    except ValueError:
        raise BadInput([(field, N_("not a valid address"))]) from None
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise BadInput([(field, N_("must be a webcal://, https:// or http:// address"))])
    if parts.username is not None or parts.password is not None:
        raise BadInput([(field, N_("a subscription link carries no user name or password"))])
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def hint(url: str) -> str:
    """What may be shown of a secret link: its host, then an ellipsis."""
    return f"{urlsplit(url).hostname or ''}…"


class Subscription:
    """A `BusySource` for one subscription link."""

    __slots__ = ("allow_private", "timeout", "url")

    def __init__(self, url: str, *, allow_private: bool, timeout: float = 20.0) -> None:
        self.url, self.allow_private, self.timeout = url, allow_private, timeout

    def request(self, validators: Validators) -> urllib.request.Request:
        request = urllib.request.Request(self.url, method="GET")
        request.add_header("Accept", "text/calendar, */*;q=0.5")
        request.add_header("User-Agent", _AGENT)
        if validators.etag:
            request.add_header("If-None-Match", validators.etag)
        if validators.last_modified:
            request.add_header("If-Modified-Since", validators.last_modified)
        return request

    def refresh(self, *, validators: Validators, window: Interval, budget: Budget) -> Refreshed:
        """The calendar's text, or Unchanged on 304. The text is parsed by the caller
        (refresh.py) within `budget`; `window` is the caller's too (a file has no range)."""
        del window, budget
        end = time.monotonic() + self.timeout
        try:
            with (
                deadline(self.timeout),  # the whole answer, redirects too, not each wait
                _shared_opener(self.allow_private).open(
                    self.request(validators), timeout=self.timeout
                ) as response,
            ):
                data = read_bounded(
                    response, max_bytes=MAX_BYTES, deadline=end, label=FIELD, slow=SLOW
                )
                headers = response.headers
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304 and (validators.etag or validators.last_modified):
                return Unchanged(validators)
            raise BadInput([(FIELD, _answered(exc.code))]) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            reason = exc if isinstance(exc, TimeoutError) else exc.reason
            if isinstance(reason, TimeoutError):  # no answer within the deadline
                raise BadInput(
                    [(FIELD, N_("the calendar's server took too long to answer"))]
                ) from None
            assert isinstance(exc, urllib.error.URLError)
            if isinstance(exc.reason, RefusedAddress):
                raise BadInput(
                    [(FIELD, Phrase("not allowed: %(reason)s", reason=exc.reason))]
                ) from None
            raise BadInput([(FIELD, failures.unreachable(exc.reason))]) from None
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise BadInput([(FIELD, failures.unreachable(exc))]) from None
        if len(data) > MAX_BYTES:
            raise BadInput(
                [
                    (
                        FIELD,
                        Phrase(
                            "the calendar is larger than the limit of %(max)s bytes", max=MAX_BYTES
                        ),
                    )
                ]
            )
        text = parse.decode(data, label=FIELD)
        if "BEGIN:VCALENDAR" not in text[:4096].upper():
            raise BadInput([(FIELD, N_("the address does not answer with a calendar (.ics)"))])
        etag = headers.get("ETag")
        modified = headers.get("Last-Modified")
        return Changed(
            Validators(
                etag=etag if etag and len(etag) <= 300 else None,
                last_modified=modified if modified and len(modified) <= 100 else None,
            ),
            ics=text,
        )


class _Redirect(urllib.request.HTTPRedirectHandler):
    """Follow a provider's redirect to another host (iCloud sends a public calendar to the
    partition that holds it), at most 5, never from https:// down to http://. Each hop
    connects through the guard again, and a GET carries no login, so no credential
    follows; only the link's own host is kept as its hint."""

    max_redirections = 5

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if new.scheme not in ("http", "https") or (old.scheme, new.scheme) == ("https", "http"):
            return None  # the 3xx becomes an error the caller sees
        undrained(fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@lru_cache(maxsize=2)
def _shared_opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """The guarded opener (operations/busy/caldav.py) with redirects across hosts, built once:
    its handlers keep no state between requests (the guard runs in each connection), and
    building one costs a third of a 304's CPU."""
    if allow_private:
        return urllib.request.build_opener(_TimedHTTPHandler, _TimedHTTPSHandler, _Redirect)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _GuardedHTTPHandler, _GuardedHTTPSHandler, _Redirect
    )


def _answered(code: int) -> str:
    if code in (401, 403):
        return Phrase(
            "the calendar's server refuses this link (%(code)s): it may have been reset; "
            "paste the new one",
            code=code,
        )
    return failures.answered(code)


def _open(opening: Opening) -> Subscription:
    return Subscription(
        opening.address, allow_private=opening.allow_private, timeout=opening.timeout
    )


sources.register(KIND, _open)
