"""One exception type for bad input, and the problem records it carries.

Every problem names where it is (table, column, subject, row) and what to do about it, so that
a user reading the message can fix the data without opening a debugger.

Rows are counted as a spreadsheet counts them: for a file, ``line`` is the line number in the file
(the header is line 1, so the first record is line 2); for a DataFrame, ``row`` is the index label.

Example
-------
>>> p = Problem(table="visits", column="creatinine_umol_l", subject="S007", row=14,
...             message="value 1.2 is implausibly low", fix="pass units={'creatinine': 'mg/dL'}",
...             source="visits.csv")
>>> str(p)
"error: visits.csv line 14, column creatinine_umol_l, subject S007: value 1.2 is implausibly low. Fix: pass units={'creatinine': 'mg/dL'}"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about the input: where it is, what is wrong, and how to fix it."""

    table: str
    message: str
    fix: str = ""
    column: str | None = None
    subject: str | None = None
    row: int | str | None = None
    severity: Severity = "error"
    source: str | None = None

    @property
    def where(self) -> str:
        """The location in words: ``visits.csv line 14, column x, subject S007``."""
        src = self.source or self.table
        parts = [src]
        if self.row is not None:
            is_file = self.source is not None and "." in self.source
            parts[0] = f"{src} {'line' if is_file else 'row'} {self.row}"
        if self.column:
            parts.append(f"column {self.column}")
        if self.subject:
            parts.append(f"subject {self.subject}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.severity}: {self.where}: {self.message}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text

    def sort_key(self) -> tuple:
        row = self.row if isinstance(self.row, int) else -1
        return (self.table, row, self.column or "", self.subject or "", self.message)


class DataError(ValueError):
    """Bad input data. ``problems`` holds every finding, errors first.

    The message lists all errors (not only the first), each naming table, column, subject and row.

    Parameters
    ----------
    problems : iterable of Problem, or str
        The findings (a text becomes one error of table ``input``).

    Examples
    --------
    >>> err = DataError([Problem("visits", "value is missing", "fill it in", "visit_date", "S1", 3)])
    >>> len(err.errors), err.errors[0].row
    (1, 3)
    """

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(table="input", message=problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = errors or list(self.problems)
        head = f"{len(errors)} problem(s) in the input data" if errors else "input data warning"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in shown))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def raise_if_errors(problems: Iterable[Problem]) -> None:
    """Raise a :class:`DataError` carrying all problems if any of them is an error."""
    problems = list(problems)
    if any(p.severity == "error" for p in problems):
        raise DataError(sorted(problems, key=lambda p: (p.severity != "error", p.sort_key())))
