"""The exceptions fairnotice raises, one hierarchy for every face.

FairnoticeError
├── BadInput          the caller's input is wrong; `field` names where (CLI exit 2, HTTP 422)
│   └── TooLarge      a body or file over its size limit (HTTP 413)
├── NotFound          no such object in the caller's workspace (HTTP 404)
├── Forbidden         the caller's role does not allow it (HTTP 403)
└── Conflict          valid, but lost to the object's current state (HTTP 409)

Their texts are English: the CLI and the API's JSON bodies show them as they are. A text
the web pages show is marked for translation: `N_("...")` for a fixed text, and
`Phrase("... %(name)s ...", name=value)` for one with values, a `str` (the English text)
that also keeps its template and values, so the web layer looks the template up in its
gettext catalog and puts the values in (`make messages` extracts both markers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def N_(text: str) -> str:
    """Mark a fixed English text for translation by the faces that show it."""
    return text


class Phrase(str):
    """An English text with values, that keeps its template and values for translation.

    `str(Phrase(...))` and comparisons are the English text; a value may be a Phrase too
    (translated with it)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Phrase:
        text = template % {k: str(v) for k, v in values.items()} if values else template
        made = super().__new__(cls, text)
        made.template = template
        made.values = values
        return made

    def __reduce__(self) -> Any:
        return (_phrase, (self.template, self.values))


class Verbatim(str):
    """A value of a Phrase shown as it is in every language: a name the user wrote, such
    as a CSV file's column."""

    __slots__ = ()


def _phrase(template: str, values: dict[str, Any]) -> Phrase:
    return Phrase(template, **values)


def joined(parts: Iterable[str], separator: str = "; ") -> str:
    """Texts joined, each still translatable (a Phrase when any part is one)."""
    items = list(parts)
    if len(items) == 1:
        return items[0]
    names = {f"p{i}": item for i, item in enumerate(items)}
    return Phrase(separator.join(f"%({name})s" for name in names), **names)


class FairnoticeError(Exception):
    """Base of every error fairnotice raises on purpose."""


class BadInput(FairnoticeError):
    """Input that cannot be used, with the field (dotted path) and what is wrong with it."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {what}" for field, what in self.problems))

    @property
    def field(self) -> str:
        return self.problems[0][0] if self.problems else ""


class TooLarge(BadInput):
    """A request body or uploaded file over its limit (HTTP 413, not 422)."""


class Forbidden(FairnoticeError):
    """Allowed for some members of the workspace, not for this one (an owner's right)."""


class NotFound(FairnoticeError):
    """The object does not exist, or exists in a workspace the caller cannot see."""


class Conflict(FairnoticeError):
    """The request was valid but lost to the object's current state (already picked, expired)."""
