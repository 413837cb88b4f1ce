"""Values crossing the driver: its temporal types to Python's, and bulk parameters out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar

import neo4j.time

T = TypeVar("T")


class BulkParameter(list[T]):
    """A list sent as one query parameter (a bundle's rows or keys), whose repr gives only its length.

    The driver formats every query's parameters for its debug log before it knows whether the log is on; for a
    10,000-item bundle that repr was 12% of the service's CPU (py-spy during scripts/bench_ingest.py). The
    driver packs this like any list.
    """

    __slots__ = ()

    def __init__(self, items: Iterable[T] = ()) -> None:
        super().__init__(items)

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def native_datetime(value: Any) -> datetime:
    if isinstance(value, neo4j.time.DateTime):
        native: datetime = value.to_native()
        return native
    if isinstance(value, datetime):
        return value
    raise TypeError(f"expected a datetime from Neo4j, got {type(value).__name__}")


def native_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, neo4j.time.Date):
        native: date = value.to_native()
        return native
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date from Neo4j, got {type(value).__name__}")
