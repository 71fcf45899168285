"""The `fairnotice` command. Thin: parse input, call one operation, present the result.

Heavy libraries are imported inside the commands that need them, so `--help` stays fast.
Exit status (CONTRACT.md): 0 success, 2 bad input (field named on stderr), 1 anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from fairnotice.settings import Settings

app = typer.Typer(
    name="fairnotice",
    help="Change job-interview plans professionally: plans, letters and calendar updates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

BAD_INPUT = 2


@app.callback()
def _root() -> None:
    """Change job-interview plans professionally: plans, letters and calendar updates."""


def _fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    sys.stderr.write(f"fairnotice: {message}\n")
    return typer.Exit(code)


def _cache_templates() -> None:
    """Keep compiled letter templates between runs (per-user temp dir, checksum-keyed)."""
    from jinja2 import FileSystemBytecodeCache

    from fairnotice.compose.render import use_bytecode_cache

    with contextlib.suppress(RuntimeError):  # no safe cache directory: compile every time
        use_bytecode_cache(FileSystemBytecodeCache())


@app.command("plan")
def plan_command(
    file: Annotated[str, typer.Argument(help="A situation as JSON ('-' reads stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan a change: who to contact, how, when, and the exact words."""
    from fairnotice.errors import BadInput
    from fairnotice.io import parse_model, read_text
    from fairnotice.model import Situation, dump
    from fairnotice.operations.interviews.inquiry import check_situation
    from fairnotice.operations.plans.planning import plan_change, system_now

    _cache_templates()
    try:
        situation = parse_model(Situation, read_text(file))
        check_situation(situation, now=situation.now or system_now())  # W5
        availability = situation.availability
        if availability is not None and availability.calendars:  # read only for calendars
            result = plan_change(situation=situation, calendars=_settings().calendars)
        else:
            result = plan_change(situation=situation)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(dump(result), ensure_ascii=False, indent=2) + "\n")
        return
    from fairnotice.present import show_plan

    show_plan(result)


@app.command("review")
def review_command(
    draft: Annotated[str, typer.Argument(help="The draft: a text or .eml file ('-' reads stdin).")],
    situation_file: Annotated[
        str | None, typer.Option("--situation", help="A situation as JSON to check facts against.")
    ] = None,
    intent: Annotated[
        str | None, typer.Option("--intent", help="reschedule, withdraw, status_inquiry, ...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a message you wrote yourself, rule by rule, with the passages marked."""
    from fairnotice.errors import BadInput
    from fairnotice.model import dump
    from fairnotice.operations.plans.reviewing import read_draft, read_situation, review_draft

    try:
        text = read_draft(draft)
        situation = read_situation(situation_file) if situation_file is not None else None
        result = review_draft(text=text, situation=situation, intent=intent)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(dump(result), ensure_ascii=False, indent=2) + "\n")
        return
    from fairnotice.review.show import show_findings

    show_findings(result, text)


@app.command("import")
def import_command(
    invite: Annotated[str, typer.Argument(help="An invitation: .ics, or an .eml carrying one.")],
    calendar: Annotated[
        list[str] | None,
        typer.Option("--calendar", help="Check the time against this calendar (K1); repeatable."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the interview as JSON.")] = False,
) -> None:
    """Read an invitation and print the interview it describes."""
    from fairnotice.errors import BadInput
    from fairnotice.model import dump
    from fairnotice.operations.busy.calendars import clashes, import_invite

    config = _settings().calendars
    try:
        interview = import_invite(invite, config=config)
        found = clashes(interview, calendar or [], config=config)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    result = dump(interview)
    if calendar:
        result["conflicts"] = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in found]
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    for key, value in result.items():
        sys.stdout.write(f"{key}: {json.dumps(value, ensure_ascii=False)}\n")


@app.command("slots")
def slots_command(
    duration: Annotated[int, typer.Option("--duration", help="Minutes each slot lasts.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA zone of the grid and the output.")],
    calendar: Annotated[
        list[str] | None,
        typer.Option("--calendar", help="An .ics file or CalDAV URL; repeatable."),
    ] = None,
    busy: Annotated[
        list[str] | None, typer.Option("--busy", help="JSON busy periods; repeatable.")
    ] = None,
    hours: Annotated[
        list[str] | None,
        typer.Option("--hours", help="HH:MM-HH:MM[@ZONE] working hours; one per person."),
    ] = None,
    days: Annotated[str, typer.Option("--days", help="ISO weekdays, e.g. 1-5 or 1,3,5.")] = "1-5",
    start: Annotated[str | None, typer.Option("--from", help="RFC 3339; default now.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="RFC 3339; default +28d.")] = None,
    step: Annotated[int, typer.Option("--step", help="Grid step in minutes.")] = 30,
    count: Annotated[int, typer.Option("--count", help="At most this many slots.")] = 10,
    buffer: Annotated[int, typer.Option("--buffer", help="Free minutes before and after.")] = 0,
    notice: Annotated[int, typer.Option("--notice", help="Minimum notice in minutes.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the slots as JSON.")] = False,
) -> None:
    """Common free slots of every calendar given."""
    from fairnotice.errors import BadInput
    from fairnotice.operations.busy.calendars import find_slots, slot_query

    config = _settings().calendars
    try:
        query = slot_query(
            duration=duration,
            tz=tz,
            calendars=calendar or [],
            busy_files=busy or [],
            hours=hours or [],
            days=days,
            start=start,
            until=until,
            step=step,
            count=count,
            buffer=buffer,
            notice=notice,
            max_bytes=config.max_bytes,
        )
        found = find_slots(query, config=config)
    except BadInput as exc:
        raise _fail(str(exc)) from None
    rows = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in found]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    for row in rows:
        sys.stdout.write(f"{row['start']} - {row['end']}\n")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (PostgreSQL for more than 1).")
    ] = 1,
    delivery: Annotated[
        bool,
        typer.Option(
            "--delivery/--no-delivery",
            help="On SQLite, run the delivery worker inside this process (the one worker). "
            "On PostgreSQL, run `fairnotice worker` processes beside the web app instead.",
        ),
    ] = True,
) -> None:
    """The web app and REST API (migrates the database first). On SQLite the delivery
    worker runs inside it; on PostgreSQL run separate `fairnotice worker` processes."""
    import threading

    import uvicorn

    from fairnotice.errors import BadInput
    from fairnotice.operations.outbox.delivery import relay
    from fairnotice.settings import served_base_url
    from fairnotice.store.session import upgrade
    from fairnotice.worker import background

    settings = _settings()
    try:
        relay(settings)  # a half-configured relay fails here, not later
    except BadInput as exc:
        raise _fail(str(exc)) from None
    upgrade(settings.database, secret=settings.secret)
    base_url, doubt = served_base_url(settings, host, port)
    # uvicorn's factory (web/app.py serve_app) builds the app in this process, or in each
    # of the --workers processes, from the environment they inherit: the served address
    # must be there (the one setting written back, never read from os.environ here)
    os.environ["FAIRNOTICE_BASE_URL"] = base_url
    settings = settings.model_copy(update={"base_url": base_url})
    sys.stderr.write(
        f"fairnotice: serving on http://{host}:{port} (database: {_safe_url(settings.database)})\n"
        f"fairnotice: links in emails use {base_url}\n"
    )
    if doubt:
        sys.stderr.write(f"fairnotice: warning: {doubt}\n")
    if workers > 1 and settings.throttle and settings.throttle_storage == "memory://":
        sys.stderr.write(
            f"fairnotice: warning: {workers} processes each count sign-in and token guesses "
            "on their own (each allows the full limit): set FAIRNOTICE_THROTTLE_STORAGE to a "
            "shared store, e.g. redis://127.0.0.1:6379/0\n"
        )
    stop = threading.Event()
    inside = delivery and settings.database.startswith("sqlite")
    if inside:
        sys.stderr.write("fairnotice: the delivery worker runs inside this process (SQLite)\n")
        thread = background(settings, stop=stop)
    elif delivery:
        sys.stderr.write(
            "fairnotice: PostgreSQL: run `fairnotice worker` (any number) to deliver mail\n"
        )
    try:
        uvicorn.run(
            "fairnotice.web.app:serve_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
            log_level="info",
        )
    finally:
        stop.set()
        if inside:
            thread.join(timeout=30)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (SQLite file or FAIRNOTICE_DATABASE_URL)."""
    from fairnotice.store.session import upgrade

    settings = _settings()  # a bad value (a key too short) exits 2, never echoed
    upgrade(settings.database, revision, secret=settings.secret)
    sys.stdout.write(f"database at {_safe_url(settings.database)} is at {revision}\n")


def _settings() -> Settings:
    """The settings from the environment and `.env`, read once per command; a bad value
    exits 2 naming its variable (never echoing the value: it may be a secret)."""
    from pydantic import ValidationError

    from fairnotice.settings import Settings, problem

    try:
        return Settings()
    except ValidationError as exc:
        name, message = problem(exc)
        raise _fail(f"{name}: {message}") from None


@app.command("reply")
def reply_command(
    file: Annotated[str, typer.Argument(help="A reply as an .eml file ('-' reads stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Record a reply (matched by In-Reply-To/References) and check the times it proposes."""
    from fairnotice.errors import BadInput
    from fairnotice.io import MAX_INPUT_BYTES
    from fairnotice.operations.plans.planning import system_now
    from fairnotice.operations.replies.commands import record_reply
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade

    settings = _settings()
    if file == "-":
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        try:
            with open(file, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
        except OSError:
            raise _fail(f"FILE: no such file: {file}") from None
    upgrade(settings.database, secret=settings.secret)
    engine = make_engine(settings.database)
    try:
        with transaction(session_factory(engine), write=True) as session:
            found = record_reply(session, raw=raw, source="upload", now=system_now())
            if found is None:
                raise BadInput([("FILE", "not a reply to a message fairnotice sent")])
            reply, new = found
            result = {
                "plan": reply.plan_id,
                "outbox": reply.outbox_id,
                "from": reply.sender,
                "new": new,
                "proposals": reply.proposals,
            }
    except BadInput as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    sys.stdout.write(f"reply from {result['from']} to plan {result['plan']}\n")
    for item in reply.proposals:
        verdict = (
            "you are free then"
            if item["free"]
            else "clashes with " + ", ".join(f"{c['start']}-{c['end']}" for c in item["clashes"])
        )
        sys.stdout.write(f"  {item['start']} ({item['text']}): {verdict}\n")


@app.command("send")
def send_command(
    file: Annotated[str, typer.Argument(help="A situation as JSON ('-' reads stdin).")],
    now: Annotated[bool, typer.Option("--now", help="The first message is due at once.")] = False,
) -> None:
    """Plan a situation and put its messages in the outbox, each due as its step says."""
    from rich.progress import Progress

    from fairnotice.errors import BadInput
    from fairnotice.io import parse_model, read_text
    from fairnotice.model import Situation
    from fairnotice.operations.interviews.inquiry import check_send
    from fairnotice.operations.outbox.delivery import relay
    from fairnotice.operations.plans.planning import plan_change, system_now
    from fairnotice.operations.plans.sending import local_workspace, send_plan
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade

    _cache_templates()
    settings = _settings()
    with Progress(transient=True, console=_stderr_console()) as bar:
        bar.add_task("planning and writing the messages", total=None)
        try:
            situation = parse_model(Situation, read_text(file))
            plan = plan_change(situation=situation, calendars=settings.calendars)
            has_relay = relay(settings) is not None
        except BadInput as exc:
            raise _fail(str(exc)) from None
    upgrade(settings.database, secret=settings.secret)
    engine = make_engine(settings.database)
    with Progress(transient=True, console=_stderr_console()) as bar:
        task = bar.add_task("queueing", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            with transaction(session_factory(engine), write=True) as session:
                workspace = local_workspace(session)
                check_send(  # W5, against the stored interview's state where there is one
                    session,
                    workspace_id=workspace,
                    situation=situation,
                    now=situation.now or system_now(),
                )
                queued = send_plan(
                    session,
                    situation=situation,
                    plan=plan,
                    workspace_id=workspace,
                    first_now=now,
                    progress=advance,
                )
        except BadInput as exc:
            raise _fail(str(exc)) from None
        finally:
            engine.dispose()
    first = queued.first_due.isoformat() if queued.first_due else "-"
    sys.stdout.write(
        f"queued {queued.messages} message(s) from plan {queued.plan_id}; first due {first}\n"
    )
    if not has_relay:
        sys.stdout.write(
            "no relay configured (FAIRNOTICE_SMTP_HOST): the messages wait in the outbox; "
            "`fairnotice outbox --eml ID` gives each as a file to send yourself\n"
        )


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@app.command("outbox")
def outbox_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the outbox as JSON.")] = False,
    eml: Annotated[
        int | None, typer.Option("--eml", help="Print message ID as an .eml file.")
    ] = None,
    mark_sent: Annotated[
        int | None, typer.Option("--mark-sent", help="Message ID was sent by hand.")
    ] = None,
    release: Annotated[
        int | None, typer.Option("--release", help="Release draft ID for delivery.")
    ] = None,
) -> None:
    """List the outbox: each message's recipient, subject, due time and state."""
    from fairnotice.errors import BadInput, NotFound
    from fairnotice.operations.outbox import delivery as ops
    from fairnotice.operations.plans.planning import system_now
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade

    settings = _settings()
    upgrade(settings.database, secret=settings.secret)
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    try:
        with transaction(sessions, write=True) as session:
            now = system_now()
            if eml is not None:
                sys.stdout.buffer.write(ops.as_eml(session, row_id=eml, workspace_id=None, now=now))
                return
            if mark_sent is not None:
                ops.mark_sent(session, row_id=mark_sent, now=now, workspace_id=None)
            if release is not None:
                ops.release(session, row_id=release, now=now, workspace_id=None)
            rows = ops.listing(session)
    except NotFound as exc:
        raise _fail(f"id: {exc} not found") from None
    except BadInput as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for row in rows:
        line = f"{row['id']:>6}  {row['state']:<9} {row['due']}  {row['to']}  {row['subject']}"
        if row["last_error"]:
            line += f"\n        {row['last_error']}"
        sys.stdout.write(line + "\n")


@app.command("worker")
def worker_command(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit.")
    ] = False,
    status: Annotated[
        bool,
        typer.Option(
            "--status",
            help="Show whether a worker runs, its last round, the backlog and the last error "
            "(exit 3 when none runs).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --status: as JSON.")] = False,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            max=32,
            help="Delivery threads (default FAIRNOTICE_DELIVERY_THREADS, else 4 on "
            "PostgreSQL, 1 on SQLite).",
        ),
    ] = None,
) -> None:
    """Deliver what is due in the outbox and fire due follow-ups (and poll reply mailboxes).
    Errors never end it: a failed round is logged and tried again after a doubling wait."""
    import threading

    from fairnotice.errors import BadInput
    from fairnotice.operations.outbox.delivery import relay
    from fairnotice.store.session import make_engine, session_factory, upgrade
    from fairnotice.worker import Round, install_signals, log_round, run

    settings = _settings()
    if threads is not None:
        settings = settings.changed(delivery={"threads": threads})
    if status:
        _worker_status(settings.database, as_json=as_json)
        return
    if as_json:
        raise _fail("--json: only with --status")
    imap = settings.imap
    try:
        has_relay = relay(settings) is not None
        if imap.host and not imap.username:
            raise BadInput([("FAIRNOTICE_IMAP_USERNAME", "required with FAIRNOTICE_IMAP_HOST")])
    except BadInput as exc:
        raise _fail(str(exc)) from None
    if not has_relay:
        sys.stderr.write(
            "fairnotice worker: no relay configured (FAIRNOTICE_SMTP_HOST); mail waits in the "
            "outbox, follow-ups and replies still run\n"
        )
    upgrade(settings.database, secret=settings.secret)
    engine = make_engine(settings.database)
    stop = threading.Event()
    install_signals(stop)
    failed: list[str] = []

    def report(done: Round) -> None:
        log_round(done)
        failed[:] = done.errors

    try:
        total = run(
            session_factory(engine),
            settings,
            once=once,
            stop=stop,
            report=report,
        )
    finally:
        engine.dispose()
    if once:
        sys.stdout.write(" ".join(f"{k}={v}" for k, v in total.as_dict().items()) + "\n")
        if failed:
            raise _fail("the round failed: " + "; ".join(failed), code=1)


def _worker_status(database: str, *, as_json: bool) -> None:
    """`fairnotice worker --status`: the workers' health as text (or JSON)."""
    from fairnotice.operations.common.clock import system_now
    from fairnotice.operations.outbox import health
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade
    from fairnotice.worker import describe

    upgrade(database)
    engine = make_engine(database)
    now = system_now()
    try:
        with transaction(session_factory(engine)) as session:
            found = health.status(session, now=now)
    finally:
        engine.dispose()
    if as_json:
        sys.stdout.write(json.dumps(found.as_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(describe(found, now=now))
    if not found.running:
        raise typer.Exit(3)  # like `systemctl status`: a monitor needs no parsing


def main() -> None:
    """Console-script entry point.

    A CLI run ends by leaving the process without the interpreter's teardown: tearing
    down pydantic, icalendar and the rest takes about as long as planning itself. Output
    is flushed and logging shut down first; long-running commands (serve, worker) have
    finished their own shutdown inside `app()` by then.
    """
    code = 0
    try:
        app()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
            code = 1
        else:
            code = exc.code or 0
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
