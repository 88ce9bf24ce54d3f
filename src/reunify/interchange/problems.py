"""Problems found in a batch, each pinned to ``file:line:column``."""

from __future__ import annotations

from dataclasses import dataclass

from reunify.interchange.limits import MAX_PROBLEMS_LISTED


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, where it is, and what was expected instead.

    ``line`` and ``column`` are 1-based. In CSV ``column`` is the field's position in the row;
    in JSONL it is the character column of the offending key (or of the JSON syntax error), 1
    when the whole line or file is meant.
    """

    file: str
    line: int
    column: int
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.message} (expected {self.expected})" if self.expected else (
            f"{where}: {self.message}"
        )


class Problems:
    """The problems of one batch: the first ``cap`` are kept, the rest only counted."""

    def __init__(self, cap: int = MAX_PROBLEMS_LISTED) -> None:
        self.cap = cap
        self.listed: list[Problem] = []
        self.more = 0
        #: Problems so far, listed or not (an attribute: hot loops read it once per row).
        self.count = 0

    def add(self, file: str, line: int, column: int, message: str, expected: str = "") -> None:
        """Record a problem (kept if the list is not full yet, else counted)."""
        self.count += 1
        if len(self.listed) < self.cap:
            self.listed.append(Problem(file, line, column, message, expected))
        else:
            self.more += 1

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return bool(self.listed)
