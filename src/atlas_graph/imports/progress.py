"""Where an import stands, as throttled events for a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

ProgressUnit = Literal["bytes", "items"]


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands, for a progress bar: one stage of one file, `done` of `total` bytes or items."""

    input: str
    stage: str
    stage_number: int
    stages: int
    done: int
    total: int
    unit: ProgressUnit
    imported: int
    started: float
    finished: bool = False


ProgressCallback = Callable[[ImportProgress], None]


class ProgressMeter:
    """Turns positions reported while reading into throttled ImportProgress events."""

    def __init__(self, name: str, stages: Sequence[str], callback: ProgressCallback | None) -> None:
        self._name = name
        self._stages = list(stages)
        self._callback = callback
        self._stage = ""
        self._done = 0
        self._total = 0
        self._unit: ProgressUnit = "bytes"
        self._imported = 0
        self._started = time.monotonic()
        self._last = 0.0

    def start(self, stage: str, *, total: int, unit: ProgressUnit) -> None:
        if stage != self._stage:
            self._imported = 0
            self._started = time.monotonic()
        self._stage, self._total, self._unit, self._done = stage, total, unit, 0
        self._emit(force=True)

    def advance(self, done: int) -> None:
        self._done = done
        self._emit()

    def imported(self, items: int, *, covered: int = 0) -> None:
        """`items` written; `covered` source items done, which is the progress of a stage counted in items."""
        self._imported += items
        if self._unit == "items":
            self._done += covered
        self._emit()

    def finish(self) -> None:
        self._done = self._total
        self._emit(force=True, finished=True)

    def _emit(self, *, force: bool = False, finished: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self._callback(
            ImportProgress(
                input=self._name,
                stage=self._stage,
                stage_number=self._stages.index(self._stage) + 1 if self._stage in self._stages else 0,
                stages=len(self._stages),
                done=self._done,
                total=self._total,
                unit=self._unit,
                imported=self._imported,
                started=self._started,
                finished=finished,
            )
        )
