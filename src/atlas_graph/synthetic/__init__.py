"""Synthetic cybercrime ecosystems: seeded, realistically shaped test data in the API's bundle shape."""

from atlas_graph.synthetic.ecosystem import (
    DEFAULT_KIND_SHARES,
    DEFAULT_RELATIONSHIP_MIX,
    DEFAULT_TLP_WEIGHTS,
    Activity,
    Ecosystem,
    generate_ecosystem,
)

__all__ = [
    "Activity",
    "DEFAULT_KIND_SHARES",
    "DEFAULT_RELATIONSHIP_MIX",
    "DEFAULT_TLP_WEIGHTS",
    "Ecosystem",
    "generate_ecosystem",
]
