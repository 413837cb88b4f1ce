"""A streaming JSON parser: one object read from a binary file incrementally, an array item at a time."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any, BinaryIO

from atlas_graph.errors import InvalidInput, Problem

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class JsonStream:
    """Reads one JSON object from a binary file incrementally, never holding more than one array item at a time.

    `members(streamed=...)` yields the top-level members in file order; the value of a key in `streamed` that is an
    array comes as an iterator of `(item, start, end)` (the item and its byte span in the file) instead of a list.
    Items are decoded with the standard library's `json` decoder, one at a time.
    """

    def __init__(
        self,
        handle: BinaryIO,
        *,
        name: str,
        chunk_size: int = 1 << 20,
        max_item_bytes: int = 64 << 20,
        on_position: Callable[[int], None] | None = None,
    ) -> None:
        self._handle = handle
        self._name = name
        self._chunk = chunk_size
        self._max_item = max_item_bytes
        self._on_position = on_position
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self._decoder = json.JSONDecoder()
        self._text = ""
        self._pos = 0
        self._ascii = True
        self._eof = False
        self.byte_position = 0
        """The byte offset in the file of the next character to parse."""
        self.bytes_read = 0
        self._started = False

    def members(self, *, streamed: Collection[str] = ()) -> Iterator[tuple[str, Any]]:
        if not self._started:
            self._started = True
            self._fill(0)
            if self._text.startswith("\ufeff"):
                self._advance(1)
        self._expect("{", "the file must hold one JSON object")
        if self._closes("}"):
            return
        while True:
            key, _, _ = self.value()
            if not isinstance(key, str):
                raise self._error("expected a member name")
            self._expect(":")
            if key in streamed and self._peek() == "[":
                items = self._items()
                yield key, items
                for _ in items:  # whatever the caller did not read is still read past, one item at a time
                    pass
            else:
                value, _, _ = self.value()
                yield key, value
            if self._ends_after_element("}", "expected ',' or '}' after a member"):
                return

    def value(self) -> tuple[Any, int, int]:
        """The next JSON value, with its start and end byte offsets."""
        self._skip_whitespace()
        start = self.byte_position
        while True:
            try:
                value, end = self._decoder.raw_decode(self._text, self._pos)
            except RecursionError:
                raise self._error("nested too deeply") from None
            except json.JSONDecodeError as error:
                if self._may_be_cut(error) and self._read_more():
                    continue
                raise self._error(error.msg, offset=error.pos) from None
            if end == len(self._text) and not self._eof and self._read_more():
                continue  # a number at the end of the text may go on in the next chunk
            self._advance(end)
            return value, start, self.byte_position

    def _items(self) -> Iterator[tuple[Any, int, int]]:
        self._expect("[")
        if self._closes("]"):
            return
        while True:
            yield self.value()
            if self._ends_after_element("]", "expected ',' or ']' in an array"):
                return

    def _may_be_cut(self, error: json.JSONDecodeError) -> bool:
        # An error at the very end of the text, or a string opened and not yet closed, may only mean that the rest of
        # the item is in the next chunk; an error well inside the text is a real one.
        return error.pos >= len(self._text) - 32 or error.msg.startswith("Unterminated string")

    def _read_more(self) -> bool:
        pending = len(self._text) - self._pos
        if pending > self._max_item:
            raise self._error(f"an item larger than {self._max_item >> 20} MB, or broken JSON")
        return self._fill(pending)

    def _fill(self, at_least: int) -> bool:
        """Append the next chunk (at least `at_least` bytes, so that a long item is re-parsed O(log n) times)."""
        if self._eof:
            return False
        data = self._handle.read(max(self._chunk, at_least))
        self.bytes_read += len(data)
        try:
            text = self._decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise self._error(f"not UTF-8: {error.reason}") from None
        if not data:
            self._eof = True
        self._text = self._text[self._pos :] + text
        self._pos = 0
        self._ascii = self._text.isascii()
        if self._on_position is not None:
            self._on_position(self.bytes_read)
        return bool(text) or not self._eof

    def _advance(self, to: int) -> None:
        if to > self._pos:
            self.byte_position += (to - self._pos) if self._ascii else len(self._text[self._pos : to].encode())
        self._pos = to

    def _skip_whitespace(self) -> None:
        while True:
            match = _WHITESPACE.match(self._text, self._pos)
            assert match is not None
            self._advance(match.end())
            if self._pos < len(self._text) or not self._fill(0):
                return

    def _peek(self) -> str:
        self._skip_whitespace()
        return self._text[self._pos] if self._pos < len(self._text) else ""

    def _closes(self, closer: str) -> bool:
        """Whether the object or array ends here, empty; if so, read past `closer`."""
        if self._peek() != closer:
            return False
        self._advance(self._pos + 1)
        return True

    def _ends_after_element(self, closer: str, message: str) -> bool:
        """Read past what follows a member or an item: True at `closer`, False at a comma; else `message`."""
        separator = self._peek()
        self._advance(self._pos + 1)
        if separator == closer:
            return True
        if separator != ",":
            raise self._error(message)
        return False

    def _expect(self, char: str, hint: str = "") -> None:
        if self._peek() != char:
            raise self._error(f"expected {char!r}" + (f" ({hint})" if hint else ""))
        self._advance(self._pos + 1)

    def _error(self, message: str, *, offset: int | None = None) -> InvalidInput:
        where = self.byte_position
        if offset is not None and offset >= self._pos:
            where += len(self._text[self._pos : offset].encode())
        return InvalidInput([Problem((self._name,), f"invalid JSON near byte {where}: {message}")])


def read_span(handle: BinaryIO, start: int, end: int) -> Any:
    """The JSON value at a byte span that JsonStream reported."""
    handle.seek(start)
    return json.loads(handle.read(end - start))
