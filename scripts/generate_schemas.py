#!/usr/bin/env python3
"""Writes schemas/request/*.json and schemas/response/*.json from the API's Pydantic models (never edit by hand)."""

from __future__ import annotations

import sys
from pathlib import Path

from atlas_graph.api.json_schemas import body_schemas, render

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def main() -> int:
    schemas = body_schemas()
    for stale in SCHEMAS.rglob("*.json"):
        if stale.relative_to(SCHEMAS).as_posix() not in schemas:
            stale.unlink()
    for relative, schema in schemas.items():
        path = SCHEMAS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema), encoding="utf-8")
    print(f"wrote {len(schemas)} schemas under {SCHEMAS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
