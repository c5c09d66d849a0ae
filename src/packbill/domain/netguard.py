"""Which addresses a webhook may reach (R25): the rule alone, without I/O.

A webhook is a request the service makes on a customer's word, so it must never reach inside
the operator's network: loopback, private, link-local (cloud metadata at 169.254.169.254),
carrier-grade NAT, reserved, multicast and unspecified addresses are refused, in every spelling
of them (IPv4 written as one number, in hex or octal, or with parts left out; IPv4 inside IPv6).
The check is made on each address a name resolves to, at the moment of sending; an operator may
allow networks of its own (``PACKBILL_WEBHOOK_ALLOW``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NUMERIC_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """``10.0.0.0/8, fd00::/8``: the networks an operator allows; ValueError names a bad one."""
    out = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not a network (write e.g. 10.1.0.0/16)") from None
    return tuple(out)


def _embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        if address in ipaddress.ip_network("64:ff9b::/96"):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refused(text: str, allowed: Iterable[Network] = ()) -> str | None:
    """Why a webhook may not connect to the IP address ``text``, or None when it may."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    inner = _embedded(address)
    for network in allowed:
        if address in network or inner in network:
            return None
    if not inner.is_global or not address.is_global or inner.is_multicast or address.is_multicast:
        return "not a public address"
    return None


def host_refused(host: str, allowed: Iterable[Network] = ()) -> str | None:
    """Why a webhook URL's host is refused before any name is resolved, or None. IP literals
    are checked as addresses; a number in another spelling (``2130706433``, ``0x7f000001``,
    ``127.1``) is refused outright; names must be plain DNS names, not local ones."""
    host = host.strip().lower()
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return address_refused(bare, allowed)
    name = bare[:-1] if bare.endswith(".") else bare
    parts = name.split(".")
    if name and all(_NUMERIC_PART.match(p) for p in parts):
        return "an IP address must be written as four decimal numbers (or in IPv6 form)"
    if not name or len(name) > 253 or not _NAME.match(name):
        return "not a valid host name"
    if name == "localhost" or name.endswith(LOCAL_NAMES):
        return "not a public address"
    return None
