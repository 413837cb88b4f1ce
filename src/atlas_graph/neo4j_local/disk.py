"""How much disk the local Neo4j uses, read from its data folder (Neo4j 5's layout under the home it is given)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalDiskUse:
    """Bytes of one database's store files and transaction logs, and of the file system that holds them."""

    store_bytes: int
    transaction_log_bytes: int
    free_bytes: int
    total_bytes: int


def local_disk_use(home: Path, *, database: str) -> LocalDiskUse:
    """The disk use of `database` in the local Neo4j whose home is `home`."""
    data = home / "data"
    usage = shutil.disk_usage(home)
    return LocalDiskUse(
        store_bytes=_bytes_under(data / "databases" / database),
        transaction_log_bytes=_bytes_under(data / "transactions" / database),
        free_bytes=usage.free,
        total_bytes=usage.total,
    )


def _bytes_under(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:  # a log file pruned at a checkpoint while we counted
            continue
    return total
