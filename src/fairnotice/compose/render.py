"""Letters: one Jinja2 template per role, intent, kind and language, subject and body as blocks.

Templates live in `letters/<lang>/<role>_<intent>_<kind>.txt` and are written natively in
each language; the shared macros of `letters/<lang>/_common.txt` are there as `c`. They
see only `Letter` (below): facts already formatted for the recipient's locale and zone,
never raw private words (`reason.detail` is not in it, by construction).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from operator import attrgetter
from types import BuiltinFunctionType
from typing import Any

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, Template
from jinja2.runtime import Context, Macro
from jinja2.utils import missing

from fairnotice.compose import address, names, regional
from fairnotice.compose.titles import short_title
from fairnotice.model import Language, MessageKind, Role


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person as letters address or sign for them."""

    name: str
    salutation: str | None = None  # "Herr", "Frau", "Mr", "Ms", "Dr" ... as given
    phone: str | None = None
    email: str | None = None
    title: str | None = None  # "Dr.", "Prof. Dr." as given

    @property
    def first_name(self) -> str:
        """The first given name, never a title ("Hallo Karl-Heinz", never "Hallo Dr.")."""
        return names.parse(self.name, self.salutation, self.title).first

    @property
    def last_name(self) -> str:
        """The surname with its particles ("von der Leyen")."""
        return names.parse(self.name, self.salutation, self.title).surname


@dataclass(frozen=True, slots=True)
class Letter:
    """Everything a template may use. Dates are strings in the recipient's locale and zone."""

    role: Role
    intent: str
    kind: MessageKind
    language: Language
    tone: str  # "formal" | "informal"
    urgency: str  # "normal" | "short_notice" | "missed"
    reason: str  # a ReasonCategory value; templates turn it into a short, general phrase
    recipient: PersonRef
    sender: PersonRef
    position: str
    company: str
    when: str  # "Sonntag, 15. März 2026 um 14:00 Uhr"
    date: str  # "Sonntag, 15. März 2026"
    time: str  # "14:00 Uhr" / "kl. 14:00" / "2:00 PM"
    place: str | None  # the address, or the video link
    is_video: bool
    round: int = 1
    slots: list[str] = field(default_factory=list)  # "Dienstag, 17. März, 10:00–11:00 Uhr"
    phone_first: bool = False  # the email follows a call (confirm in writing)
    certainty: str = "sure"
    pick_url: str | None = None
    new_when: str | None = None  # the agreed new time (follow-up after agreement)
    locale: str | None = None  # the recipient's BCP 47 locale (en-US, en-GB ...), if known
    hello: str | None = None  # the thread's greeting word, mirrored in the informal form
    sign_first_name: bool = False  # the thread signs with first names: so do we
    spoken_when: str | None = None  # "heute um 14 Uhr" when the interview is near
    call_when: str | None = None  # when we will call, where the email goes first at night
    has_interview: bool = True  # the recipient has an interview on record (position filled)
    interview_ahead: bool = True  # ... and it is still ahead (so it is off now)
    public_reason: str | None = None  # the sentence the sender chose to share (reason.public)
    later_round: bool | None = None  # they have met before; None: round >= 2
    feedback: bool = True  # a rejection offers feedback
    candidate: str | None = None  # whom an interviewer was to meet (interviewer notices)


class _LetterContext(Context):
    """Jinja's context, with the calls letters make all the time done directly: a macro
    called with positional arguments (what `Macro.__call__` does for them: missing ones
    left `missing` for the macro's body to default, no escaping as autoescape is off) and
    a method of a built-in type such as `str.startswith` (which cannot ask for the
    context). Anything else goes through `Context.call`, and the result is the same."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if (kind is Macro or kind is BuiltinFunctionType) and kwargs.keys() <= _SCOPES:
            if kind is BuiltinFunctionType:
                try:
                    return __obj(*args)
                except StopIteration:
                    return __self.environment.undefined(_STOPPED)
            count = __obj._argument_count
            if (
                len(args) <= count
                and not __self.eval_ctx.autoescape
                and not (
                    __obj.catch_kwargs
                    or __obj.catch_varargs
                    or __obj.caller
                    or __obj.explicit_caller
                )
            ):
                if len(args) < count:
                    args += (missing,) * (count - len(args))
                try:
                    return __obj._func(*args)
                except StopIteration:
                    return __self.environment.undefined(_STOPPED)
        return Context.call(__self, __obj, *args, **kwargs)


# What compiled templates pass along for callables that take the context; others ignore it.
_SCOPES = frozenset({"_block_vars", "_loop_vars"})
_STOPPED = "value was undefined because a callable raised a StopIteration exception"

_env: Environment | None = None
_bytecode_cache: BytecodeCache | None = None


def use_bytecode_cache(cache: BytecodeCache) -> None:
    """Let a face (the CLI) keep compiled templates between processes.

    Compiling the templates is most of a cold `fairnotice plan`; a cache keyed on each
    template's source checksum spares it without ever serving a stale letter.
    """
    global _bytecode_cache
    _bytecode_cache = cache
    if _env is not None:
        _env.bytecode_cache = cache


def environment() -> Environment:
    """The shared template environment: plain text, strict about missing names."""
    global _env
    if _env is None:
        _env = Environment(
            bytecode_cache=_bytecode_cache,
            loader=PackageLoader("fairnotice.compose", "letters"),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text letters; HTML views escape at their own edge
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        _env.context_class = _LetterContext
        _env.filters["stop"] = full_stop
    return _env


def full_stop(text: str) -> str:
    """A sentence's last words with one full stop: "Acme Inc." stays "Acme Inc." (not "..")."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def template_name(letter: Letter) -> str:
    return f"{letter.language.value}/{letter.role.value}_{letter.intent}_{letter.kind.value}.txt"


@cache
def _template(name: str) -> Template:
    return environment().get_template(name)


_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")


def _tidy(text: str) -> str:
    """Collapse the blank lines that template conditionals leave behind."""
    if " \n" in text or "\t\n" in text:  # else the pattern cannot match: spare the scan
        text = _TRAILING.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip() + "\n"


def render(letter: Letter, kind: MessageKind | None = None) -> tuple[str | None, str]:
    """(subject, body) of a letter; subject is None for spoken kinds (phone, voicemail).

    With `kind`, the same facts told as that kind of message (as if `letter.kind` were it).
    """
    return _render(letter, letter.kind if kind is None else kind, _context(letter))


def renderer(letter: Letter) -> Callable[[MessageKind], tuple[str | None, str]]:
    """`render(letter, kind)` for any kind, the letter's facts read once for all."""
    values = _context(letter)
    return lambda kind: _render(letter, kind, dict(values))


def _render(letter: Letter, kind: MessageKind, values: dict[str, Any]) -> tuple[str | None, str]:
    template = _letter_template(letter.language, letter.role, letter.intent, kind)
    values["kind"] = kind
    # What `template.new_context(values, shared=True)` makes (the globals are in `values`
    # already), minus the set of global names it keeps for `{% import %}`, which only a
    # template made into a module reads.
    context = _LetterContext(template.environment, values, template.name, template.blocks)
    body = _tidy("".join(template.blocks["body"](context)))
    subject: str | None = None
    if "subject" in template.blocks:
        subject = " ".join("".join(template.blocks["subject"](context)).split()) or None
    return subject, body


@cache
def _letter_template(language: Language, role: Role, intent: str, kind: MessageKind) -> Template:
    return _template(f"{language.value}/{role.value}_{intent}_{kind.value}.txt")


@cache
def common(language: Language) -> Any:
    """The shared macros of a language (`letters/<lang>/_common.txt`), as `c` in templates."""
    return environment().get_template(f"{language.value}/_common.txt").module


_ON = {"de": "am ", "sv": "", "en": "on "}
_FIELDS: tuple[str, ...] = Letter.__slots__
_facts_of = attrgetter(*_FIELDS)


def _context(letter: Letter) -> dict[str, Any]:
    values = dict(environment().globals)
    values.update(zip(_FIELDS, _facts_of(letter), strict=True))
    values["c"] = common(letter.language)
    formal = values["formal"] = letter.tone == "formal"
    person, language = letter.recipient, letter.language.value
    locale = letter.locale or regional.default_locale(letter.language)
    values["salute"] = address.greeting(
        person.name,
        person.salutation,
        person.title,
        language=language,
        locale=locale,
        formal=formal,
        hello=letter.hello,
    )
    values["addressee"] = address.name_for(
        person.name,
        person.salutation,
        person.title,
        language=language,
        locale=locale,
        formal=formal,
    )
    values["w"] = regional.words(letter.language, locale)
    values["short_position"] = short_title(letter.position)
    # In speech a near day is "heute um 14 Uhr" / "today at 2 PM"; else the date with
    # its preposition ("am Montag, ...", "on Monday, ..."; Swedish needs none).
    values["at_when"] = letter.spoken_when or f"{_ON[language]}{letter.when}"
    values["met"] = letter.round >= 2 if letter.later_round is None else letter.later_round
    sender = letter.sender
    values["signature"] = (
        names.parse(sender.name, sender.salutation, sender.title).first
        if letter.sign_first_name and not formal
        else sender.name
    )
    return values


def letter_dict(letter: Letter) -> dict[str, Any]:
    """The letter's facts as plain data (for snapshots and debugging)."""
    return asdict(letter)
