"""Reading contract JSON from files or stdin into models, with errors that name the field."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fairnotice.errors import BadInput

M = TypeVar("M", bound=BaseModel)
MAX_INPUT_BYTES = 10 * 1024 * 1024


def read_text(source: str, *, label: str = "FILE") -> str:
    """The text of a file, or of stdin for '-'."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInput([(label, f"no such file: {source}")])
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise BadInput([(label, f"larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput([(label, f"not UTF-8 text (byte {exc.start})")]) from None


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("function-after", "function-before", "function-wrap"):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


_NAMED = re.compile(r"^([a-z_]+): (.+)$", re.DOTALL)


def problems_of(error: ValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs of a pydantic error, in the contract's dotted names.

    A model-level check that concerns one field says so as 'name: what is wrong'; the name
    then joins the location, so 'interview' + 'end: ...' reads 'interview.end'.
    """
    out = []
    for item in error.errors(include_url=False):
        loc = tuple(x for x in item["loc"] if not (isinstance(x, str) and "[" in x))
        message = str(item["msg"]).removeprefix("Value error, ")
        named = _NAMED.match(message)
        if named:
            loc, message = (*loc, named.group(1)), named.group(2)
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "missing":
            message = "required field is missing"
        out.append((_location(loc), message))
    return out


def parse_model(model: type[M], text: str, *, label: str = "FILE") -> M:
    """Validate JSON text as `model`; BadInput names every field that is wrong."""
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            [(label, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    return validate(model, raw)


def validate(model: type[M], raw: Any) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise BadInput(problems_of(exc)) from None
