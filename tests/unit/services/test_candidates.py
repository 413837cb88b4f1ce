from atlas_graph.services.candidates import distinct_reasons


def test_a_reason_two_claims_support_is_listed_once_in_the_order_first_given() -> None:
    stored = [
        {"type": "ambiguous alias", "value": "FIN12", "key": "alias|misp"},
        {"type": "shared name", "value": "Wizard Spider", "key": "name|misp"},
        {"type": "ambiguous alias", "value": "FIN12", "key": "alias|attack"},
        {"type": "shared name", "value": "wizard spider", "key": "name|attack"},
    ]
    assert [(reason.type, reason.value) for reason in distinct_reasons(stored)] == [
        ("ambiguous alias", "FIN12"),
        ("shared name", "Wizard Spider"),
        ("shared name", "wizard spider"),
    ]
