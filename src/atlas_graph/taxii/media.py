"""TAXII 2.1 media types and the Accept / Content-Type negotiation of section 1.6.8."""

from __future__ import annotations

from atlas_graph.taxii.errors import TaxiiError

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

# What a client may ask for and still get the TAXII 2.1 media type: the unversioned type means the latest version
# (section 1.6.8.1); `*/*` and `application/*` are what curl and browsers send.
_ACCEPTABLE = {"application/taxii+json", "application/*", "*/*"}


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for part in header.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        if not pieces[0]:
            continue
        parameters = {}
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            parameters[name.strip().lower()] = value.strip().strip('"')
        ranges.append((pieces[0].lower(), parameters))
    return ranges


def require_taxii_accept(accept: str | None) -> None:
    """406 unless the Accept header admits `application/taxii+json;version=2.1` (no header admits anything)."""
    if accept is None or not accept.strip():
        return
    for media_type, parameters in _media_ranges(accept):
        if media_type not in _ACCEPTABLE:
            continue
        if parameters.get("q") in {"0", "0.0", "0.00", "0.000"}:
            continue
        version = parameters.get("version")
        if media_type == "application/taxii+json" and version is not None and version != "2.1":
            continue
        return
    raise TaxiiError(406, f"this server answers only {TAXII_MEDIA_TYPE}; the Accept header asked for {accept!r}")


def require_taxii_content_type(content_type: str | None) -> None:
    """415 unless the body is `application/taxii+json` (version 2.1, or no version: the latest)."""
    ranges = _media_ranges(content_type or "")
    if ranges:
        media_type, parameters = ranges[0]
        if media_type == "application/taxii+json" and parameters.get("version", "2.1") == "2.1":
            return
    raise TaxiiError(
        415, f"POST objects takes an envelope as {TAXII_MEDIA_TYPE}; the Content-Type was {content_type!r}"
    )
