"""The pull's cursor arithmetic and state files: no server, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_graph.cli.taxii_pull import _duration
from atlas_graph.taxii.pull import TaxiiSource, _before, state_path


def test_the_resume_cursor_is_one_microsecond_before_the_pages_last_date() -> None:
    assert _before("2026-01-01T00:00:00.000000Z") == "2025-12-31T23:59:59.999999Z"
    assert _before("2026-01-01T00:00:01.5Z") == "2026-01-01T00:00:01.499999Z"


def test_one_state_file_per_url_collection_and_organization(tmp_path: Path) -> None:
    source = TaxiiSource(url="https://feed.example/taxii2/", collection="c1")
    same = TaxiiSource(url="https://feed.example/taxii2", collection="c1", user="someone else")
    assert state_path(tmp_path, source, "Org A") == state_path(tmp_path, same, "Org A")
    assert state_path(tmp_path, source, "Org A") != state_path(tmp_path, source, "Org B")
    assert state_path(tmp_path, source, "Org A") != state_path(tmp_path, TaxiiSource(source.url, "c2"), "Org A")


def test_durations() -> None:
    assert [_duration(text) for text in ("30s", "15m", "2h", "1d", "90")] == [30, 900, 7200, 86400, 90]
    for wrong in ("0m", "15 minutes", "-1m", ""):
        with pytest.raises(Exception, match="not a duration"):
            _duration(wrong)
