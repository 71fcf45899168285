"""The SMTP transport against a real aiosmtpd server on 127.0.0.1, and its in-memory double."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given
from hypothesis import strategies as st

from fairnotice.mail.transport import (
    Envelope,
    MemoryTransport,
    Outcome,
    Result,
    SmtpConfig,
    SmtpTransport,
    dot_stuffed,
)
from tests.mail.servers import Faults, Recorder, free_port, smtp_server
from tests.mail.tls import certificate, client_context, server_context


def envelope(n: int, body: str = "Hallo.") -> Envelope:
    mid, to = f"<m{n}@fairnotice.test>", f"c{n}@example.com"
    data = (
        f"From: alex@example.org\r\nTo: {to}\r\nSubject: Test {n}\r\nMessage-ID: {mid}\r\n\r\n"
        f"{body}\r\n"
    ).encode()
    return Envelope("alex@example.org", (to,), data, mid)


def test_one_connection_carries_a_whole_batch() -> None:
    with smtp_server() as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        results = [transport.send(envelope(n)) for n in range(5)]
        transport.close()
    assert [r.outcome for r in results] == [Outcome.delivered] * 5
    assert all(r.code == 250 for r in results)
    assert transport.connections == 1
    assert len(recorder.connections) == 1
    assert [r.message_id for r in recorder.received] == [
        f"<m{n}@fairnotice.test>" for n in range(5)
    ]
    assert recorder.received[0].rcpt_tos == ["c0@example.com"]
    assert recorder.received[0].parsed()["Subject"] == "Test 0"


def test_dot_stuffing_keeps_lines_that_start_with_a_dot() -> None:
    body = ".\r\n..two\r\n.three\nlast"
    with smtp_server() as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        result = transport.send(envelope(1, body=body))
        transport.close()
    assert result.outcome is Outcome.delivered
    got = recorder.received[0].parsed().get_content()
    assert got.replace("\r\n", "\n") == ".\n..two\n.three\nlast\n"
    assert dot_stuffed(b"a\n.b") == b"a\r\n..b\r\n.\r\n"


def test_4xx_is_temporary_and_5xx_permanent_with_the_servers_words() -> None:
    faults = Faults(temporary={"c1@example.com": 1}, permanent={"c2@example.com"})
    with smtp_server(Recorder(faults)) as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        first, second, third = (transport.send(envelope(n)) for n in (1, 2, 3))
        again = transport.send(envelope(1))
        transport.close()
    assert (first.outcome, first.code) == (Outcome.temporary, 451)
    assert first.words == "451 4.3.0 try again later"
    assert (second.outcome, second.code) == (Outcome.permanent, 550)
    assert second.words == "550 5.7.1 message refused by policy"
    assert third.outcome is Outcome.delivered and again.outcome is Outcome.delivered
    assert transport.connections == 1  # a refused message does not cost the connection
    assert sorted(recorder.counts()) == ["<m1@fairnotice.test>", "<m3@fairnotice.test>"]


def test_refused_recipients_inside_an_accepted_transaction_are_reported() -> None:
    faults = Faults(refuse_rcpt={"gone@example.com": 550, "busy@example.com": 450})
    with smtp_server(Recorder(faults)) as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        mixed = transport.send(
            Envelope("a@example.org", ("ok@example.com", "gone@example.com"), b"x\r\n", "<x@t>")
        )
        gone = transport.send(Envelope("a@example.org", ("gone@example.com",), b"y", "<y@t>"))
        busy = transport.send(Envelope("a@example.org", ("busy@example.com",), b"z", "<z@t>"))
        transport.close()
    assert mixed.outcome is Outcome.delivered
    assert mixed.refused == {"gone@example.com": (550, "5.1.1 no such user here")}
    assert recorder.received[0].rcpt_tos == ["ok@example.com"]
    assert (gone.outcome, gone.code) == (Outcome.permanent, 550)
    assert (busy.outcome, busy.code) == (Outcome.temporary, 450)
    assert len(recorder.received) == 1


def test_a_drop_before_data_ends_is_temporary_and_not_possibly_delivered() -> None:
    faults = Faults(drop_before={"c1@example.com"}, drop_after={"c2@example.com"})
    with smtp_server(Recorder(faults)) as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        before = transport.send(envelope(1))
        after = transport.send(envelope(2))
        next_one = transport.send(envelope(3))
        transport.close()
    assert before.outcome is Outcome.temporary and not before.after_data
    assert after.outcome is Outcome.temporary and after.after_data
    assert "connection lost" in after.text
    assert next_one.outcome is Outcome.delivered
    assert transport.connections == 3  # reconnected after each drop
    assert recorder.counts() == {"<m2@fairnotice.test>": 1, "<m3@fairnotice.test>": 1}
    assert recorder.died_after_data("<m2@fairnotice.test>")


def test_a_slow_server_times_out_as_temporary_after_data() -> None:
    faults = Faults(slow={"c1@example.com": 1.5})
    with smtp_server(Recorder(faults)) as (port, _):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none", timeout=0.4))
        slow = transport.send(envelope(1))
        fast = transport.send(envelope(2))
        transport.close()
    assert slow.outcome is Outcome.temporary and slow.after_data
    assert "timed out" in slow.text or "connection lost" in slow.text
    assert fast.outcome is Outcome.delivered


def test_no_server_is_a_temporary_failure() -> None:
    transport = SmtpTransport(SmtpConfig("127.0.0.1", free_port(), tls="none", timeout=2))
    result = transport.send(envelope(1))
    assert result.outcome is Outcome.temporary
    assert "cannot connect" in result.text


class _Auth:
    def __init__(self) -> None:
        self.logins: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and data.password == b"s3cret"
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)


def test_starttls_with_credentials(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    auth = _Auth()
    with smtp_server(
        tls_context=server_context(cert, key),
        require_starttls=True,
        authenticator=auth,
        auth_require_tls=True,
    ) as (port, recorder):
        good = SmtpConfig(
            "127.0.0.1",
            port,
            tls="starttls",
            username="alex",
            password="s3cret",
            context=client_context(cert),
        )
        with SmtpTransport(good) as transport:
            ok = transport.send(envelope(1))
        bad = SmtpConfig(
            "127.0.0.1",
            port,
            tls="starttls",
            username="alex",
            password="wrong",
            context=client_context(cert),
        )
        with SmtpTransport(bad) as transport:
            refused = transport.send(envelope(2))
    assert ok.outcome is Outcome.delivered
    assert auth.logins == ["alex"]
    assert refused.outcome is Outcome.temporary and refused.code == 535
    assert recorder.counts() == {"<m1@fairnotice.test>": 1}


def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    with smtp_server(ssl_context=server_context(cert, key)) as (port, recorder):
        config = SmtpConfig("127.0.0.1", port, tls="tls", context=client_context(cert))
        with SmtpTransport(config) as transport:
            result = transport.send(envelope(1))
        plain = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="tls", timeout=3))
        untrusted = plain.send(envelope(2))  # the system CAs do not know this certificate
    assert result.outcome is Outcome.delivered
    assert untrusted.outcome is Outcome.temporary and "cannot connect" in untrusted.text
    assert recorder.counts() == {"<m1@fairnotice.test>": 1}


def test_memory_transport_keeps_what_it_was_given_and_plays_a_script() -> None:
    double = MemoryTransport()
    assert double.send(envelope(1)).outcome is Outcome.delivered
    scripted = MemoryTransport(lambda e: Result(Outcome.permanent, 550, "no"))
    assert scripted.send(envelope(2)).words == "550 no"
    double.close()
    assert [e.message_id for e in double.sent] == ["<m1@fairnotice.test>"]
    assert scripted.sent == [] and double.closed == 1


def test_utf8_addresses_need_the_relays_smtputf8() -> None:
    letter = Envelope(
        "alex@example.org", ("jörg@exämple.com",), b"Subject: x\r\n\r\nx\r\n", "<u@t>"
    )
    with smtp_server(enable_SMTPUTF8=True) as (port, recorder):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        accepted = transport.send(letter)
        transport.close()
    with smtp_server(enable_SMTPUTF8=False) as (port, plain):
        transport = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none"))
        refused = transport.send(letter)
        transport.close()
    assert accepted.outcome is Outcome.delivered
    assert recorder.received[0].rcpt_tos == ["jörg@exämple.com"]
    assert refused.outcome is Outcome.permanent and "UTF-8" in refused.text
    assert plain.received == []


@given(st.binary(max_size=400) | st.text(alphabet="\r\n.ab", max_size=60).map(str.encode))
def test_dot_stuffing_fast_path_gives_what_the_full_rewrite_gives(data: bytes) -> None:
    full = re.sub(rb"(?m)^\.", b"..", re.sub(rb"\r\n|\r|\n", b"\r\n", data))
    full = (full if full.endswith(b"\r\n") else full + b"\r\n") + b".\r\n"
    assert dot_stuffed(data) == full


def test_envelope_paths_go_as_written_and_hostile_ones_never_reach_the_server() -> None:
    body = b"X: y\r\n\r\nz\r\n"
    hostile = "v@y.example>\r\nRCPT TO:<evil@z.example"
    config = SmtpConfig("127.0.0.1", 0, tls="none")
    with (
        smtp_server(Recorder()) as (port, recorder),
        SmtpTransport(SmtpConfig(config.host, port, tls="none")) as transport,
    ):
        ok = transport.send(Envelope("a.b+c@x.example", ("d@y.example",), body, "<m1@x>"))
        bad = transport.send(Envelope("a@x.example", (hostile,), body, "<m2@x>"))
    assert ok.outcome is Outcome.delivered
    assert bad.outcome is not Outcome.delivered, bad
    envelopes = [(r.mail_from, r.rcpt_tos) for r in recorder.received]
    assert envelopes == [("a.b+c@x.example", ["d@y.example"])]
    assert "evil@z.example" not in recorder.rcpt_seen
