"""Paging for the faces: `limit`/`offset` and RFC 8288 `Link` headers for the REST API,
page numbers and links that keep the other filters for the pages.

The API pages by offset rather than by cursor: a client can jump to any page and is told
the total (`X-Total-Count`), which the lists of a workspace (at most some 100,000 rows,
ordered over an index) afford; each list's order ends on the id, so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import URL

from fairnotice.errors import BadInput, Phrase, Verbatim
from fairnotice.operations.common.listing import Page

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
MAX_PAGE = 1_000_000
MAX_SEARCH = 200

LIST_HEADERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            f"One page of the list (`limit` rows, at most {MAX_LIMIT}, from `offset`). "
            "The body stays a JSON array; follow the `Link` header's `next` until it is absent."
        ),
        "headers": {
            "X-Total-Count": {
                "description": "How many rows the filters match, over all pages",
                "schema": {"type": "integer"},
            },
            "Link": {
                "description": (
                    "RFC 8288 links to the `first`, `last`, `prev` and `next` pages "
                    '(`<url>; rel="next"`); prev and next only where such a page exists'
                ),
                "schema": {"type": "string"},
            },
        },
    }
}


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (1-{MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="how many rows to skip (0 = the first page)")
    ] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


Paged = Annotated[Paging, Depends(paging)]
Search = Annotated[
    str | None, Query(max_length=MAX_SEARCH, description="words each found in a listed field")
]


def with_links(request: Request, response: Response, page: Page[Any]) -> list[Any]:
    """The page's rows; its total and its Link header set on `response`."""
    url = request.url

    def at(offset: int) -> str:
        return str(url.include_query_params(limit=page.limit, offset=offset))

    links = [(at(0), "first")]
    if page.prev_offset is not None:
        links.append((at(page.prev_offset), "prev"))
    if page.next_offset is not None:
        links.append((at(page.next_offset), "next"))
    links.append((at(page.last_offset), "last"))
    response.headers["Link"] = ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)
    response.headers["X-Total-Count"] = str(page.total)
    return page.rows


# --- pages ---------------------------------------------------------------------------


def url_with(request: Request, **changes: Any) -> str:
    """This page's address (path and query) with some parameters changed; None or "" drops
    one. A change of anything but the page number starts again at its first page."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = URL(path="/").include_query_params(**params).query if params else ""
    return request.url.path + (f"?{query}" if query else "")


def page_number(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> int:
    return page


PageNumber = Annotated[int, Depends(page_number)]
Text = Annotated[str, Query(max_length=MAX_SEARCH)]  # a page's search or filter field
Number = Annotated[int, Query(ge=1, le=MAX_PAGE)]  # a second list's page number


def offset_of(number: int, size: int) -> int:
    return (number - 1) * size


def one_of(field: str, value: str, allowed: Sequence[str]) -> str | None:
    """A page's filter: None for "" (everything), else one of `allowed`; anything else is
    BadInput naming the field and the values it takes."""
    if not value:
        return None
    if value not in allowed:
        choices = Verbatim(", ".join(allowed))
        raise BadInput([(field, Phrase("choose one of: %(choices)s", choices=choices))])
    return value
