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


# --- a guide speaks for the viewer's region only ---------------------------------------------


def _short(name: str) -> str:
    return name.removesuffix("省").removesuffix("市")


def foreign_region_names(text: str, region) -> list[str]:
    """Names of provinces and cities (their short form: 江苏, 武汉 …) that are neither the
    region, one of its ancestors nor one of its descendants, found in ``text``."""
    from shebao.registry.models import Region

    own = {r.code for r in region.lineage()}
    places = Region.objects.exclude(code="000000").filter(name__regex=r"(省|市)$")
    found = set()
    for place in places:
        related = place.code in own or region.code in {r.code for r in place.lineage()}
        if related:
            continue
        short = _short(place.name)
        if short in text and not any(short in _short(r.name) for r in region.lineage()):
            found.add(short)
    return sorted(found)


def guide_text(page: str) -> str:
    """The guide without the region picker (which lists every region by design)."""
    page = re.sub(r'<form class="region-picker".*?</form>', " ", page, flags=re.S)
    return visible_text(page.split('id="main">', 1)[1])


def test_no_guide_sends_a_region_to_another_regions_app_or_rules(client, hall_data):
    from shebao.registry.models import Region

    leaks = {}
    regions = list(regions_pooling().select_related("parent__parent__parent"))
    codes = list(Matter.objects.values_list("code", flat=True))
    for region in regions:
        for code in codes:
            page = client.get(f"/matters/{code}/?region={region.code}").content.decode()
            names = foreign_region_names(guide_text(page), region)
            if names:
                leaks[(region.name, code)] = names
    # signed out, without a choice: the hall's own region
    hall = Region.objects.get(code="220200")
    for code in codes:
        page = client.get(f"/matters/{code}/").content.decode()
        assert f"本指南按 <strong>{hall.name}</strong>" in page
        names = foreign_region_names(guide_text(page), hall)
        if names:
            leaks[("(hall)", code)] = names
    assert leaks == {}


# --- emergency-era tips follow the emergency measures in policy ------------------------------

EMERGENCY_WORDS = re.compile(r"疫情|新冠|紧急状态|应急措施")


def test_emergency_era_wording_lives_only_in_emergency_notes(hall_data):
    """Text shown whatever the date must not speak of an emergency: such tips are
    ``emergency_notes`` tied to a measure of the policy parameter ``emergency.measures``."""
    from shebao.catalogue.schema import EMERGENCY_MEASURES
    from shebao.policy.schema import check_emergency

    measures = set(check_emergency({"name": "x"})) | {"in_force"}
    assert set(EMERGENCY_MEASURES) <= measures
    found = {}
    for matter in Matter.objects.all():
        always = [
            matter.summary,
            matter.note,
            matter.deadline_note,
            matter.online_path,
            *matter.conditions,
            *matter.steps,
            *(m.get("note", "") for m in matter.materials),
            # (a legal basis may be a document of the emergency: its title is not a tip)
            *(
                t
                for entry in matter.regional.values()
                for k, t in entry.items()
                if k != "legal_basis"
            ),
        ]
        hits = [text for text in always if EMERGENCY_WORDS.search(text)]
        if hits:
            found[matter.code] = hits
    assert found == {}


@pytest.mark.parametrize(
    ("region", "on", "shown"),
    [
        ("220200", "2020-03-02", True),  # Jilin City: measures in force, this one among them
        ("220200", "2020-10-08", False),  # after the measures ended
        ("110000", "2020-03-02", False),  # Beijing's measures do not include it
        ("420100", "2020-03-02", False),  # no measures recorded for Wuhan
    ],
)
def test_an_emergency_tip_shows_only_where_and_while_its_measure_is_in_force(
    hall_data, region, on, shown
):
    from datetime import date

    from shebao.catalogue.guide import guide_for
    from shebao.registry.models import Region

    matter = Matter.objects.get(code="person.benefit_qualification_certify")
    guide = guide_for(matter, region=Region.objects.get(code=region), on=date.fromisoformat(on))
    tip = "应急措施期间未按期认证的，不暂停待遇发放。"
    assert (tip in guide.emergency_notes) is shown


def test_no_guide_shows_an_emergency_tip_when_no_measure_is_in_force(client, hall_data):
    """Today (no emergency measures in force anywhere in the data) no guide shows one."""
    for code in Matter.objects.exclude(emergency_notes=[]).values_list("code", flat=True):
        for region in regions_pooling():
            page = client.get(f"/matters/{code}/?region={region.code}").content.decode()
            assert "应急措施期间" not in page, (code, region.code)
