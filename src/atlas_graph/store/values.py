"""Conversions between the driver's temporal types and Python's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import neo4j.time


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
