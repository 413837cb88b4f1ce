"""What to show of an entity, and how a search becomes a Lucene query, without a database."""

from __future__ import annotations

import pytest

from atlas_graph.services.entities import describe, display_name, lucene_query, ranking_words


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


def claim(name: str, *xid_keys: str) -> dict[str, object]:
    return {"name": name, "tlp": "GREEN", "xid_keys": list(xid_keys)}


MISP_FIN7 = claim("FIN7", "xid:actor:misp-galaxy:threat-actor=00220228-a5a4-4032-a30d-826bb55aa3fb")
MISP_CARBANAK = claim(
    "Carbanak - G0008",
    "xid:actor:misp-galaxy:mitre-intrusion-set=c2e9a9b1-0a4c-4b5e-9e7d-1e5d2f3a4b5c",
    "xid:actor:mitre-attack=g0008",
)


def test_the_name_most_claims_give_wins_whatever_ids_they_carry() -> None:
    assert display_name([MISP_CARBANAK, claim("FIN7"), MISP_FIN7]) == "FIN7"


def test_a_tie_goes_to_the_claim_carrying_an_attack_id_then_to_the_oldest() -> None:
    # MISP's threat-actor "FIN7" (which conflates FIN7 and Carbanak) came first; ATT&CK's id names the object.
    assert display_name([MISP_FIN7, MISP_CARBANAK]) == "Carbanak - G0008"
    # A source's own cluster id is no such id: the oldest claim wins the tie.
    assert display_name([MISP_FIN7, claim("Anunak", "xid:actor:misp-galaxy:threat-actor=1")]) == "FIN7"
    assert display_name([claim("Carbanak", "xid:actor:mitre-attack=g0008"), MISP_CARBANAK]) == "Carbanak"


def test_the_cost_shown_is_the_largest_a_visible_claim_gives_as_plans_use_it() -> None:
    def costed(tlp: str, attributes: str | None) -> dict[str, object]:
        return {"name": "Host East", "tlp": tlp, "attributes": attributes}

    claims = [
        costed("RED", '{"disruption_cost": 7, "note": "restricted"}'),
        costed("GREEN", '{"disruption_cost": 5, "note": "older"}'),
        costed("GREEN", '{"disruption_cost": 1, "note": "latest"}'),
        costed("GREEN", None),
    ]
    # Other attributes: the latest, community first; the cost: the largest, as the plan takes it.
    assert describe(claims)[3] == {"disruption_cost": 7, "note": "latest"}
    assert describe(claims[1:])[3] == {"disruption_cost": 5, "note": "latest"}
    assert describe(claims[3:])[3] == {}


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
