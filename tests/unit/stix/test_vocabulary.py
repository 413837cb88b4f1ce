"""The STIX vocabulary: the marking ids exports write are the ones imports read."""

from __future__ import annotations

from atlas_graph.stix.vocabulary import TLP_2_MARKINGS, TLP_MARKING_IDS


def test_tlp_marking_ids_agree_with_the_stix_importer() -> None:
    for tlp, marking in TLP_2_MARKINGS.items():
        assert TLP_MARKING_IDS[marking] is tlp
