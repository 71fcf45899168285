"""Every text a request brings must be one the database can keep: no NUL, no lone surrogate.

PostgreSQL's text refuses NUL (psycopg raises DataError: a 500 after the work was done),
and a lone surrogate cannot be encoded at all. Checked once for every route, before it
runs: the form's fields and the query's (the form is parsed once and kept by Starlette,
so the route reads the same object), and JSON bodies through the models (model.Strict).
"""

from __future__ import annotations

from fastapi import Request

from fairnotice.errors import N_, BadInput
from fairnotice.model import unstorable

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def storable_text(request: Request) -> None:
    """Refuse (422, naming the field) a form or query value the database cannot keep."""
    problems = [(k, v) for k, v in request.query_params.multi_items() if unstorable(v)]
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not problems and request.method not in ("GET", "HEAD") and kind in FORM_TYPES:
        form = await request.form()
        problems = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and unstorable(v)]
    if problems:
        what = N_("contains a character that cannot be stored (NUL or a lone surrogate)")
        raise BadInput([(name, what) for name, _ in problems[:1]])
