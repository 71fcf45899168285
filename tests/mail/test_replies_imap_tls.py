"""IMAP over STARTTLS and implicit TLS, against a Dovecot of the test's own with a
certificate made for 127.0.0.1; an untrusted certificate is refused."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from fairnotice.mail.replies import ImapAccount, fetch_new
from tests.mail.imap_server import dovecot
from tests.mail.tls import certificate, client_context

RAW = b"From: hr@example.com\r\nMessage-ID: <t1@example.com>\r\nSubject: Re\r\n\r\nFreitag?\r\n"


def test_replies_are_fetched_over_starttls_and_implicit_tls(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    (tmp_path / "key.pem").chmod(0o644)
    with dovecot(tls=(cert, key)) as imap:
        imap.append(RAW)
        trusted = client_context(cert)
        starttls = ImapAccount(
            "127.0.0.1", imap.port, imap.user, imap.password, tls="starttls", context=trusted
        )
        implicit = ImapAccount(
            "127.0.0.1", imap.tls_port, imap.user, imap.password, tls="tls", context=trusted
        )
        for account in (starttls, implicit):
            validity, newest, found = fetch_new(account, uidvalidity=None, last_uid=0)
            assert validity > 0 and newest == 1
            assert [uid for uid, _ in found] == [1] and b"Message-ID: <t1@example.com>" in found[0][
                1
            ]
        # a later poll with the same UIDVALIDITY finds nothing new; a changed one starts over
        assert fetch_new(implicit, uidvalidity=validity, last_uid=1)[2] == []
        assert len(fetch_new(implicit, uidvalidity=validity + 1, last_uid=1)[2]) == 1
        untrusted = ImapAccount("127.0.0.1", imap.tls_port, imap.user, imap.password, tls="tls")
        with pytest.raises(ssl.SSLError):
            fetch_new(untrusted, uidvalidity=None, last_uid=0)
