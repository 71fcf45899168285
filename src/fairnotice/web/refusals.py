"""A refused form comes back as itself (HTTP 422): what was typed kept (never a password),
each problem beside its field and in a summary at the top, the field named by the label
the form shows, in the viewer's language. One mechanism for every form of the pages.

The operations name fields as the contract does (`start`, `contact.email`,
`interviewers[0].email`, `line 3: email`) and say what is wrong in English (pydantic's
texts among them). Here a name becomes the form's field and its label, and a text a plain
translated one; nothing a person reads is a key, a pattern or a protocol word. The REST
API keeps the contract's names (`loc`): this module serves the pages only.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from fairnotice.errors import N_, Phrase
from fairnotice.web import i18n

# What a password field typed is never sent back, nor a calendar's secret link (whoever
# has it reads the calendar); the CSRF token is the page's own.
SECRET_FIELDS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "caldav_password",
        "subscription_url",
        "csrf_token",
    }
)

# The contract's names of the interview forms' fields -> the form's own names.
ALIASES: dict[str, str] = {
    "start": "start_time",
    "end": "end_time",
    "contact.name": "contact_name",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
    "contact.salutation": "contact_salutation",
    "contact.timezone": "timezone",
    "history_channel": "channel",
    "reply": "text",  # the reply form's pasted text
    "current password": "current_password",
    "new password": "new_password",
}

# Labels of the forms' fields, the same texts (msgids) the templates show. A form whose
# label for a name differs passes its own (`labels=` of `refused`, or `labels` in context).
LABELS: dict[str, str] = {
    "position": N_("Position"),
    "company": N_("Company"),
    "title": N_("Title"),
    "date": N_("Date"),
    "start_time": N_("From"),
    "end_time": N_("To"),
    "timezone": N_("Time zone"),
    "location": N_("Address"),
    "video_url": N_("Video link"),
    "round": N_("Round"),
    "contact_name": N_("Name"),
    "contact_salutation": N_("Salutation (e.g. Herr, Frau, Ms)"),
    "contact_email": N_("Email"),
    "contact_phone": N_("Phone"),
    "channel": N_("You have mostly talked by"),
    "name": N_("Name"),
    "salutation": N_("Salutation (e.g. Herr, Frau, Ms)"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "language": N_("Language"),
    "candidate_id": N_("Candidate"),
    "subject": N_("Subject"),
    "body": N_("Text"),
    "note": N_("Private note (only for you, never sent)"),
    "text": N_("Or paste their reply"),
    "interviewers": N_(
        "Interviewers, one per line: Name email (a language code at the end, such as sv, "
        "if theirs differs)"
    ),
}

# Each form's labels where they differ from LABELS (the visible label of that form).
INTERVIEW_IMPORT = {"file": N_("Invitation file (.ics or .eml)")}
INVITATION = {"file": N_("Invitation (.ics or .eml)")}  # the position page's import
CANDIDATE = {"round": N_("Round reached")}
CSV_IMPORT = {"file": N_("CSV file")}
CALENDAR = {"owner_email": N_("Interviewer's email"), "file": N_("Calendar (.ics)")}
SUBSCRIPTION = {
    "owner_email": N_("Interviewer's email"),
    "subscription_url": N_("Subscription link"),
}
ORGANISATION = {"name": N_("Organisation name")}
MEMBER = {"email": N_("Add someone who has an account (their email)")}
SIGNUP = {
    "name": N_("Your name"),
    "password": N_("Password (at least 10 characters)"),
    "timezone": N_("Your time zone"),
}
SIGNIN = {"password": N_("Password")}
ACCOUNT = {
    "timezone": N_("Your time zone"),
    "current_password": N_("Current password"),
    "new_password": N_("New password (at least 10 characters)"),
}
RESET = {"new_password": N_("New password (at least 10 characters)")}
AGREED = {"agreed": N_("The new time you agreed")}
REPLY = {"file": N_("Their reply as a file (.eml)"), "text": N_("Or paste their reply")}
TOKEN = {"label": N_("What is it for?")}
PLAN = {
    "hours_start": N_("From"),
    "hours_end": N_("To"),
    "hours": N_("When are you free? (for new times)"),
    "days": N_("When are you free? (for new times)"),
    "free": N_("Free times"),
    "calendar": N_("Your calendar (.ics, optional): busy times are left out"),
    "caldav_url": N_("Calendar address (CalDAV URL)"),
    "caldav_username": N_("User name for this calendar"),
    "caldav_password": N_("Password for this calendar"),
    "note": N_("Private note (only for you, never sent)"),
    "message_language": N_("Language of the messages"),
    "language": N_("Language of the messages"),
}

# The columns of a candidates CSV, as the add-candidate form calls them.
_COLUMNS = {
    "name": N_("Name"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "language": N_("Language"),
    "salutation": N_("Salutation (e.g. Herr, Frau, Ms)"),
    "timezone": N_("Time zone"),
    "round": N_("Round reached"),
}
_PERSON = {"name": N_("name"), "email": N_("email address"), "language": N_("language")}
# A page's own filters and pages, refused on a GET (web.paging): named as the page does.
PAGING = {
    "q": N_("Search"),
    "pq": N_("Search positions"),
    "cq": N_("Find a candidate"),
    "hq": N_("Find a candidate"),
    "state": N_("State"),
    "due": N_("When"),
}


def offer_labels(least: int, most: int) -> dict[str, str]:
    """The offer preview's labels (its times' legend names how many to choose)."""
    return {
        "slots": Phrase("Times to offer (choose %(least)s to %(most)s)", least=least, most=most),
        "reason": N_("Reason (said in general words in the letter)"),
        "public_reason": N_("A sentence for the candidate (optional, quoted as you write it)"),
        "subject": N_("Subject"),
        "body": N_("Text"),
    }


_A_COLUMN, _DETAILS = N_("a column"), N_("details")
_LISTED = re.compile(r"^(?P<list>[a-z_]+)\[(?P<index>\d+)\]\.(?P<field>[a-z_]+)$")

# Plain words for the operations' and frameworks' English texts that are not Phrases.
_PLAIN: dict[str, str] = {
    "Field required": N_("please fill this in"),
    "required field is missing": N_("please fill this in"),
    "must be after start": N_("the end must be after the start"),
    "String should have at least 1 character": N_("please fill this in"),
    "unknown field": N_("this field is not expected here"),
    # the date-and-time pickers send this form; a person never types the machine's "T"
    "a date and time like 2026-03-17T15:00": N_("please choose the date and the time"),
}
_PATTERN = re.compile(r"^String should match pattern ")
_URL = re.compile(r"^(Input should be a valid URL|URL |(Value error, )?must be an http\(s\) URL)")
# English pages: pydantic's wording (the catalogs' msgids, translated in de and sv) put
# plainly; the values stay as pydantic gives them.
_ENGLISH = [
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "at most {}"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "at least {}"),
    (re.compile(r"^String should have at least (\d+) characters?$"), "at least {} characters"),
    (re.compile(r"^String should have at most (\d+) characters?$"), "at most {} characters"),
    (re.compile(r"^Input should be ('.*)$"), "choose one of {}"),
]
# pydantic's or the framework's own words that no rule above put plainly
_RAW = re.compile(r"^(Input should|String should|Value error|Field |Assertion failed)")


@dataclass(frozen=True)
class Problem:
    """One refused field: the form's name of it ("" for the form as a whole), its visible
    label and what is wrong, both translated ("" label: the message stands alone)."""

    field: str
    label: str
    message: str

    @property
    def anchor(self) -> str:
        """The id of the message beside the field (the summary links to it)."""
        return f"err-{re.sub(r'[^A-Za-z0-9_-]', '-', self.field or 'form')}"


def kept(form: Mapping[str, Any]) -> dict[str, str]:
    """What the user typed, to fill the form again (text fields; never a password)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in SECRET_FIELDS}


def _in_catalog(text: str, catalog: gettext.NullTranslations) -> bool:
    entries = getattr(catalog, "_catalog", None)
    return entries is None or text in entries


def _message(text: object, field: str, language: str, zone_name: str = "UTC") -> str:
    """What is wrong, plain and in `language` (a moment in `zone_name`): no pydantic text,
    no pattern, no key."""
    catalog = i18n.translations(language)
    if getattr(text, "template", None) is not None:
        return i18n.translate(text, language, zone_name)
    raw = str(text)
    if raw in _PLAIN:
        return catalog.gettext(_PLAIN[raw])
    if _PATTERN.match(raw):
        plain = (
            N_("this is not an email address (like name@example.com)")
            if "email" in field
            else N_("this is not in the expected form")
        )
        return catalog.gettext(plain)
    if _URL.match(raw):
        return catalog.gettext(N_("this is not a web address (like https://example.com/meet)"))
    if language == "en":
        for english, plain in _ENGLISH:
            found = english.match(raw)
            if found:
                return plain.format(found.group(1).replace("' or '", "', '"))
    validation = i18n.validation_text(raw, catalog)
    if validation is not None:
        return validation
    if _RAW.match(raw):
        return catalog.gettext(N_("this is not in the expected form"))
    if language == "en" or _in_catalog(raw, catalog):
        return catalog.gettext(raw)
    return catalog.gettext(N_("this is not in the expected form"))  # never English on a page


def _where(name: object, labels: Mapping[str, str]) -> tuple[str, object]:
    """The form's field and its label (a msgid or a Phrase) for an operation's name."""
    template = getattr(name, "template", None)
    if template == "line %(number)s: %(field)s":  # a row of a CSV file
        values = getattr(name, "values", {})
        column = str(values.get("field", ""))
        label = Phrase(
            "Row %(number)s, %(field)s",
            number=values.get("number", ""),
            field=_COLUMNS.get(column, _A_COLUMN),
        )
        return "file", label
    text = str(name)
    field = ALIASES.get(text, text)
    if template is not None and not ({text, field} & (labels.keys() | LABELS.keys())):
        return "", name  # a name already in words
    listed = _LISTED.match(text)
    if listed and listed.group("list") == "interviewers":
        label = Phrase(
            "Interviewer %(number)s: %(field)s",
            number=int(listed.group("index")) + 1,
            field=_PERSON.get(listed.group("field"), _DETAILS),
        )
        return "interviewers", label
    found = labels.get(field) or labels.get(text) or LABELS.get(field) or PAGING.get(field)
    if found is None:
        head = field.split(".")[0].split("[")[0]
        found = labels.get(head) or LABELS.get(head)
        field = head if found is not None else ""
    return field, found or ""


def problems_for(
    problems: Iterable[Any],
    language: str,
    labels: Mapping[str, str] | None = None,
    zone_name: str = "UTC",
) -> list[Problem]:
    """The operations' (name, text) pairs as a page shows them; Problems pass through."""
    out: list[Problem] = []
    for item in problems:
        if isinstance(item, Problem):
            out.append(item)
            continue
        name, text = item
        field, label = _where(name, labels or {})
        shown = i18n.translate(label, language) if label else ""
        out.append(Problem(field, shown, _message(text, f"{field} {name}", language, zone_name)))
    return out


class FieldMarks:
    """The template's helpers for one refused form: `invalid(name)` marks an input
    (aria-invalid, aria-describedby), `error_for(name)` writes the message beside it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.by_field: dict[str, list[Problem]] = {}
        for problem in problems:
            self.by_field.setdefault(problem.field, []).append(problem)

    def invalid(self, name: str, hint: str = "") -> Markup:
        """The input's ARIA marks; `hint`: the id of a hint it is described by anyway."""
        found = self.by_field.get(name)
        if not found:
            return Markup(' aria-describedby="{}"').format(hint) if hint else Markup("")
        ids = f"{found[0].anchor} {hint}".strip()
        return Markup(' aria-invalid="true" aria-describedby="{}"').format(ids)

    def error_for(self, name: str) -> Markup:
        found = self.by_field.get(name)
        if not found:
            return Markup("")
        text = Markup(" ").join(escape(p.message) for p in found)
        return Markup('<span class="field-error" id="{}">{}</span>').format(found[0].anchor, text)


def page_context(ctx: dict[str, Any], language: str, zone_name: str = "UTC") -> None:
    """Put a page's problems in words (moments in the viewer's `zone_name`) and its field
    helpers in (called by `render`)."""
    shown = problems_for(ctx.get("problems") or [], language, ctx.get("labels"), zone_name)
    marks = FieldMarks(shown)
    ctx["problems"] = shown
    ctx["bad"] = set(ctx.get("bad") or ()) | {p.field for p in shown if p.field}
    ctx["invalid"] = marks.invalid
    ctx["error_for"] = marks.error_for
    ctx.setdefault("kept", {})
