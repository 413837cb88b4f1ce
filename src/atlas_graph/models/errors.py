"""The one JSON shape of every error answer."""

from __future__ import annotations

from pydantic import BaseModel


class ProblemOut(BaseModel):
    location: list[str | int]
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    problems: list[ProblemOut] = []


class ErrorOut(BaseModel):
    error: ErrorDetail
    request_id: str | None = None
