"""Is a text a URI (RFC 3986)? For references that claim to be web links: stored, and exported as STIX `url`.

STIX 2.1 requires an external reference's `url` to be a URI, and stix2-validator checks it with RFC 3986's
grammar: one reference like ``https://exa mple.com/`` made a whole community's export fail validation.
"""

from __future__ import annotations

import ipaddress
import re

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_URI = re.compile(
    rf"""
    (?P<scheme>[A-Za-z][A-Za-z0-9+\-.]*):
    (?://(?P<authority>[^/?#]*)(?P<abempty>(?:/{_PCHAR}*)*)
      |(?P<path>/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?))
    (?:\?(?P<query>(?:{_PCHAR}|[/?])*))?
    (?:\#(?P<fragment>(?:{_PCHAR}|[/?])*))?
    """,
    re.VERBOSE,
)
_USERINFO = re.compile(rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*")
_REG_NAME = re.compile(rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*")
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")
_PORT = re.compile(r"(?::[0-9]*)?")
_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)


def is_uri(text: str) -> bool:
    """Whether `text` is an absolute URI by RFC 3986's grammar (scheme, authority, path, query, fragment).

    >>> is_uri("https://example.com/a?b=c#d"), is_uri("https://exa mple.com/"), is_uri("https://x/%zz")
    (True, False, False)
    """
    match = _URI.fullmatch(text)
    if match is None:
        return False
    authority = match.group("authority")
    return authority is None or _valid_authority(authority)


def claims_to_be_a_web_link(text: str) -> bool:
    """A reference that begins with http:// or https:// says it is a link, and must then be a URI."""
    return _WEB_LINK.match(text) is not None


def is_web_link(text: str) -> bool:
    return claims_to_be_a_web_link(text) and is_uri(text)


def _valid_authority(authority: str) -> bool:
    userinfo, at, hostport = authority.rpartition("@")
    if at and not _USERINFO.fullmatch(userinfo):
        return False
    if hostport.startswith("["):
        host, bracket, port = hostport[1:].partition("]")
        return bool(bracket) and _valid_ip_literal(host) and _PORT.fullmatch(port) is not None
    host, colon, port = hostport.partition(":")
    return _REG_NAME.fullmatch(host) is not None and _PORT.fullmatch(colon + port) is not None


def _valid_ip_literal(host: str) -> bool:
    if _IP_FUTURE.fullmatch(host):
        return True
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True
