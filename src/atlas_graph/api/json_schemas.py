"""JSON Schemas of every request and response body, derived from the routes' own Pydantic models.

`scripts/generate_schemas.py` writes them under `schemas/`; a test fails when the files drift from the models.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from atlas_graph.api.routes import RAW_BODY_MODELS, ROUTERS
from atlas_graph.models.errors import ErrorOut


def body_schemas() -> dict[str, dict[str, Any]]:
    """`{"request/BundleIn.json": schema, "response/BundleResultOut.json": schema, ...}` for every route."""
    requests: dict[str, Any] = {}
    responses: dict[str, Any] = {"ErrorOut": ErrorOut}
    for route in (route for router in ROUTERS for route in router.routes):
        if not isinstance(route, APIRoute):
            continue
        for parameter in route.dependant.body_params:
            annotation = parameter.field_info.annotation
            requests[_name(annotation)] = annotation
        if route.response_model is not None:
            responses[_name(route.response_model)] = route.response_model
    requests.update({model.__name__: model for model in RAW_BODY_MODELS})
    schemas = {
        f"request/{name}.json": TypeAdapter(model).json_schema(mode="validation") for name, model in requests.items()
    }
    schemas.update(
        {
            f"response/{name}.json": TypeAdapter(model).json_schema(mode="serialization")
            for name, model in responses.items()
        }
    )
    return dict(sorted(schemas.items()))


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _name(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__
    # list[X] and the like: name them after their item, e.g. "OrganizationOutList".
    arguments = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is list and arguments:
        return f"{_name(arguments[0])}List"
    raise TypeError(f"no schema name for {annotation!r}")
