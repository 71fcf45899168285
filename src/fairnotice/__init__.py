"""fairnotice: change job-interview plans professionally.

The public surface of the library. Everything else is internal and may change.

    >>> from fairnotice import Situation, plan
    >>> plan(Situation.model_validate(data))  # doctest: +SKIP
"""

from __future__ import annotations

from fairnotice.errors import BadInput, FairnoticeError
from fairnotice.model import Findings, Interview, Message, Plan, Situation, Slot, Step
from fairnotice.rules.planner import plan

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
