"""What reading calendars may cost: work and instances counted while parsing and expanding.

Pure: a counter, no clock. The per-series cap in expand.py keeps one rule from running
away, but a file of thousands of such series multiplied it (a 460 KB upload once cost
284 CPU-seconds). A `Budget` is spent by every content line, event, recurrence step and
instance as they are read, and refuses (`BadInput` naming the file) the moment it runs
out, so no file and no account costs more than its limit, whatever it holds. A file's
budget may have a parent (an account's): spending charges both.

The units are weighted to cost about the same CPU time each (a few microseconds on the
reference machine, see bench/calendar_budget.py): a content line costs `LINE` (icalendar
parses ~15 us a line), a rule's expansion step or an instance 1.
"""

from __future__ import annotations

from fairnotice.errors import BadInput, Phrase

FILE_WORK = 220_000  # ~1.5 s of CPU on the reference machine, parsing included
FILE_INSTANCES = 100_000  # busy instances one file may add
ACCOUNT_WORK = 3_000_000  # every stored calendar of a workspace, read together
ACCOUNT_INSTANCES = 1_000_000
LINE = 3  # a content line, charged before icalendar parses it
RULE = 10  # setting up a dateutil rule (rrulestr)
FILTER_SCAN = 40  # a rule's day filters tried on this many days, or periods, per unit


class Budget:
    """Work and instances left for one reading (a file, or an account's calendars)."""

    __slots__ = ("instances", "label", "parent", "spent", "spent_instances", "work")

    def __init__(
        self,
        label: str,
        *,
        work: int = FILE_WORK,
        instances: int = FILE_INSTANCES,
        parent: Budget | None = None,
    ) -> None:
        self.label, self.work, self.instances, self.parent = label, work, instances, parent
        self.spent = 0
        self.spent_instances = 0

    def child(
        self, label: str, *, work: int = FILE_WORK, instances: int = FILE_INSTANCES
    ) -> Budget:
        """A file's budget inside this one (an account's): both are charged."""
        return Budget(label, work=work, instances=instances, parent=self)

    def spend(self, units: int = 1) -> None:
        """Charge `units` of work; refuse (charging nothing) what would pass the limit."""
        if self.spent + units > self.work:
            self._refuse()
        if self.parent is not None:
            self.parent.spend(units)
        self.spent += units

    def add_instances(self, count: int = 1) -> None:
        """Charge `count` busy instances (each is also one unit of work)."""
        if self.spent_instances + count > self.instances:
            self._refuse(instances=True)
        if self.parent is not None and self.parent.spent_instances + count > self.parent.instances:
            self.parent._refuse(instances=True)
        self.spend(count)
        self.spent_instances += count
        if self.parent is not None:
            self.parent.spent_instances += count

    def _refuse(self, *, instances: bool = False) -> None:
        if instances:
            what = Phrase(
                "too costly to read: more than %(limit)s busy instances",
                limit=self.instances,
            )
        else:
            what = Phrase(
                "too costly to read: more than %(limit)s steps of work (lines, events, "
                "recurrences); split it or end its repeating events sooner",
                limit=self.work,
            )
        raise BadInput([(self.label, what)])


def unlimited() -> Budget:
    """A budget that never runs out (tests and trusted local reading only)."""
    return Budget("calendar", work=2**62, instances=2**62)
