"""What to show of an entity, and how a search becomes a Lucene query, without a database."""

from __future__ import annotations

import pytest

from atlas_graph.services.entities import lucene_query, ranking_words


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("spider", "(spider OR spider*)"),
        ("Octo  Tempest", "(Octo OR Octo*) AND (Tempest OR Tempest*)"),
        # The index's analyzer folds case (prefixes too); Python's casefold would turn "ß" into "ss" and miss.
        ("Straße", "(Straße OR Straße*)"),
        # A word without letters or digits is no token: a prefix query for it would hide every hit.
        ("Wizard - Spider", "(Wizard OR Wizard*) AND (\\-) AND (Spider OR Spider*)"),
        # Operators are words to find; syntax is escaped.
        ("Wizard AND OR NOT", "(Wizard OR Wizard*) AND (and OR and*) AND (or OR or*) AND (not OR not*)"),
        ('spider" OR *:*', '(spider\\" OR spider\\"*) AND (or OR or*) AND (\\*\\:\\*)'),
        ("}) MATCH (n)", "(\\}\\)) AND (MATCH OR MATCH*) AND (\\(n\\) OR \\(n\\)*)"),
        ("   ", None),
    ],
)
def test_lucene_query(text: str, query: str | None) -> None:
    assert lucene_query(text) == query


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Lazarus", "lazarus"),
        ("  KillDisk (Lazarus)  ", "killdisk lazarus"),
        ("Wizard - Spider", "wizard spider"),
        ("-", ""),
        ("Straße", "straße"),
    ],
)
def test_ranking_words(text: str, words: str) -> None:
    assert ranking_words(text) == words
