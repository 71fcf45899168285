"""A Dovecot IMAP server of the test's own: config in a temp dir, a free localhost port.

The system service is never touched. Missing Dovecot skips locally and fails under
CI=true (`.ci/run` installs dovecot-imapd).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mail.servers import free_port

DOVECOT = "/usr/sbin/dovecot"
IN_CI = os.environ.get("CI") == "true"


@dataclass(frozen=True)
class Imap:
    port: int
    user: str
    password: str
    tls_port: int = 0

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            status, _ = client.append(folder, None, imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"
        finally:
            client.logout()


def _require() -> None:
    if not os.path.exists(DOVECOT):
        if IN_CI:
            pytest.fail("Dovecot is required under CI=true (.ci/run installs dovecot-imapd)")
        pytest.skip("Dovecot not installed (apt-get install dovecot-imapd)")


def _config(root: Path, port: int, tls: tuple[Path, Path, int] | None = None) -> Path:
    if os.getuid() == 0:  # Dovecot never gives mail to uid 0: use nobody
        owner = pwd.getpwnam("nobody")
        uid, gid = owner.pw_uid, owner.pw_gid
    else:
        uid, gid = os.getuid(), os.getgid()
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", uid, gid)
    (root / "users").write_text("alex:{PLAIN}s3cret-imap\n", encoding="utf-8")
    ssl = "ssl = no"
    if tls is not None:
        ssl = f"ssl = yes\nssl_cert = <{tls[0]}\nssl_key = <{tls[1]}"
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {min(uid, 500)}
default_login_user = {pwd.getpwuid(uid).pw_name if uid else "dovenull"}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls[2] if tls else 0}
  }}
}}
""",
        encoding="utf-8",
    )
    return conf


@contextmanager
def dovecot(tls: tuple[Path, Path] | None = None) -> Iterator[Imap]:
    """Dovecot on a free port (STARTTLS there, and implicit TLS on `imap.tls_port`, when
    a certificate and key are given)."""
    _require()
    root = Path(tempfile.mkdtemp(prefix="fairnotice-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    tls_port = free_port() if tls else 0
    secure = (tls[0], tls[1], tls_port) if tls else None
    process = subprocess.Popen(
        [DOVECOT, "-c", str(_config(root, port, secure)), "-F"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"Dovecot did not start: {log}")
                time.sleep(0.1)
        yield Imap(port, "alex", "s3cret-imap", tls_port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)
