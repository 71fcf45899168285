"""The layers of docs/ARCHITECTURE.md, checked on the source: no layer imports upward.

The pure core imports no I/O (database, network, mail, processes, the environment, the
clock module) and nothing of the layers above it; the adapters (store, mail) import no
use case and no face; the use cases (operations) import no face (web, CLI, worker).
Every import statement counts, also one inside a function (ast walks them all).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "fairnotice"

CORE = (
    "fairnotice.model",
    "fairnotice.lifecycle",
    "fairnotice.todos",
    "fairnotice.insights",
    "fairnotice.errors",
    "fairnotice.mailparse",
    "fairnotice.rules",
    "fairnotice.compose",
    "fairnotice.review",
    "fairnotice.calendar",
)
ADAPTERS = ("fairnotice.store", "fairnotice.mail")
OPERATIONS = ("fairnotice.operations",)
FACES = ("fairnotice.web", "fairnotice.cli", "fairnotice.worker")
IO = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "httpx",
    "authlib",
    "requests",
    "urllib.request",
    "http.client",
    "smtplib",
    "imaplib",
    "poplib",
    "socket",
    "ssl",
    "asyncio",
    "subprocess",
    "os",
    "time",
    "fastapi",
    "starlette",
    "uvicorn",
    "fairnotice.settings",
)

# layer: (its modules, what they must not import)
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pure core": (CORE, (*IO, *ADAPTERS, *OPERATIONS, *FACES)),
    "adapters": (ADAPTERS, (*OPERATIONS, *FACES)),
    "operations": (OPERATIONS, FACES),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, name) of everything `source` imports; `from a import b` gives a and a.b,
    relative imports resolved against `module`."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _within(name: str, prefixes: tuple[str, ...]) -> str | None:
    return next((p for p in prefixes if name == p or name.startswith(f"{p}.")), None)


def violations(layer: str, files: dict[str, tuple[str, bool]]) -> list[str]:
    """Each forbidden import of `layer`'s modules in `files` (module: (source, package?))."""
    modules, forbidden = LAYERS[layer]
    found = []
    for module, (source, is_package) in sorted(files.items()):
        if not _within(module, modules):
            continue
        for line, name in imported(source, module, is_package):
            if _within(name, forbidden):
                found.append(f"{module}:{line} imports {name}")
    return sorted(set(found))


def sources() -> dict[str, tuple[str, bool]]:
    return {
        module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in PACKAGE.rglob("*.py")
    }


def test_every_layer_names_modules_that_exist() -> None:
    """A renamed package must not slip out of the check unnoticed."""
    names = set(sources())
    for modules, _ in LAYERS.values():
        for module in modules:
            assert module in names, f"{module} is not a module of src/fairnotice"


@pytest.mark.parametrize("layer", list(LAYERS))
def test_no_layer_imports_upward(layer: str) -> None:
    found = violations(layer, sources())
    assert not found, f"the {layer} imports what it must not:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "line", "layer"),
    [
        ("fairnotice.rules.timing", "import sqlalchemy", "pure core"),
        ("fairnotice.compose.render", "from fairnotice.store.tables import Offer", "pure core"),
        ("fairnotice.calendar.slots", "from ..operations import busy", "pure core"),
        ("fairnotice.lifecycle", "from fairnotice import web", "pure core"),
        ("fairnotice.review.when", "def f() -> None: import os", "pure core"),
        ("fairnotice.mail.mime", "from fairnotice.operations.outbox.commands import x", "adapters"),
        ("fairnotice.store", "from .. import cli", "adapters"),
        ("fairnotice.operations.offers", "import fairnotice.web.deps", "operations"),
    ],
)
def test_an_upward_import_is_found(module: str, line: str, layer: str) -> None:
    """The checker sees each kind of import (plain, from, relative, inside a function)."""
    is_package = module in ("fairnotice.store",)
    found = violations(layer, {module: (f"x = 1\n{line}\n", is_package)})
    assert len(found) >= 1 and found[0].startswith(f"{module}:2 imports "), found
    allowed = violations(layer, {module: ("from fairnotice.model import Situation\n", False)})
    assert allowed == []
