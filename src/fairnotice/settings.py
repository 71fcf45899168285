"""Configuration from the environment and `.env` (CONTRACT.md's configuration table).

One `Settings`, read once by each face (cli.py's `_settings`, web/app.py's `create_app`)
and passed down; its groups (`smtp`, `delivery`, `imap`, `calendars`, `microsoft`,
`google`) keep the flat names the variables always had (FAIRNOTICE_SMTP_HOST,
FAIRNOTICE_DELIVERY_BATCH_SIZE, FAIRNOTICE_MICROSOFT__CLIENT_ID). No other module reads
the environment for configuration.

The secret key, when not given, is generated once into the data folder so that sessions
and signed links survive a restart without anyone having to invent a key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SECRET_FILE = "secret_key"
DATABASE_FILE = "fairnotice.sqlite3"
PREFIX = "FAIRNOTICE_"
MAX_CALENDAR_BYTES = 1024 * 1024  # calendar.parse.DEFAULT_MAX_BYTES (the core's own default)


class Group(BaseModel):
    """A group of settings read from flat variables: `env_prefix` + the field's name in
    capitals (FAIRNOTICE_SMTP_HOST is `smtp.host`), unless `env_names` names another."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env_prefix: ClassVar[str]
    env_names: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def variable(cls, field: str) -> str:
        return cls.env_names.get(field) or f"{cls.env_prefix}{field.upper()}"


class SmtpSettings(Group):
    """FAIRNOTICE_SMTP_*: the mail relay; without a host, mail waits in the outbox."""

    env_prefix: ClassVar[str] = f"{PREFIX}SMTP_"
    env_names: ClassVar[Mapping[str, str]] = {"sender": f"{PREFIX}SMTP_FROM"}

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    tls: Literal["none", "starttls", "tls"] = "starttls"
    sender: str | None = Field(default=None, description="envelope sender and From address")


class DeliverySettings(Group):
    """FAIRNOTICE_DELIVERY_*: how the worker delivers (defaults suit a real relay)."""

    env_prefix: ClassVar[str] = f"{PREFIX}DELIVERY_"

    batch_size: int = Field(default=50, ge=1, le=1000)
    lease_seconds: float = Field(default=300, gt=0)
    retry_base_seconds: float = Field(default=60, gt=0)
    retry_cap_seconds: float = Field(default=3600, gt=0)
    max_age_hours: float = Field(default=48, gt=0)
    per_domain_per_minute: float = Field(default=120, ge=0)
    poll_seconds: float = Field(default=10, gt=0)
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    # delivery threads of one worker; none given: 4 on PostgreSQL, 1 on SQLite (mail/parallel)
    threads: int | None = Field(default=None, ge=1, le=32)


class ImapSettings(Group):
    """FAIRNOTICE_IMAP_*: the mailbox the CLI's worker polls for replies (optional; the
    web app connects mailboxes per workspace instead)."""

    env_prefix: ClassVar[str] = f"{PREFIX}IMAP_"

    host: str | None = None
    port: int = Field(default=993, ge=1, le=65535)
    tls: Literal["none", "starttls", "tls"] = "tls"
    username: str | None = None
    password: str | None = None
    folder: str = "INBOX"
    poll_seconds: float = Field(default=60, gt=0)


class CalendarSettings(Group):
    """Reading calendars: the size cap of one calendar or invitation, the CLI user's own
    CalDAV login (never the web app's), and which addresses web users' calendars reach."""

    env_prefix: ClassVar[str] = PREFIX
    env_names: ClassVar[Mapping[str, str]] = {"max_bytes": f"{PREFIX}MAX_CALENDAR_BYTES"}

    max_bytes: int = Field(default=MAX_CALENDAR_BYTES, ge=1)
    caldav_username: str | None = None
    caldav_password: str | None = None
    caldav_allow_private: bool = Field(
        default=False, description="let users' CalDAV URLs reach loopback and private addresses"
    )

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        return MAX_CALENDAR_BYTES if isinstance(value, str) and not value.strip() else value


class OAuthService(Group):
    """One calendar service an organisation connects by OAuth 2 (Microsoft 365, Google
    Workspace): the app's registration there and the service's fixed addresses. Every
    request goes to these addresses only; nothing a user types chooses where."""

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

    env_prefix: ClassVar[str] = f"{PREFIX}MICROSOFT__"

    authorize_url: str = "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
    token_url: str = "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    api_url: str = "https://graph.microsoft.com/v1.0"


class GoogleService(OAuthService):
    """Google Workspace (Google sign-in, Calendar API v3)."""

    env_prefix: ClassVar[str] = f"{PREFIX}GOOGLE__"

    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"
    api_url: str = "https://www.googleapis.com/calendar/v3"


# the throttle stores `limits` knows that a deployment here would use
STORES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


class Settings(BaseSettings):
    """Every FAIRNOTICE_* variable, read once (environment, then `.env`) and passed down;
    defaults make a single machine work with nothing set. The groups keep their flat
    names: FAIRNOTICE_SMTP_HOST is `smtp.host`, FAIRNOTICE_MICROSOFT__CLIENT_ID is
    `microsoft.client_id` (`variables()` lists them all)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    database_url: str | None = Field(default=None, description="SQLAlchemy URL")
    data_dir: Path = Field(default=Path("./var"), description="SQLite file and local state")
    secret_key: str | None = Field(default=None, min_length=16, description="signs sessions")
    base_url: str = Field(default="http://127.0.0.1:8000", description="public address")
    session_idle_minutes: int = Field(
        default=480, ge=1, description="a page session ends after this long without a request"
    )
    session_max_days: int = Field(
        default=7, ge=1, le=90, description="a page session ends this long after sign-in"
    )
    throttle: bool = Field(
        default=True, description="limit sign-in and token attempts (off only in tests)"
    )
    throttle_storage: str = Field(
        default="memory://",
        max_length=2000,
        examples=["redis://127.0.0.1:6379/0"],
        description="where the throttle counts: memory:// (this process) or a shared "
        "redis://host:port/db for several web processes",
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    calendars: CalendarSettings = Field(default_factory=CalendarSettings)
    microsoft: MicrosoftService = Field(
        default_factory=MicrosoftService, description="Microsoft 365 (Graph)"
    )
    google: GoogleService = Field(
        default_factory=GoogleService, description="Google Workspace (Calendar)"
    )

    @field_validator("throttle_storage")
    @classmethod
    def _known_store(cls, value: str) -> str:
        """A store `limits` can count in; checked at start, not at the first sign-in."""
        scheme = value.partition("://")[0]
        if (not value.partition("://")[2] and scheme != "memory") or scheme not in STORES:
            raise ValueError(f"must start with one of {', '.join(s + '://' for s in STORES)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The groups' flat variables beside the plain ones, in the usual order: given
        values, then the environment, then `.env`. A given name that is no setting fails
        (extra="ignore" is for `.env`'s other variables, not for a stale keyword)."""
        given = getattr(init_settings, "init_kwargs", {})
        unknown = sorted(set(given) - set(cls.model_fields))
        if unknown:
            raise TypeError(f"no such setting: {', '.join(unknown)} (groups nest: smtp={{...}})")
        return (
            init_settings,
            GroupSource(settings_cls, env_settings),
            env_settings,
            GroupSource(settings_cls, dotenv_settings),
            dotenv_settings,
            file_secret_settings,
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

    def changed(self, **changes: Any) -> Settings:
        """A copy with some settings changed; a group takes a dict of its fields, checked
        like the environment's: `settings.changed(delivery={"threads": 2})`."""
        update: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)  # AttributeError: no such setting
            if isinstance(current, Group) and isinstance(value, Mapping):
                value = type(current).model_validate({**current.model_dump(), **value})
            update[name] = value
        return self.model_copy(update=update)


def _group(info: FieldInfo) -> type[Group] | None:
    kind = info.annotation
    return kind if isinstance(kind, type) and issubclass(kind, Group) else None


def variables() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(variable, where it lands in Settings) for every setting: FAIRNOTICE_SMTP_HOST is
    ("smtp", "host")."""
    for name, info in Settings.model_fields.items():
        group = _group(info)
        if group is None:
            yield f"{PREFIX}{name.upper()}", (name,)
            continue
        for field in group.model_fields:
            yield group.variable(field), (name, field)


def variable(loc: Sequence[int | str]) -> str:
    """The variable a validation error's location names (its first two parts)."""
    path = tuple(str(part) for part in loc[:2])
    for name, place in variables():
        if place == path[: len(place)]:
            return name
    return PREFIX + "_".join(path).upper()


def problem(exc: ValidationError) -> tuple[str, str]:
    """The first bad setting's variable and what is wrong with it."""
    first = exc.errors(include_url=False)[0]
    return variable(first["loc"]), first["msg"]


class GroupSource(PydanticBaseSettingsSource):
    """The groups' flat variables as nested values, read from the variables `source` read
    (the environment or `.env`), so both keep their precedence."""

    def __init__(self, settings_cls: type[BaseSettings], source: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self.source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads every group at once

    def __call__(self) -> dict[str, Any]:
        if not isinstance(self.source, EnvSettingsSource):  # DotEnvSettingsSource is one
            return {}
        found: Mapping[str, str | None] = self.source.env_vars  # names in lower case
        groups: dict[str, dict[str, str]] = {}
        for name, place in variables():
            value = found.get(name.lower())
            if len(place) == 2 and value is not None:
                groups.setdefault(place[0], {})[place[1]] = value
        return dict(groups)


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
