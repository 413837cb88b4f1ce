"""Text a client names things with: no control characters, which hide in logs, terminals and exports."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (Unicode category Cc), tab and line breaks included: a name is one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def without_control_characters(value: str) -> str:
    """`value` unchanged, or a ValueError that names the first control character and where it is.

    >>> without_control_characters("Crew 1")
    'Crew 1'
    >>> without_control_characters("Crew\\x1b[31m1")
    Traceback (most recent call last):
    ...
    ValueError: contains the control character U+001B at position 4; names may not hold control characters
    """
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} at position {found.start()}; "
            "names may not hold control characters"
        )
    return value
