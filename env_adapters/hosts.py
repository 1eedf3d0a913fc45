"""Which hosts a URL may reach: the ``allow_hosts`` patterns of a safety policy.

One matcher, used where a URL is judged: the policy before a `Navigate` (agent side) and
the browser's own guard on every top-level navigation, whatever caused it (`BrowserEnv`).
It lives with the adapters because both sides may import it.

    HostPatterns.parse(["127.0.0.1:8000", "*.example.com"])
    patterns.allows("http://127.0.0.1:8000/login")     # True
    patterns.allows("https://example.com/")            # False: "*." names subdomains only

A pattern is ``host`` or ``host:port`` (IPv6 in brackets, ``[::1]:8000``), where host may
start with ``*.`` for any subdomain at any depth (never the bare domain itself). A pattern
without a port matches any port; one with a port matches that port, the scheme's default
(http 80, https 443) counting when the URL names none. Hosts compare case-insensitively.
URLs that reach no host are judged by kind: ``about:`` pages (``about:blank``) are always
allowed, since nothing leaves the machine; ``blob:`` URLs are judged by the origin inside
them; anything else without a host (``file:``, ``data:``, ``javascript:``, a URL that does
not parse) is refused, so a list of hosts fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..actions.errors import ConfigError

__all__ = ["HostPattern", "HostPatterns"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@dataclass(frozen=True, slots=True)
class HostPattern:
    """One ``allow_hosts`` entry: a host (or ``*.`` domain) and an optional port."""

    host: str
    """Lower-cased; without the ``*.`` of a wildcard and without IPv6 brackets."""
    port: int | None
    wildcard: bool
    text: str
    """The pattern as written (for messages)."""

    @classmethod
    def parse(cls, text: str) -> HostPattern:
        """Read one pattern.

        Raises:
            ConfigError: empty, a scheme or path in it, a bad port, or ``*`` anywhere but a
                leading ``*.``.
        """
        raw = text.strip()
        if not raw:
            raise ConfigError("an allow_hosts entry is empty")
        if "/" in raw or "@" in raw:
            raise ConfigError(f"allow_hosts entry {text!r} is not a host[:port] (no scheme, path or user)")
        host, port = _split_port(raw, text)
        wildcard = host.startswith("*.")
        if wildcard:
            host = host[2:]
        if not host or "*" in host:
            raise ConfigError(f"allow_hosts entry {text!r}: '*' may only start it, as in '*.example.com'")
        return cls(host.lower().rstrip("."), port, wildcard, text)

    def matches(self, host: str, port: int | None) -> bool:
        """Whether a URL's host (lower-cased) and port (explicit or the scheme's default) match."""
        if self.port is not None and port != self.port:
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host


@dataclass(frozen=True, slots=True)
class HostPatterns:
    """An ``allow_hosts`` list; `allows` says whether a URL may be visited."""

    patterns: tuple[HostPattern, ...]

    @classmethod
    def parse(cls, texts: Iterable[str]) -> HostPatterns:
        """Read a list of patterns (see the module's doc). Raises `ConfigError` on a bad one."""
        return cls(tuple(HostPattern.parse(t) for t in texts))

    def allows(self, url: str) -> bool:
        """Whether ``url`` may be visited: an ``about:`` page, or a host a pattern matches."""
        return self.match(url) is not None

    def match(self, url: str) -> str | None:
        """The pattern that lets ``url`` through (``"about:"`` for an about page), or None."""
        try:
            parts = urlsplit(url.strip())
            scheme = parts.scheme.lower()
            if scheme == "about":
                return "about:"
            if scheme == "blob":  # blob:https://host/uuid carries its origin inside
                return self.match(parts.path)
            host = (parts.hostname or "").rstrip(".")
            port = parts.port
        except ValueError:  # a port that is not a number, a malformed IPv6 literal
            return None
        if not host:
            return None
        if port is None:
            port = _DEFAULT_PORTS.get(scheme)
        for pattern in self.patterns:
            if pattern.matches(host, port):
                return pattern.text
        return None

    def __str__(self) -> str:
        return ", ".join(p.text for p in self.patterns)


def _split_port(raw: str, text: str) -> tuple[str, int | None]:
    if raw.startswith("["):  # [::1] or [::1]:8000
        end = raw.find("]")
        if end < 0:
            raise ConfigError(f"allow_hosts entry {text!r}: an IPv6 address needs its closing ']'")
        host, rest = raw[1:end], raw[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ConfigError(f"allow_hosts entry {text!r} is not a host[:port]")
        return host, _port(rest[1:], text) if rest else None
    if raw.count(":") > 1:
        raise ConfigError(f"allow_hosts entry {text!r}: write an IPv6 address in brackets, as '[::1]:8000'")
    host, colon, port = raw.partition(":")
    return host, _port(port, text) if colon else None


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"allow_hosts entry {entry!r}: the port must be 1..65535, got {text!r}")
    return int(text)
