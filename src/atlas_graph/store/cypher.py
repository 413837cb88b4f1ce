"""Loads the Cypher in `cypher/` by name; the one place that turns file text into the driver's `LiteralString`.

`CypherLibrary.load(required=...)` fails at start-up when a required name has no file (the app passes
`store.queries.QUERY_NAMES`, every query the store runs), so a typo never waits for the first request to surface.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import LiteralString

from atlas_graph.errors import ConfigurationError


def default_cypher_dir() -> Path:
    """The repository's `cypher/` folder, or the copy a wheel carries as `atlas_graph/_cypher`."""
    packaged = Path(str(resources.files("atlas_graph"))) / "_cypher"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "cypher"


class CypherLibrary:
    """Every query text, keyed by its path under `cypher/` without the extension (e.g. ``write/entities``)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts

    @classmethod
    def load(cls, root: Path | None = None, *, required: Collection[str] = ()) -> CypherLibrary:
        """Every query under `root`; raises ConfigurationError when a name in `required` has no file."""
        root = root or default_cypher_dir()
        if not root.is_dir():
            raise ConfigurationError(f"no Cypher folder at {root}")
        texts = {
            path.relative_to(root).with_suffix("").as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*.cypher"))
        }
        missing = sorted(set(required) - texts.keys())
        if missing:
            raise ConfigurationError(f"Cypher files missing under {root}: {', '.join(m + '.cypher' for m in missing)}")
        return cls(texts)

    def __getitem__(self, name: str) -> LiteralString:
        try:
            text = self._texts[name]
        except KeyError:
            raise ConfigurationError(f"no Cypher query named {name!r}") from None
        # Query text comes from files shipped with the code, never from users: that is what makes it a
        # LiteralString for the driver. (mypy treats LiteralString as str, so no cast is written here.)
        return text

    def names(self, prefix: str = "") -> list[str]:
        return sorted(name for name in self._texts if name.startswith(prefix))
