"""A job title as people say it: without gender markers or a long tail (subjects, calls).

Job ads write "Senior Full-Stack-Entwickler*in (m/w/d) für unsere Plattform im Bereich
Logistik"; a subject line or a phone call says "Senior Full-Stack-Entwickler". The full
title stays in the email body, once.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (m/w/d), (w/m/d), (f/m/x), (m/f/d), (all genders), (gn), (d/m/w) ...
_MARKER = re.compile(
    r"\s*\((?:[mwfdxiMWFDXI](?:\s*/\s*[mwfdxiMWFDXI]){1,3}|all genders|alle Geschlechter|gn\*?)\)"
)
# Entwickler*in, Entwickler:in, Entwickler_in, Entwickler/-in, Entwickler/in, EntwicklerIn
_SUFFIX = re.compile(r"(?<=[a-zäöüß])(?:[*:_]in(?:nen)?|/-?in(?:nen)?|In(?:nen)?)\b")
# Where a long tail starts: "für unsere Plattform", "– Team Logistik", "| Berlin", ", remote".
_TAIL = re.compile(
    r"\s+(?:für|im|in der|bei|for|at|in our|i|på|till|hos|med)\s+.*$|\s*(?:[–—|,(]|\s-\s).*$"
)
LONG = 40  # characters above which a title is trimmed to its head


@lru_cache(maxsize=1024)
def short_title(title: str) -> str:
    """The title as said aloud or put in a subject line."""
    text = _MARKER.sub("", title)
    text = _SUFFIX.sub("", text)
    text = " ".join(text.split())
    trimmed = _TAIL.sub("", text).strip()
    if trimmed and len(text) > LONG:
        text = trimmed
    return text.strip(" -–,") or " ".join(title.split())
