"""Where a letter's "Got it" link goes (issue 17).

The letters that change an interview end with a line asking the reader to confirm with
one click (`c.got_it` in each language's `_common.txt`), followed by `GOT_IT` on a line
of its own. The pure core never knows a token: the outbox's link writer puts the
receipt's link in place of the mark when the message leaves (operations/receipts.py);
a message sent by hand has the line taken out (`receipts.without_link`).
"""

from __future__ import annotations

import re

GOT_IT = "[\u2713]"  # written as-is in the templates' macro: keep the two alike
# the mark's paragraph: the sentence before it and the mark's own line
_PARAGRAPH = re.compile(r"\n*[^\n]*\n" + re.escape(GOT_IT) + r"[ \t]*(?=\n|$)")


def without_link(text: str) -> str:
    """`text` without its "Got it" paragraph: a message sent by hand, or by a worker
    that cannot write links, goes without the line rather than with a dead mark."""
    if GOT_IT not in text:
        return text
    return _PARAGRAPH.sub("", text).replace(GOT_IT, "")
