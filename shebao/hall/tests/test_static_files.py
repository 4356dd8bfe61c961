"""Assets (issue 6 item 5): the site's icon is at /favicon.ico and named by every page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_and_every_page_names_it(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file

    svg = client.get("/static/hall/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")

    for url in ("/", "/accounts/login/", "/no-such-page/"):
        html = client.get(url).content.decode()
        assert 'rel="icon" href="/static/hall/favicon.svg"' in html, url
