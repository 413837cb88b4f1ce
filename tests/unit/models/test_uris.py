"""is_uri agrees with the RFC 3986 check stix2-validator applies to STIX `url` (jsonschema's "uri" format)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from atlas_graph.models.uris import claims_to_be_a_web_link, is_uri, is_web_link

VALIDATORS_CHECK = Draft202012Validator.FORMAT_CHECKER

CASES = [
    "https://example.com/a?b=c#d",
    "https://example.com/a b",
    "https://exa mple.com",
    "https://[bad",
    "https://ex.com/%zz",
    "https://ex.com/é",
    "http://a/b?c#d#e",
    "https://",
    "https://[::1]:80/x",
    "https://[::1]x",
    "https://u:p@h:8080/p?q#f",
    "https://a:b:c/",
    "https://h:/",
    "mailto:a@b.c",
    "urn:isbn:123",
    "https://ex.com/\\x",
    'https://ex.com/"x',
    "https://ex.com/<x>",
    "https://ex.com/{x}",
    "https://a@b@c/",
    "http://[v1.x]/",
    "https://ex.com:8O/",
    "x:",
    "no scheme",
]


@pytest.mark.parametrize("text", CASES)
def test_agrees_with_the_validator_on_known_cases(text: str) -> None:
    assert is_uri(text) == VALIDATORS_CHECK.conforms(text, "uri")


@given(st.text(st.sampled_from("https:/[]@%:?#.-_~!$&'()*+,;=aZ09 é<>\\{}|^`\"\x00"), max_size=30))
def test_agrees_with_the_validator_on_generated_text(text: str) -> None:
    link = "https://" + text
    assert is_uri(link) == VALIDATORS_CHECK.conforms(link, "uri"), link


def test_only_references_that_begin_like_web_links_must_be_uris() -> None:
    assert claims_to_be_a_web_link("HTTPS://x") and not claims_to_be_a_web_link("hxxps://x")
    assert is_web_link("https://example.invalid/r") and not is_web_link("urn:isbn:123")
