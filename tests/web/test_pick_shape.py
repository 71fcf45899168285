"""The pick page filled into its rendered shape (pick.py) is exactly Jinja's page."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.requests import Request

from fairnotice.errors import Phrase
from fairnotice.operations.offers import holds
from fairnotice.operations.offers.commands import OfferView
from fairnotice.web import i18n
from fairnotice.web.routes import pick

NASTY = [
    "Paralegal",
    "Müller & Söhne <GmbH> \"quoted\" 'single'",
    "\x02position\x03 \x02csrf\x03 {{ 1 + 1 }} %(when)s %s",
    "Åsa Öberg AB",
]
# "" can be picked; the others are why not (every mix, all blocked included)
REASONS = ["", holds.SOON, holds.TAKEN, holds.UNKNOWN]


def _request(token: str, accept: str = "") -> Request:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": f"/pick/{token}",
        "raw_path": f"/pick/{token}".encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"accept-language", accept.encode())] if accept else [],
        "path_params": {"token": token},
        "session": {},
    }
    return Request(scope)


def _jinja(
    request: Request,
    offer: OfferView,
    language: str,
    expired: bool,
    csrf: str,
    blocked: tuple[str, ...] = (),
    message: str = "",
    suggesting: bool = False,
) -> str:
    """The page as Jinja renders it with the real values (what pick.py did before)."""
    lang = language if language in i18n.LANGUAGES else pick.deps.language(request)
    tz = offer.timezone
    minutes = offer.notice_minutes
    return pick._template().render(
        request=pick._Url(request.url.path),
        offer=offer,
        expired=expired,
        token=request.path_params["token"],
        lang=lang,
        languages=i18n.NAMES,
        _=i18n.gettext_for(lang),
        csrf=csrf,
        when=lambda moment: i18n.when(moment, lang, tz),
        time_only=lambda moment: i18n.time_only(moment, lang, tz),
        zone_label=i18n.zone_label(tz, lang),
        notice=pick.notice_duration(minutes, lang) if minutes else "",
        blocked=list(blocked),
        message=i18n.translate(message, lang) if message else "",
        duration=pick.notice_duration(pick._minutes(offer), lang),
        video_link=bool(offer.video_url) and offer.video_url.startswith(("https://", "http://")),
        suggesting=suggesting,
    )


@pytest.mark.parametrize("language", ["de", "sv", "en", "fr"])
@pytest.mark.parametrize(
    "state", ["open", "picked", "declined", "cancelled", "closed", "replaced", "withdrawn"]
)
@pytest.mark.parametrize("count", [0, 1, 3])
def test_shape_filled_equals_jinja(language: str, state: str, count: int) -> None:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # across Berlin's clock change
    for n, text in enumerate(NASTY):
        slots = [
            {
                "id": 10 + i,
                "start": start + timedelta(hours=i),
                "end": start + timedelta(hours=i + 1),
                "state": "open",
            }
            for i in range(count)
        ]
        flags = [(), *(tuple(REASONS[(i + j) % 4] for i in range(count)) for j in range(4))]
        for picked, blocked in itertools.product([None, *(s["id"] for s in slots)], flags):
            offer = OfferView(
                id=1,
                state=state,
                expires_at=start,
                picked_slot_id=picked,
                language=language,
                timezone=("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")[n],
                position=text,
                company=NASTY[-1 - n],
                slots=slots,
                notice_minutes=(720, 0, 90, 2880)[n],
                interview_status=("filled", "cancelled", "withdrawn", "took_place")[n],
                interview_start=None if n == 3 else start - timedelta(days=n + 1),
                interview_end=None if n == 3 else start - timedelta(days=n + 1, minutes=-45),
                location=(None, text, "Raum 3 & <b>", None)[n],
                video_url=("https://meet.example/a?b=1&c=<x>", None, "javascript:alert(1)", None)[
                    n
                ],
            )
            message = Phrase(holds.WHY[holds.TAKEN]) if blocked else ""
            for expired in (False, True):
                token = "tok-" + "x" * n
                request = _request(token, accept="sv-SE,sv;q=0.9")
                csrf = "" if expired else "csrf_Token-123"
                suggesting = bool(blocked) and n % 2 == 1
                got = pick._render(
                    request, offer, language, expired, csrf, blocked, message, suggesting
                )
                want = _jinja(request, offer, language, expired, csrf, blocked, message, suggesting)
                assert got == want


def test_the_form_path_is_the_requests_url_path() -> None:
    """`pick._path` reads the scope instead of parsing the whole URL: the same text."""
    for token in ["abc_DEF-123", "a b", "x%y", "ä€", "a?b=c", "a#b", "a;b", "..", "a/b"]:
        for root in ("", "/app"):
            request = _request(token)
            request.scope["root_path"] = root
            assert pick._path(request) == request.url.path, (token, root)
