"""fairnotice: change job-interview plans professionally.

The public surface of the library (`__all__`); everything else is internal. Names load on
first use, so `import fairnotice` (and the CLI's start-up) stays cheap.

    >>> from fairnotice import Situation, plan
    >>> plan(Situation.model_validate(data))  # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fairnotice.errors import BadInput, FairnoticeError
    from fairnotice.model import Findings, Interview, Message, Plan, Situation, Slot, Step
    from fairnotice.rules.planner import plan

_WHERE = {
    "BadInput": "fairnotice.errors",
    "FairnoticeError": "fairnotice.errors",
    "Findings": "fairnotice.model",
    "Interview": "fairnotice.model",
    "Message": "fairnotice.model",
    "Plan": "fairnotice.model",
    "Situation": "fairnotice.model",
    "Slot": "fairnotice.model",
    "Step": "fairnotice.model",
    "plan": "fairnotice.rules.planner",
}

__all__ = [
    "BadInput",
    "FairnoticeError",
    "Findings",
    "Interview",
    "Message",
    "Plan",
    "Situation",
    "Slot",
    "Step",
    "plan",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'fairnotice' has no attribute {name!r}")
