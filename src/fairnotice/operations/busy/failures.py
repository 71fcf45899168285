"""Why a calendar's server could not be read, in words a person understands.

A page never shows an exception's own text nor a protocol word (PROPFIND, 501,
WRONG_VERSION_NUMBER): each failure is mapped to a plain reason and what to do, with
the status number kept only where it helps someone ask the server's owner.
"""

from __future__ import annotations

import socket
import ssl

from fairnotice.errors import N_, Phrase


def answered(code: int) -> str:
    """Why a server's HTTP error `code` means no calendar can be read here."""
    if code in (404, 410):
        return Phrase(
            "the calendar is gone (%(code)s): the link was removed or replaced; paste the new one",
            code=code,
        )
    if code in (400, 405, 406, 415, 501):  # the address is no calendar (no WebDAV, no iCalendar)
        return N_("the server does not offer calendars at this address: check the address")
    if code == 429 or code >= 500:
        return Phrase(
            "the server could not answer just now (%(code)s); it is tried again later", code=code
        )
    return Phrase("the server refused to show the calendar (%(code)s)", code=code)


def unreachable(reason: object) -> str:
    """Why no answer came, from a connection's failure `reason` (never its own text)."""
    if isinstance(reason, ssl.SSLCertVerificationError):
        return N_("the server's certificate is not valid for this address: check the address")
    if isinstance(reason, ssl.SSLError):  # webcal:// read over https from a plain-http server
        return N_("the server did not answer securely (https): check the address")
    if isinstance(reason, socket.gaierror):
        return N_("no server is known by this name: check the address")
    if isinstance(reason, ConnectionRefusedError):
        return N_("the server refused the connection: check the address and port")
    if isinstance(reason, TimeoutError | socket.timeout):
        return N_("the server took too long to answer")
    return N_("cannot reach the server: check the address, or try again later")
