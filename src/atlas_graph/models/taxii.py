"""The TAXII 2.1 envelope that POST /taxii2/api/collections/{id}/objects/ takes (section 3.7)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TaxiiEnvelopeIn(BaseModel):
    """STIX objects to add; each is validated by the stix2 library, as in POST /v1/stix, not by this model."""

    model_config = ConfigDict(extra="forbid")

    more: bool | None = None
    next: str | None = Field(default=None, max_length=1024)
    objects: list[dict[str, Any]] = Field(default_factory=list)
