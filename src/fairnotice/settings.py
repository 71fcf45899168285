"""Configuration from the environment and `.env` (CONTRACT.md's configuration table).

The secret key, when not given, is generated once into the data folder so that sessions
and signed links survive a restart without anyone having to invent a key.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"
DATABASE_FILE = "fairnotice.sqlite3"


class OAuthService(BaseModel):
    """One calendar service an organisation connects by OAuth 2 (Microsoft 365, Google
    Workspace): the app's registration there and the service's fixed addresses. Every
    request goes to these addresses only; nothing a user types chooses where."""

    model_config = {"frozen": True}

    client_id: str | None = None
    client_secret: str | None = None
    authorize_url: str
    token_url: str
    api_url: str  # Graph's https://graph.microsoft.com/v1.0, Google's .../calendar/v3

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


class MicrosoftService(OAuthService):
    """Microsoft 365 (Entra ID sign-in, Graph); any work or school tenant."""

    authorize_url: str = "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
    token_url: str = "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    api_url: str = "https://graph.microsoft.com/v1.0"


class GoogleService(OAuthService):
    """Google Workspace (Google sign-in, Calendar API v3)."""

    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"
    api_url: str = "https://www.googleapis.com/calendar/v3"


class Settings(BaseSettings):
    """Every FAIRNOTICE_* variable; defaults make a single machine work with nothing set."""

    model_config = SettingsConfigDict(
        env_prefix="FAIRNOTICE_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        env_nested_delimiter="__",
    )

    database_url: str | None = Field(default=None, description="SQLAlchemy URL")
    data_dir: Path = Field(default=Path("./var"), description="SQLite file and local state")
    secret_key: str | None = Field(default=None, min_length=16, description="signs sessions")
    base_url: str = Field(default="http://127.0.0.1:8000", description="public address")
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_from: str | None = None
    session_idle_minutes: int = Field(
        default=480, ge=1, description="a page session ends after this long without a request"
    )
    session_max_days: int = Field(
        default=7, ge=1, le=90, description="a page session ends this long after sign-in"
    )
    throttle: bool = Field(
        default=True, description="limit sign-in and token attempts (off only in tests)"
    )
    caldav_allow_private: bool = Field(
        default=False, description="let users' CalDAV URLs reach loopback and private addresses"
    )
    # FAIRNOTICE_MICROSOFT__CLIENT_ID, FAIRNOTICE_GOOGLE__CLIENT_SECRET, ...
    microsoft: MicrosoftService = Field(
        default_factory=MicrosoftService, description="Microsoft 365 (Graph)"
    )
    google: GoogleService = Field(
        default_factory=GoogleService, description="Google Workspace (Calendar)"
    )

    @property
    def database(self) -> str:
        """The URL in use: the configured one, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"

    @cached_property
    def secret(self) -> str:
        """The configured key, else the one stored in (or first written to) the data folder."""
        if self.secret_key:
            return self.secret_key
        return stored_secret(self.data_dir)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def stored_secret(data_dir: Path) -> str:
    """Read the data folder's key, creating it (mode 0600) on first use.

    Processes started at once (serve and workers) agree on one key: it is written to a
    file of its own and linked into place, which fails for all but the first."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    draft = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        try:
            os.link(draft, path)  # atomic, and never over another process's key
        except FileExistsError:
            found = path.read_text(encoding="ascii").strip()
            if len(found) >= 32:
                return found
            os.replace(draft, path)  # a key too short to keep: replaced, as before
    finally:
        draft.unlink(missing_ok=True)
    return key


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})


def served_base_url(settings: Settings, host: str, port: int) -> tuple[str, str | None]:
    """The public address links in emails use when serving on `host`:`port`, and a
    warning to print at start, if any.

    A configured FAIRNOTICE_BASE_URL wins (behind a proxy it names another host and port
    on purpose); it is only doubted when it points at this machine on another port, where
    every emailed link would lead nowhere. Without one, the address is the one served:
    links must reach this server, not the default port."""
    from urllib.parse import urlsplit

    if "base_url" in settings.model_fields_set and settings.base_url.strip():
        configured = settings.base_url.rstrip("/")
        parts = urlsplit(configured)
        default = 443 if parts.scheme == "https" else 80
        named_port = parts.port or default
        if (parts.hostname in LOCAL_HOSTS or parts.hostname == host) and named_port != port:
            return configured, (
                f"FAIRNOTICE_BASE_URL is {configured}, but this server listens on port "
                f"{port}: links in emails lead to port {named_port}. Set FAIRNOTICE_BASE_URL "
                "to the address people reach this server at."
            )
        return configured, None
    if host in {"0.0.0.0", "::"}:
        return f"http://127.0.0.1:{port}", (
            f"listening on every address ({host}), but links in emails name "
            f"http://127.0.0.1:{port}: set FAIRNOTICE_BASE_URL to the public address."
        )
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}", None
