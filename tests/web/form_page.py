"""A page's forms as a person sees them: each field's value, its visible label, whether it
is marked invalid and the message beside it, and the summary of problems at the top.

Read with the standard library's HTML parser (no dependency for the tests alone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

FIELD_TAGS = ("input", "textarea", "select")


@dataclass
class Field:
    name: str
    tag: str
    attrs: dict[str, str]
    value: str = ""
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)

    @property
    def shown(self) -> str:
        """The value the browser shows (a select's chosen option)."""
        if self.tag == "select":
            chosen = [v for v, selected in self.options if selected]
            return chosen[0] if chosen else (self.options[0][0] if self.options else "")
        return self.value


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the problems' lines, as read
    summary_attrs: dict[str, str] = field(default_factory=dict)

    def named(self, name: str) -> Field:
        found = [f for f in self.fields if f.name == name and f.attrs.get("type") != "hidden"]
        assert found, f"no field {name!r} in the form to {self.action}"
        return found[0]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}  # id -> label text
        self.texts: dict[str, str] = {}  # id -> text of an element with an id
        self._form: Form | None = None
        self._open: list[tuple[str, str | None, list[str]]] = []  # tag, id, text
        self._field: Field | None = None
        self._option: str | None = None
        self._summary = 0  # depth inside the problems summary
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in raw}
        if tag == "form":
            self._form = Form(attrs.get("action", ""))
            self.forms.append(self._form)
        if tag in FIELD_TAGS and self._form is not None and "name" in attrs:
            made = Field(attrs["name"], tag, attrs, attrs.get("value", ""))
            self._form.fields.append(made)
            self._field = made if tag in ("textarea", "select") else None
        if tag == "option" and self._field is not None:
            self._option = attrs.get("value", "")
            self._field.options.append((self._option, "selected" in attrs))
        if tag == "div" and "problems" in attrs.get("class", "").split() and self._form:
            self._summary = 1
            self._form.summary_attrs = attrs
        elif self._summary and tag == "div":
            self._summary += 1
        if self._summary and tag == "li":
            self._item = []
        if tag not in ("input", "br", "img", "meta", "link", "option"):
            self._open.append((tag, attrs.get("id") or attrs.get("for"), []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag in ("textarea", "select"):
            self._field = None
        if self._summary and tag == "li" and self._item is not None and self._form:
            self._form.summary.append(" ".join("".join(self._item).split()))
            self._item = None
        if self._summary and tag == "div":
            self._summary -= 1
        while self._open:
            opened, key, text = self._open.pop()
            joined = " ".join("".join(text).split())
            if opened == "label" and key:
                self.labels[key] = joined
            elif key:
                self.texts[key] = joined
            if self._open:
                self._open[-1][2].append("".join(text))
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._field is not None and self._field.tag == "textarea":
            self._field.value += data
        if self._open:
            self._open[-1][2].append(data)
        if self._item is not None:
            self._item.append(data)


@dataclass
class Page:
    forms: list[Form]
    labels: dict[str, str]
    texts: dict[str, str]

    def form(self, action: str) -> Form:
        found = [f for f in self.forms if f.action == action]
        assert found, f"no form to {action}: {[f.action for f in self.forms]}"
        return found[0]

    def label_of(self, item: Field) -> str:
        return self.labels.get(item.attrs.get("id", ""), "")

    def message_of(self, item: Field) -> str:
        """The text beside an invalid field (aria-describedby's first id)."""
        ids = item.attrs.get("aria-describedby", "").split()
        return self.texts.get(ids[0], "") if ids else ""


def read(html: str) -> Page:
    parser = _Page()
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.labels, parser.texts)
