"""C5: the greeting names the right person, spelt right, in the form the language expects.

The greeting is the first line of the body. Its opener ("Sehr geehrter", "Dear", "Hej")
has a register (formal, warm, neutral, informal, casual, anonymous) and, in German, a
grammatical gender that must agree with the title ("Sehr geehrte Frau", "Sehr geehrter
Herr"). Names are compared with the situation's people: a near miss is a misspelling.
"""

from __future__ import annotations

import re
import unicodedata

from fairnotice.model import Intent, Role
from fairnotice.review.context import Review

_REGISTERS = ("anonymous", "formal", "warm", "neutral", "informal", "casual")
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*")


def _openers(review: Review) -> list[tuple[str, str, str]]:
    """(opener, register, gender) longest first, so 'sehr geehrter' wins over 'sehr geehrte'."""
    data = review.lex.raw["greeting"]
    out: list[tuple[str, str, str]] = []
    for register in _REGISTERS:
        entries = data.get(register, [])
        if isinstance(entries, dict):
            out += [(o.casefold(), register, g) for o, g in entries.items()]
        else:
            out += [(o.casefold(), register, "") for o in entries]
    return sorted(out, key=lambda item: len(item[0]), reverse=True)


def _fold(name: str) -> str:
    """A name for comparison: casefolded, German umlauts spelt out, other accents dropped."""
    name = name.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, rows[-2][j - 2] + 1)
            row.append(value)
        rows.append(row)
    return rows[-1][-1]


def _people(review: Review) -> list[tuple[str, str | None]]:
    """(name, salutation) of everyone this draft may be addressed to."""
    s = review.situation
    if s is None:
        return []
    people = [(s.counterpart.name, s.counterpart.salutation)]
    if s.role is Role.employer and s.intent is Intent.position_filled:
        people += [(c.name, c.salutation) for c in s.candidates]
    return people


def _example(review: Review, person: tuple[str, str | None] | None) -> str:
    data = review.lex.raw["greeting"]
    if person is None:
        return str(data["example_generic"])
    name, salutation = person
    parts = name.split()
    values = {"name": name, "first": parts[0], "last": parts[-1], "title": salutation or ""}
    if not review.formal:
        return str(data["example_informal"]).format(**values)
    if salutation:
        gender = data["titles"].get(salutation.casefold().rstrip("."), "")
        key = f"example_titled_{gender}" if f"example_titled_{gender}" in data else "example_titled"
        return str(data[key]).format(**values)
    return str(data["example_named"]).format(**values)


def check(review: Review) -> None:
    draft = review.draft
    body = draft.masked
    start = draft.body_start
    while start < len(body) and body[start].isspace():
        start += 1
    end = body.find("\n", start)
    end = len(body) if end < 0 else end
    line = body[start:end].rstrip()
    people = _people(review)
    person = people[0] if people else None
    example = _example(review, person)
    folded = line.casefold()
    found = next(
        (
            (o, r, g)
            for o, r, g in _openers(review)
            if folded.startswith(o) and not folded[len(o) : len(o) + 1].isalpha()
        ),
        None,
    )
    if not line or found is None:
        review.error("C5", "C5_missing", None, example=example)
        return
    opener, register, gender = found
    line_span = (start, start + len(line.rstrip(",!:;")))
    if register == "anonymous":
        if people:
            review.error("C5", "C5_anonymous", line_span, example=example)
        else:
            review.warning("C5", "C5_anonymous", line_span, example=example)
        return
    rest_start = start + len(opener)
    stop = re.search(r"[,!:;\n]", body[rest_start:end])
    rest_end = rest_start + stop.start() if stop else end
    titles: dict[str, str] = review.lex.raw["greeting"]["titles"]
    title: tuple[str, tuple[int, int]] | None = None
    names: list[tuple[str, tuple[int, int]]] = []
    for match in _NAME_TOKEN.finditer(body, rest_start, rest_end):
        word = match.group().rstrip(".")
        span = (match.start(), match.start() + len(word))
        if word.casefold() in titles:
            if title is None:
                title = (word.casefold(), span)
        else:
            names.append((word, span))
    gendered_title = title is not None and bool(titles.get(title[0]))
    if (review.formal and register in ("informal", "casual")) or (
        review.formal
        and register == "neutral"
        and gendered_title
        and review.lex.raw["greeting"].get("title_needs_formal", False)
    ):
        if register == "casual" and not review.lex.raw["greeting"].get("casual_is_error", False):
            review.warning("C5", "C5_casual", line_span, example=example)
        else:
            review.error("C5", "C5_form", line_span, example=example)
    elif register == "casual":
        review.warning("C5", "C5_casual", line_span, example=example)
    title_gender = titles.get(title[0], "") if title else ""
    if title and gender and title_gender and gender != title_gender:
        review.error("C5", "C5_gender", line_span, example=example)
    if not people:
        return
    if not names:
        review.error("C5", "C5_no_name", line_span, example=example)
        return
    greeted = {_fold(word) for word, _ in names}
    person = next((p for p in people if greeted & {_fold(n) for n in p[0].split()}), person)
    if title and person and person[1]:
        example = _example(review, person)
        wanted = titles.get(person[1].casefold().rstrip("."), "")
        if wanted and title_gender and wanted != title_gender:
            review.error("C5", "C5_gender", title[1], example=example)
    _check_names(review, names, people)


def _check_names(
    review: Review, names: list[tuple[str, tuple[int, int]]], people: list[tuple[str, str | None]]
) -> None:
    parts = {_fold(p): p for name, _ in people for p in name.split()}
    matched = False
    for word, span in names:
        key = _fold(word)
        if key in parts:
            matched = True
            continue
        near = [
            p
            for k, p in parts.items()
            if len(key) >= 3 and _distance(key, k) <= (1 if len(k) <= 4 else 2)
        ]
        if near:
            review.error("C5", "C5_misspelt", span, name=near[0])
            return
    if not matched:
        first = names[0][1]
        span = (first[0], names[-1][1][1])
        review.error("C5", "C5_wrong_person", span, name=people[0][0])
