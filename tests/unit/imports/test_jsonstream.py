"""The streaming JSON parser: members and array items with their byte spans, broken JSON, size limits."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.imports.jsonstream import JsonStream


def stream(text: str, **kwargs: Any) -> JsonStream:
    return JsonStream(io.BytesIO(text.encode("utf-8")), name="test.json", **kwargs)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1 << 20])
def test_stream_yields_members_and_array_items_with_their_byte_spans(chunk_size: int) -> None:
    document = {
        "type": "bundle",
        "objects": [{"id": "a", "name": "Zoë ✓"}, 12345678901234, [1, {"x": "y"}], 'tail \\ " string', None, -1.5e3],
        "after": {"nested": [1, 2, 3]},
    }
    raw = json.dumps(document, ensure_ascii=False, indent=1)
    data = raw.encode("utf-8")
    found: dict[str, Any] = {}
    for key, value in stream(raw, chunk_size=chunk_size).members(streamed=("objects",)):
        if key == "objects":
            items = list(value)
            found[key] = [item for item, _, _ in items]
            # Each span holds exactly its item, so that it can be read back from the file by offset.
            assert [json.loads(data[start:end]) for _, start, end in items] == document["objects"]
        else:
            found[key] = value
    assert found == document


def test_stream_reads_past_arrays_the_caller_does_not_consume() -> None:
    raw = '\ufeff{"entities": [{"n": 1}, {"n": 2}], "relationships": [{"r": 1}], "x": 1}'
    keys = [key for key, _ in stream(raw, chunk_size=4).members(streamed=("entities", "relationships"))]
    assert keys == ["entities", "relationships", "x"]


def test_a_number_cut_by_a_chunk_boundary_is_read_whole() -> None:
    raw = '{"values": [1234567, 89]}'
    for chunk_size in range(1, len(raw) + 1):
        _, items = next(stream(raw, chunk_size=chunk_size).members(streamed=("values",)))
        assert [item for item, _, _ in items] == [1234567, 89]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 2]", "expected '{'"),
        ('{"a": [1, 2,, 3]}', "Expecting value"),
        ('{"a": 1 "b": 2}', "expected ',' or '}'"),
        ('{"a": "unterminated', "Unterminated string"),
    ],
)
def test_broken_json_is_one_invalid_input_naming_where(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        for _, value in stream(raw, chunk_size=3).members(streamed=("a",)):
            list(value) if not isinstance(value, int) else None
    assert "test.json" in str(raised.value) and "near byte" in str(raised.value)


def test_an_item_over_the_size_limit_is_refused_rather_than_buffered() -> None:
    raw = '{"a": ["' + "x" * 5000 + '"]}'
    with pytest.raises(InvalidInput, match="larger than"):
        for _, value in stream(raw, chunk_size=16, max_item_bytes=1024).members(streamed=("a",)):
            list(value)
