"""Real calendar software for the tests: libical (C, via ctypes) and ical.js (node).

Locally a missing piece skips the tests that need it; under CI=true it fails them, so a
CI run can never pass without having checked against the real software.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"


def missing(what: str) -> None:
    """Skip locally, fail under CI: `what` is needed and not there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required under CI (make test installs it)")
    pytest.skip(f"{what} is not installed")


@cache
def _libical() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("ical") or "libical.so.3"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalrestriction_check.restype = ctypes.c_int
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    return lib


def libical_errors(text: str) -> list[str]:
    """The X-LIC-ERROR lines libical's RFC 5546 restriction check adds (empty: passes)."""
    lib = _libical()
    if lib is None:
        missing("libical (Debian libical3)")
        raise AssertionError("unreachable")
    component = lib.icalparser_parse_string(text.encode("utf-8"))
    if not component:
        return ["libical could not parse the text at all"]
    try:
        passed = lib.icalrestriction_check(component)
        out = (lib.icalcomponent_as_ical_string(component) or b"").decode("utf-8", "replace")
    finally:
        lib.icalcomponent_free(component)
    # Unfold, then keep every error libical attached during parsing or the check.
    lines = out.replace("\r\n ", "").replace("\n ", "").splitlines()
    errors = [line for line in lines if line.startswith("X-LIC-ERROR")]
    if not passed and not errors:
        errors.append("icalrestriction_check returned 0")
    return errors


def icaljs(texts: list[str]) -> list[dict[str, Any]]:
    """What ical.js makes of each text (one node process for all of them)."""
    node = shutil.which("node")
    if node is None:
        missing("node")
    if not (JS / "node_modules" / "ical.js").is_dir():
        missing("npm package ical.js (make js-deps)")
    result = subprocess.run(
        [str(node), str(JS / "check.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: list[dict[str, Any]] = json.loads(result.stdout)
    return parsed
