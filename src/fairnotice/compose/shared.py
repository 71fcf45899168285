"""One letter to many people, rendered once per shape and filled in for each of them.

A position filled for 50,000 candidates renders the same template 50,000 times where only
the name, the time and the place differ. Here a template is rendered once per *shape*
(language, kind, tone, urgency, round, everything a template may branch on) with each
per-recipient fact (`FACTS`) replaced by a *hole*: a `str` whose text is a placeholder.
The placeholders are then replaced by each recipient's facts, and the text tidied as
`render` does, so the letter is the one `render` writes, byte for byte.

Why that holds: Jinja either writes a hole as it is (its placeholder lands in the text)
or asks something of it. Every question a letter asks of a fact (is it empty, does it end
in ")", the text without its last character) is answered from the real value and
recorded; a skeleton serves another recipient only when their facts answer every recorded
question the same way. Any other use of a hole (a filter, its length, upper case ...)
raises `NotSplit`, and that shape is rendered whole for everyone. The first recipient of
each skeleton is also rendered whole and compared, so a surprise is caught there too
(tests/compose/test_shared_render.py compares the two for varied candidates).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from fairnotice.compose import render as whole
from fairnotice.compose.render import Letter, PersonRef
from fairnotice.model import MessageKind

# what differs from one recipient to the next (the rest of a letter is its shape)
FACTS = ("when", "date", "time", "place", "spoken_when", "call_when", "new_when", "candidate")
PERSON = ("name", "salutation", "phone", "email", "title")
DERIVED = ("salute", "addressee", "at_when")  # computed from the facts by `_context`
_SHAPE = tuple(f.name for f in fields(Letter) if f.name not in (*FACTS, "recipient"))
_MARK = re.compile("\x00([0-9]+)\x01")
LIMIT = 2000  # shapes kept (a fill has a few dozen); beyond it the cache starts again
SKELETONS_PER_SHAPE = 8  # answers to the letter's questions kept per shape


class NotSplit(Exception):
    """A template used a per-recipient fact in a way a skeleton cannot reproduce."""


class _Hole(str):
    """A fact as a placeholder; what a template asks of it is answered and recorded."""

    real: str
    slot: int
    book: _Book

    def __new__(cls, real: str, book: _Book, parent: tuple[int, slice] | None = None) -> _Hole:
        index = len(book.derived)
        hole = super().__new__(cls, f"\x00{index}\x01")
        hole.real, hole.slot, hole.book = real, index, book
        book.derived.append(parent)
        return hole

    def _asked(self, question: str, *args: Any) -> Any:
        if any(isinstance(arg, _Hole) for arg in args):
            raise NotSplit("two facts compared")  # each would be asked of a placeholder
        answer = _answer(self.real, question, args)
        self.book.asked.append((self.slot, question, args, answer))
        return answer

    def __bool__(self) -> bool:
        return bool(self._asked("__bool__"))

    def endswith(self, *args: Any) -> bool:
        return bool(self._asked("endswith", *args))

    def startswith(self, *args: Any) -> bool:
        return bool(self._asked("startswith", *args))

    def __eq__(self, other: object) -> bool:
        return bool(self._asked("__eq__", other))

    def __ne__(self, other: object) -> bool:
        return bool(self._asked("__ne__", other))

    def __contains__(self, other: object) -> bool:
        return bool(self._asked("__contains__", other))

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, slice):
            raise NotSplit("a character of a fact")
        return _Hole(self.real[key], self.book, (self.slot, key))

    def __hash__(self) -> int:
        raise NotSplit("a fact used as a key")

    @property
    def __html__(self) -> Any:
        raise NotSplit("a fact escaped")


def _answer(real: str, question: str, args: tuple[Any, ...]) -> Any:
    return bool(real) if question == "__bool__" else getattr(str, question)(real, *args)


def _refuse(name: str) -> Callable[..., Any]:
    def refused(self: _Hole, *args: Any, **kwargs: Any) -> Any:
        raise NotSplit(f"str.{name} of a fact")

    return refused


_ALLOWED = {"__new__", "__init__", "__str__", "__format__", "__repr__", "__getattribute__",
            "__setattr__", "__delattr__", "__class__", "__dir__", "__doc__", "__sizeof__",
            "__init_subclass__", "__subclasshook__", "__reduce__", "__reduce_ex__",
            "__getnewargs__", "__getstate__", "__add__", "__mod__", "__rmod__"}  # fmt: skip
for _name in dir(str):
    if _name not in _ALLOWED and _name not in _Hole.__dict__:
        setattr(_Hole, _name, _refuse(_name))


class _Book:
    """The holes of one rendering: how each derived one was cut, what was asked."""

    def __init__(self) -> None:
        self.derived: list[tuple[int, slice] | None] = []
        self.asked: list[tuple[int, str, tuple[Any, ...], Any]] = []


class _Skeleton:
    def __init__(self, book: _Book, subject: list[str | int] | None, body: list[str | int]):
        self.derived = book.derived
        self.asked = book.asked
        self.subject = subject
        self.body = body

    def values(self, facts: list[str]) -> list[str] | None:
        """Every hole's text for these facts, or None when they answer a question
        differently from the facts this skeleton was made with."""
        found = list(facts)
        for parent in self.derived[len(facts) :]:
            assert parent is not None
            found.append(found[parent[0]][parent[1]])
        for index, question, args, answer in self.asked:
            if _answer(found[index], question, args) != answer:
                return None
        return found


def _pieces(text: str) -> list[str | int]:
    parts = _MARK.split(text)
    return [int(p) if i % 2 else p for i, p in enumerate(parts) if p or i % 2]


def _join(pieces: list[str | int], values: list[str]) -> str:
    return "".join(values[p] if isinstance(p, int) else p for p in pieces)


_cache: dict[tuple[Any, ...], list[_Skeleton] | None] = {}


def renderer(letter: Letter) -> Callable[[MessageKind], tuple[str | None, str]]:
    """`render.renderer(letter)`, from a skeleton of its shape where one applies."""
    return lambda kind: render(letter, kind)


def render(letter: Letter, kind: MessageKind) -> tuple[str | None, str]:
    """`render.render(letter, kind)`, the same text, filled into a skeleton of its shape."""
    slots = tuple(letter.slots)
    shape = (kind, slots, *(getattr(letter, n) for n in _SHAPE if n != "slots"))
    present = [n for n in FACTS if getattr(letter, n) is not None]
    person = [n for n in PERSON if getattr(letter.recipient, n) is not None]
    key = (shape, tuple(present), tuple(person))
    facts = [str(getattr(letter, n)) for n in present]
    facts += [str(getattr(letter.recipient, n)) for n in person]
    if any("\x00" in f for f in facts):
        return whole.render(letter, kind)
    known = _cache.get(key, [])
    if known is None:  # this shape uses a fact in a way a skeleton cannot hold
        return whole.render(letter, kind)
    values = _derived(letter)
    for skeleton in known:
        filled = skeleton.values(facts + values)
        if filled is not None:
            return _finish(skeleton, filled)
    if len(known) >= SKELETONS_PER_SHAPE:
        return whole.render(letter, kind)
    return _made(letter, kind, key, present, person, facts + values)


def _derived(letter: Letter) -> list[str]:
    context = whole._context(letter)
    return [context[name] for name in DERIVED]


def _finish(skeleton: _Skeleton, values: list[str]) -> tuple[str | None, str]:
    body = whole._tidy(_join(skeleton.body, values))
    if skeleton.subject is None:
        return None, body
    return " ".join(_join(skeleton.subject, values).split()) or None, body


def _made(
    letter: Letter,
    kind: MessageKind,
    key: tuple[Any, ...],
    present: list[str],
    person: list[str],
    facts: list[str],
) -> tuple[str | None, str]:
    """A new skeleton for this shape, checked against the letter rendered whole."""
    expected = whole.render(letter, kind)
    if any("\x00" in str(v) for v in key[0]):  # a placeholder's mark in the shape itself
        _cache[key] = None
        return expected
    if len(_cache) >= LIMIT:
        _cache.clear()
    book = _Book()
    holes = [_Hole(value, book) for value in facts]
    mine = holes[len(present) : len(present) + len(person)]
    values = whole._context(letter)  # the shape's values; the facts become holes
    values.update(zip(present, holes, strict=False))
    values["recipient"] = replace(letter.recipient, **dict(zip(person, mine, strict=True)))
    values.update(zip(DERIVED, holes[len(present) + len(person) :], strict=True))
    try:
        subject, body = _raw(letter, kind, values)
    except NotSplit:
        _cache[key] = None
        return expected
    skeleton = _Skeleton(book, None if subject is None else _pieces(subject), _pieces(body))
    filled = skeleton.values(facts)
    if filled is None or _finish(skeleton, filled) != expected:
        _cache[key] = None  # not what `render` writes: this shape renders whole
        return expected
    _cache.setdefault(key, []).append(skeleton)  # type: ignore[union-attr]
    return expected


def _raw(letter: Letter, kind: MessageKind, values: dict[str, Any]) -> tuple[str | None, str]:
    """The blocks' text before tidying (placeholders in place of the facts)."""
    template = whole._letter_template(letter.language, letter.role, letter.intent, kind)
    values["kind"] = kind
    context = whole._LetterContext(template.environment, values, template.name, template.blocks)
    body = "".join(template.blocks["body"](context))
    subject = None
    if "subject" in template.blocks:
        subject = "".join(template.blocks["subject"](context))
    return subject, body


__all__ = ["FACTS", "NotSplit", "PersonRef", "render", "renderer"]
