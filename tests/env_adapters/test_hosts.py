"""The ``allow_hosts`` matcher (`env_adapters/hosts.py`): ports, wildcards, IPv6, case, schemes."""

from __future__ import annotations

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.env_adapters.hosts import HostPatterns

PATTERNS = HostPatterns.parse(
    ["127.0.0.1:8000", "*.example.com", "Docs.Local", "[::1]:9000", "secure.test:443"]
)


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://127.0.0.1:8000/login", "127.0.0.1:8000"),
        ("http://127.0.0.1:8001/", None),  # a port in the pattern is that port only
        ("http://127.0.0.1/", None),  # http's default, 80, is not 8000
        ("https://a.example.com/", "*.example.com"),
        ("https://a.b.c.example.com:8443/x", "*.example.com"),  # any depth, any port
        ("https://example.com/", None),  # "*." names subdomains only
        ("https://badexample.com/", None),
        ("https://example.com.evil.test/", None),
        ("http://DOCS.local:1234/", "Docs.Local"),  # case-insensitive, any port without one
        ("http://docs.local./", "Docs.Local"),  # a trailing dot is the same host
        ("http://[::1]:9000/", "[::1]:9000"),
        ("http://[::1]:9001/", None),
        ("https://secure.test/", "secure.test:443"),  # https's default port counts
        ("http://secure.test/", None),
        ("about:blank", "about:"),
        ("blob:http://127.0.0.1:8000/5f1c", "127.0.0.1:8000"),
        ("blob:https://evil.test/5f1c", None),
        ("data:text/html,<p>hi</p>", None),
        ("file:///etc/passwd", None),
        ("javascript:alert(1)", None),
        ("http://127.0.0.1:notaport/", None),
        ("http://[::1/", None),
        ("", None),
        ("not a url", None),
        ("http://user@127.0.0.1:8000/", "127.0.0.1:8000"),
        ("http://127.0.0.1:8000@evil.test/", None),  # the host is evil.test
    ],
)
def test_match(url: str, pattern: str | None) -> None:
    assert PATTERNS.match(url) == pattern
    assert PATTERNS.allows(url) is (pattern is not None)


def test_an_empty_list_allows_only_about_pages() -> None:
    empty = HostPatterns.parse([])
    assert empty.allows("about:blank") and not empty.allows("http://127.0.0.1/")


def test_str_lists_the_patterns_as_written() -> None:
    assert str(HostPatterns.parse(["127.0.0.1:8000", "*.Example.com"])) == "127.0.0.1:8000, *.Example.com"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("", "an allow_hosts entry is empty"),
        ("https://example.com", "is not a host"),
        ("example.com/path", "is not a host"),
        ("user@example.com", "is not a host"),
        ("*", "'\\*' may only start it"),
        ("a.*.com", "'\\*' may only start it"),
        ("*.", "'\\*' may only start it"),
        ("example.com:0", "the port must be 1..65535"),
        ("example.com:70000", "the port must be 1..65535"),
        ("example.com:http", "the port must be 1..65535"),
        ("::1", "write an IPv6 address in brackets"),
        ("[::1", "needs its closing"),
        ("[::1]x", "is not a host"),
    ],
)
def test_bad_entries_are_one_line_config_errors(entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        HostPatterns.parse(["ok.test", entry])
    assert "\n" not in str(raised.value)
