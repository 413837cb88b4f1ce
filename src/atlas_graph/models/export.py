"""The vocabulary of file imports and exports: import formats, CSV fields, and defaults the command line shows."""

from __future__ import annotations

from typing import Literal

ImportFormat = Literal["bundle", "stix", "csv", "misp-galaxy", "misp-event"]
IMPORT_FORMATS: tuple[ImportFormat, ...] = ("bundle", "stix", "csv", "misp-galaxy", "misp-event")

DEFAULT_BATCH_SIZE = 1000
"""Items per transaction of a file import."""

CSV_FIELDS: tuple[str, ...] = (
    "source",
    "source_kind",
    "source_id",
    "source_category",
    "target",
    "target_kind",
    "target_id",
    "target_category",
    "type",
    "confidence",
    "tlp",
    "first_seen",
    "last_seen",
    "reference",
    "description",
    "share_with",
    "amount",
    "currency",
)
"""What a CSV edge-list row can say; each is read from the column of its name unless a mapping says otherwise."""

CSV_LIST_SEPARATOR = "|"
"""Between the items of a list in one CSV cell (references, share_with, aliases), in imports and exports."""
