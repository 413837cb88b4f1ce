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
    return _native(value, neo4j.time.DateTime, datetime)


def native_date(value: Any) -> date | None:
    if value is None:
        return None
    return _native(value, neo4j.time.Date, date)


def _native(value: Any, driver_type: type[Any], python_type: type[T]) -> T:
    # Values read back from Neo4j come as the driver's types; values a test or a caller built come as Python's.
    if isinstance(value, driver_type):
        native: T = value.to_native()
        return native
    if isinstance(value, python_type):
        return value
    raise TypeError(f"expected a {python_type.__name__} from Neo4j, got {type(value).__name__}")
