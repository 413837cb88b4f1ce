"""Logging for `ATLAS_LOG_FORMAT=json`: one JSON object a line, each with the id of the request it was written for.

The request id is the one api/request_id.py gives each request (the caller's X-Request-ID when sane), so that a log
line, the answer's `X-Request-ID` header and the audit trail's `request_id` can be joined.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("atlas_request_id", default=None)
"""The id of the request being handled in this context; None outside requests (start-up, workers)."""

# uvicorn's access log passes these as the record's arguments (uvicorn/protocols/http/*_impl.py).
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """A record as a JSON object: time, level, logger, message, request_id, and the access log's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": CURRENT_REQUEST_ID.get(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            line.update(zip(ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def json_log_config() -> dict[str, Any]:
    """A `logging.config.dictConfig` (and uvicorn `log_config`) that writes every log as JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
        # atlas_graph's own loggers (and the driver's warnings) reach the root.
        "root": {"handlers": ["json"], "level": "INFO"},
    }
