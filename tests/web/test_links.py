"""Links built from the request path stay on this site: a path such as `//other.host/x`
must never come back as a protocol-relative or absolute link to another site."""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from livecommerce.web.rendering import site_path
from tests.conftest import Server

# Paths as an attacker sends them, raw on the request line.
HOSTILE = [
    "//other.host/x",
    "///other.host/x",
    "/\\other.host/x",
    "/%5Cother.host/x",
    "/%2F%2Fother.host/x",
    "//other.host:8080/plan",
    "/%09/other.host/x",
]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.found.append(value)


async def raw_get(server: Server, target: str) -> tuple[int, str]:
    """GET `target` exactly as written on the request line (no client normalizes it)."""
    host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


@pytest.mark.parametrize("target", HOSTILE)
async def test_the_404_page_links_only_to_this_site(server: Server, target: str) -> None:
    status, html = await raw_get(server, target)
    assert status == 404
    parser = Links()
    parser.feed(html)
    switcher = [link for link in parser.found if "?lang=" in link]
    assert len(switcher) == 7  # one link per language, built from the path
    page = server.url("/some/page")
    for link in parser.found:
        # Resolve as a browser would (it reads `\` as `/`): the host must stay ours.
        resolved = urljoin(page, link.replace("\\", "/"))
        assert urlsplit(resolved).netloc == urlsplit(server.base).netloc, (target, link)
        assert not link.startswith(("//", "/\\")), link
        assert "other.host" not in urlsplit(resolved).netloc


async def test_an_ordinary_page_keeps_its_path_in_the_switcher(server: Server) -> None:
    status, html = await raw_get(server, "/plan")
    assert status == 200
    assert 'href="/plan?lang=kk"' in html


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("//other.host/x", "/other.host/x"),
        ("/\\\\other.host", "/other.host"),
        ("/plan", "/plan"),
        ("/streams/шоу/chat", "/streams/%D1%88%D0%BE%D1%83/chat"),
        ('/a"><script>', "/a%22%3E%3Cscript%3E"),
        ("/%2F", "/%252F"),
        ("/\t/\nother.host", "/other.host"),
    ],
)
def test_site_path(path: str, link: str) -> None:
    assert site_path(path) == link
