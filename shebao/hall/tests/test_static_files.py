"""Assets (issue 6 item 5): in production the pages name static files by their content's hash,
so a release never meets a stale cached copy, and WhiteNoise serves them for a year; the site's
icon is at /favicon.ico and named by every page; the API docs page is made of the hall's own
files."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_pages_name_static_files_by_hash_and_those_files_are_served(settings, tmp_path, client):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # The hall's own files (the large third-party ones change nothing in how names are made).
    call_command(
        "collectstatic",
        interactive=False,
        verbosity=0,
        ignore_patterns=["admin", "django_rq", "ninja"],
    )

    html = client.get("/accounts/login/").content.decode()

    names = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert {"hall/css/hall.css", "hall/js/hall.js", "hall/js/htmx.min.js"} <= {
        re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", name) for name in names
    }
    unhashed = [name for name in names if not re.search(r"\.[0-9a-f]{12}\.[a-z]+$", name)]
    assert unhashed == []
    for name in names:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert "immutable" in response["Cache-Control"], name


def test_the_favicon_is_served_and_every_page_names_it(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file

    svg = client.get("/static/hall/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")

    for url in ("/", "/accounts/login/", "/no-such-page/", "/api/v1/docs"):
        html = client.get(url).content.decode()
        assert 'rel="icon" href="/static/hall/favicon.svg"' in html, url


def test_the_api_docs_page_loads_swagger_ui_from_the_halls_own_static_files(client):
    html = client.get("/api/v1/docs").content.decode()

    assert '<link rel="stylesheet" href="/static/ninja/swagger-ui.css">' in html
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert '<script src="/static/ninja/swagger-ui-init.js"></script>' in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"url": "/api/v1/openapi.json"' in html and '"validatorUrl": null' in html
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert client.get(f"/static/ninja/{name}").status_code == 200, name
