"""Public pages speak to their users: no internal marker reaches a page anyone can open.

Every public page is rendered — home, the catalogue and every matter's guide, every calculator
(empty and with its worked example), the policy pages of every region, the error pages — and
its visible text is searched for the markers that belong to us, not to the public: source
document ids (``seed 000``), our design notes (``DOMAIN.md``), repository and API addresses,
raw parameter keys and matter codes, the word ``demo``, and a doubled full stop.
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import RequestFactory

from shebao.calculators.definitions import CALCULATORS
from shebao.catalogue.models import Matter
from shebao.catalogue.services import catalogue_load
from shebao.hall import views as hall_views
from shebao.policy.schema import SPECS
from shebao.policy.services import policy_load
from shebao.registry.selectors import regions_pooling

pytestmark = pytest.mark.django_db

FORBIDDEN = re.compile(
    r"DOMAIN\.md|\bseed\b|/api/v1|github|\bdemo\b|。。"
    # a dotted key with an underscore, e.g. unit.staff_enrol or rate.pension_unit
    r"|\b[a-z]+(?:\.[a-z0-9]+)*\.[a-z0-9]*_[a-z0-9_]*\b",
    re.IGNORECASE,
)


def visible_text(page: str) -> str:
    """What a reader sees: text and tooltips, without scripts, styles, tags or form internals."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    tooltips = " ".join(re.findall(r'\b(?:title|placeholder|aria-label)="([^"]*)"', page))
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(f"{text} {tooltips}")


def internal_markers(page: str) -> list[str]:
    text = visible_text(page)
    found = {m.group(0) for m in FORBIDDEN.finditer(text)}
    # keys and codes without an underscore (flexible.rate, both.appointment) by name
    found |= {key for key in SPECS if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", text)}
    codes = Matter.objects.values_list("code", flat=True)
    found |= {code for code in codes if re.search(rf"(?<![\w./]){re.escape(code)}(?![\w.])", text)}
    return sorted(found)


@pytest.fixture
def hall_data(reference_data):
    catalogue_load()
    policy_load()


def public_urls() -> list[str]:
    urls = ["/", "/?region=420100", "/matters/", "/calculators/", "/policy/"]
    pages = (Matter.objects.filter(enabled=True).count() + 19) // 20
    urls += [f"/matters/?page={n}" for n in range(2, pages + 1)]
    urls += [f"/matters/{code}/" for code in Matter.objects.values_list("code", flat=True)]
    for calc in CALCULATORS:
        query = "&".join(f"{k}={v}" for k, v in calc.example)
        urls += [f"/calculators/{calc.slug}/", f"/calculators/{calc.slug}/?{query}"]
    for region in regions_pooling():
        urls += [f"/policy/{region.code}/", f"/policy/{region.code}/?month=2020-03"]
    urls += ["/policy/000000/", "/no-such-page/"]
    return urls


def test_no_public_page_shows_an_internal_marker(client, hall_data):
    leaks = {}
    for url in public_urls():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        markers = internal_markers(response.content.decode())
        if markers:
            leaks[url] = markers
    assert leaks == {}


def test_no_error_page_shows_an_internal_marker_and_each_leads_with_its_chinese_message(
    hall_data,
):
    request = RequestFactory().get("/")
    pages = [
        hall_views.bad_request(request),
        hall_views.forbidden(request),
        hall_views.not_found(request),
        hall_views.server_error(request),
        hall_views.csrf_failure(request),
    ]
    for response in pages:
        page = response.content.decode()
        assert internal_markers(page) == []
        main = visible_text(page.split('id="main">', 1)[1]).split()
        # the heading and the message come first, in Chinese; a reference code only after
        assert re.match(r"[\u4e00-\u9fff]", main[0]), main[:3]
        assert re.match(r"[\u4e00-\u9fff]", main[1]), main[:3]


def test_the_marker_check_finds_each_kind_of_marker():
    """The check above can fail: each marker class is found in a page that has it."""
    samples = {
        "seed 000 吉林市社保局": "seed",
        "见 DOMAIN.md §3": "DOMAIN.md",
        "接口：GET /api/v1/calculators/flexible": "/api/v1",
        "https://github.com/x/y": "github",
        "来源：demo": "demo",
        "原因：材料不全。。": "。。",
        "<code>unit.staff_enrol</code>": "unit.staff_enrol",
        "<td>flexible.grades</td>": "flexible.grades",
        '<span title="rate.pension.unit_share">费率</span>': "rate.pension.unit_share",
    }
    for page, marker in samples.items():
        assert marker in internal_markers(page), page
    assert internal_markers("<p>本系统演示取值。材料齐全的予以受理。</p>") == []


def test_no_policy_record_cites_an_internal_marker(reference_data):
    """Sources and notes of every record in the data files are shown on the policy pages."""
    from shebao.policy.datafiles import DEMO, read_directory
    from shebao.policy.services import DATA_DIR
    from shebao.registry.models import Region

    records = read_directory(DATA_DIR, set(Region.objects.values_list("code", flat=True)))
    leaks = {
        record.where: internal_markers(text)
        for record in records
        for text in (record.note, "" if record.source == DEMO else record.source)
        if internal_markers(text)
    }
    assert leaks == {}
