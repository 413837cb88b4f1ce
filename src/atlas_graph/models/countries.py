"""ISO 3166-1 alpha-2 country codes: where entities are, and where coalition members may act."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

__all__ = ["COUNTRY_CODES", "CountryCode", "country_code"]

# The 249 officially assigned codes of ISO 3166-1 (2024). Kept here rather than in a dependency: the list changes
# once in years, and validation must not depend on a package's data files being present.
COUNTRY_CODES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
    FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
    JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
    TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)


def country_code(value: str) -> str:
    """Return `value` as an ISO 3166-1 alpha-2 code, or raise ValueError naming it.

    Examples
    --------
    >>> country_code("NL")
    'NL'
    >>> country_code("XX")
    Traceback (most recent call last):
    ...
    ValueError: 'XX' is not an ISO 3166-1 alpha-2 country code
    """
    if value not in COUNTRY_CODES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def _upper(value: object) -> object:
    # "de" and " DE" are the same country; anything else than text is left for the type check to refuse.
    return value.strip().upper() if isinstance(value, str) else value


CountryCode = Annotated[str, BeforeValidator(_upper), AfterValidator(country_code)]
"""A country code as input: case and surrounding space folded, then checked against `COUNTRY_CODES`."""
