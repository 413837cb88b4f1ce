"""Synthetic cybercrime ecosystems: seeded, realistically shaped test data in the API's bundle shape.

`__all__` below is the public surface of `synthetic.ecosystem`; the rest of that module is its inner working.
"""

from atlas_graph.synthetic.ecosystem import (
    DEFAULT_KIND_SHARES,
    DEFAULT_RELATIONSHIP_MIX,
    DEFAULT_TLP_WEIGHTS,
    PLANNING_COALITION,
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
    "PLANNING_COALITION",
    "generate_ecosystem",
]
