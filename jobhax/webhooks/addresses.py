"""Which webhook URLs may be called, checked on the addresses a name resolves to (against SSRF).

A URL is refused unless it is https and every address its host resolves to is a public unicast one.
``jobhax.webhooks_allow_private`` (development) also allows http and loopback, private and unique-local
addresses. Link-local addresses, which hold the cloud metadata services (169.254.169.254,
fd00:ec2::254 on AWS), are refused always. Deliveries resolve again and connect to the address they
checked, so a name that changes its answer after add_webhook (DNS rebinding) gains nothing.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from jobhax.webhooks.models import URL_MAX

ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


class RefusedUrl(ValueError):
    """The URL may not be called; the message says why (it never names a resolved address)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to ``address`` and speak to ``host`` (Host header, TLS name)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_url(url, allow_private):
    """``(scheme, host, port, path)`` of a URL we may call, before any name resolution."""
    if len(url) > URL_MAX:
        raise RefusedUrl(f"must be at most {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedUrl("must be a URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise RefusedUrl("must be an https URL")
    if not parts.hostname:
        raise RefusedUrl("must name a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("must not carry credentials")
    if any(character.isspace() or ord(character) < 32 for character in url):
        raise RefusedUrl("must not contain spaces or control characters")
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    # A literal address is checked as it stands, before anything is resolved.
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(literal, allow_private)
    return parts.scheme, parts.hostname, port, path


def check_address(address, allow_private):
    """Raise RefusedUrl unless ``address`` (an ip_address) may be called."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, 6to4, Teredo) is judged as the IPv4 one too.
        for embedded in (address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]):
            if embedded:
                check_address(embedded, allow_private)
    if address.is_link_local or any(address in network for network in ALWAYS_REFUSED):
        raise RefusedUrl("must not point to a link-local or metadata address")
    if address.is_multicast or address.is_unspecified:
        raise RefusedUrl("must point to a unicast address")
    if not address.is_global and not allow_private:
        raise RefusedUrl("must not point to a loopback, private or unique-local address")


def resolve(host, port):
    """Every address ``host`` resolves to (a literal address resolves to itself, without any lookup)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedUrl("must name a host that resolves") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_target(url, allow_private):
    """The URL's target after resolution: refused if any address its host resolves to is refused."""
    scheme, host, port, path = parse_url(url, allow_private)
    addresses = resolve(host, port)
    if not addresses:
        raise RefusedUrl("must name a host that resolves")
    for address in addresses:
        check_address(ipaddress.ip_address(address.split("%")[0]), allow_private)
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
