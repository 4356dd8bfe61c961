"""Pages run only the hall's own code and load only the hall's own files (issue 6, item 5).

Three classes of defect, each closed for every template and every page at once:

- an inline script the Content-Security-Policy would block (or, worse, one it would have to
  allow wholesale): a ``<script>`` without ``src`` and without the request's nonce, an inline
  event handler (``onclick=`` …) or a ``javascript:`` URL;
- a response without the policy;
- a page that loads a script, a stylesheet, an image or a frame from another site.

The page checks walk every page of the authorization matrix as one actor of each kind.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from shebao.hall.tests.access_world import build_world
from shebao.hall.tests.test_access_matrix import PAGES

TEMPLATES = sorted(
    path for path in (settings.BASE_DIR / "shebao").rglob("*.html") if "templates" in path.parts
)
NONCE_ATTRIBUTE = 'nonce="{{ request.csp_nonce }}"'
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b((?:[^>{]|\{[^}]*\})*)>", re.S)
_HANDLER = re.compile(r"(?:^|\s)(on[a-z]+)\s*=", re.I)
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
# Attributes that make the browser fetch something as part of the page.
_LOADS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# One actor of each kind (and the policy editor, who has pages nobody else sees).
ACTORS = ("anon", "ind_a", "admin", "staff_here", "editor")


def _template_defects(path: Path, root: Path = settings.BASE_DIR) -> list[str]:
    source = path.read_text()
    source = re.sub(r"\{#.*?#\}", "", source)
    source = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", source, flags=re.S)
    name = path.relative_to(root)
    defects = []
    for match in _TAG.finditer(source):
        tag, attributes = match.group(1).lower(), match.group(2)
        line = source.count("\n", 0, match.start()) + 1
        inline = tag == "script" and not re.search(r"\ssrc\s*=", attributes)
        if inline and NONCE_ATTRIBUTE not in attributes:
            defects.append(f"{name}:{line}: inline <script> without {NONCE_ATTRIBUTE}")
        for handler in _HANDLER.findall(attributes):
            defects.append(f"{name}:{line}: inline event handler {handler}= on <{tag}>")
        if "javascript:" in attributes.lower():
            defects.append(f"{name}:{line}: javascript: URL on <{tag}>")
    return defects


def test_templates_are_found():
    assert len(TEMPLATES) > 50
    assert settings.BASE_DIR / "shebao/hall/templates/hall/base.html" in TEMPLATES


def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url():
    defects = [defect for path in TEMPLATES for defect in _template_defects(path)]
    assert defects == []


def test_the_template_scan_finds_each_kind_of_inline_script(tmp_path):
    sample = tmp_path / "templates" / "sample.html"
    sample.parent.mkdir()
    sample.write_text(
        "<script src=\"{% static 'hall/js/hall.js' %}\" defer></script>\n"
        '<script nonce="{{ request.csp_nonce }}">ok()</script>\n'
        "<script>bad()</script>\n"
        '<button type="button" onclick="bad()">x</button>\n'
        '<a href="javascript:history.back()">back</a>\n'
        "{# <script>commented()</script> #}\n"
    )
    defects = _template_defects(sample, tmp_path)
    assert [d.split(": ", 1)[1] for d in defects] == [
        f"inline <script> without {NONCE_ATTRIBUTE}",
        "inline event handler onclick= on <button>",
        "javascript: URL on <a>",
    ]


class _PageScan(HTMLParser):
    """What a rendered page would run or load that the policy forbids."""

    def __init__(self, nonce: str) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.defects: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" not in values and values.get("nonce") != self.nonce:
            self.defects.append("inline <script> without this response's nonce")
        for name, value in values.items():
            if name.startswith("on"):
                self.defects.append(f"inline event handler {name}= on <{tag}>")
            if value.strip().lower().startswith("javascript:"):
                self.defects.append(f"javascript: URL in {name}= on <{tag}>")
        for name in _LOADS.get(tag, ()):
            if name in values and any(
                _EXTERNAL.match(part) for part in values[name].split(",") if part.strip()
            ):
                self.defects.append(f"<{tag} {name}={values[name]!r}> loads from another site")


def _policy_nonce(policy: str) -> str:
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", policy)
    assert match, policy
    return match.group(1)


def _page_defects(response) -> list[str]:
    policy = response.get("Content-Security-Policy")
    if not policy:
        return ["no Content-Security-Policy"]
    defects = []
    for directive in (
        "default-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        if directive not in policy:
            defects.append(f"the policy lacks {directive}")
    if "unsafe-inline" in policy.split("script-src", 1)[1].split(";", 1)[0]:
        defects.append("the policy lets any inline script run")
    if "unsafe-eval" in policy:
        defects.append("the policy allows eval")
    if response.get("Content-Type", "").startswith("text/html"):
        scan = _PageScan(_policy_nonce(policy))
        scan.feed(response.content.decode())
        defects += scan.defects
    return defects


@pytest.mark.django_db
def test_every_page_answers_with_the_policy_and_loads_nothing_from_elsewhere(settings):
    settings.SHEBAO_DEMO = False
    world = build_world()
    defects = []
    pages = 0
    for check in PAGES:
        if check.method != "get":
            continue
        url = check.url(world)
        for actor in ACTORS:
            response = world.client(actor).get(url)
            pages += response.get("Content-Type", "").startswith("text/html")
            defects += [f"{url} as {actor}: {d}" for d in _page_defects(response)]
    # The hall's own error pages and the API's pages.
    anonymous = world.client("anon")
    for url in ("/no-such-page/", "/api/v1/docs", "/api/v1/openapi.json", "/api/v1/policy/"):
        defects += [f"{url}: {d}" for d in _page_defects(anonymous.get(url))]
    assert pages > 150  # most of the matrix's pages rendered as HTML for someone
    assert defects == []


def test_a_fresh_nonce_each_request(client, db):
    first = _policy_nonce(client.get("/accounts/login/")["Content-Security-Policy"])
    second = _policy_nonce(client.get("/accounts/login/")["Content-Security-Policy"])
    assert first != second and len(first) >= 22


def test_the_page_scan_finds_what_the_policy_forbids():
    from django.http import HttpResponse

    body = (
        "<html><head>"
        '<script src="/static/hall/js/hall.js"></script>'
        '<script nonce="abc">ok()</script>'
        "<script>bad()</script>"
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<script src="//cdn.example/x.js"></script>'
        "</head><body>"
        '<img src="data:image/png;base64,AAAA"><img src="http://example.com/a.png">'
        '<a href="https://www.mohrss.gov.cn/">政策原文</a>'  # a link, not a load: allowed
        '<button onclick="x()">x</button>'
        "</body></html>"
    )
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'"
    defects = _page_defects(response)
    assert "inline <script> without this response's nonce" in defects
    assert "<link href='https://cdn.example/x.css'> loads from another site" in defects
    assert "<script src='//cdn.example/x.js'> loads from another site" in defects
    assert "<img src='http://example.com/a.png'> loads from another site" in defects
    assert "inline event handler onclick= on <button>" in defects
    assert not any("data:image" in d or "mohrss" in d for d in defects)
    assert "the policy lacks frame-ancestors 'none'" in defects
