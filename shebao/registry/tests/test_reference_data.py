import pytest
from django.core.management import call_command

from shebao.common.errors import InvalidInput
from shebao.registry.models import Department, Region
from shebao.registry.selectors import districts_of, region_get
from shebao.registry.services import regions_load

pytestmark = pytest.mark.django_db


def test_reference_data_loads_and_reloads_without_change(capsys):
    call_command("reference_load")
    first = (Region.objects.count(), Department.objects.count())
    call_command("reference_load")
    assert (Region.objects.count(), Department.objects.count()) == first
    assert "行政区划" in capsys.readouterr().out


def test_demo_regions_and_their_lineage(reference_data):
    kunshan = region_get(code="320583")
    assert [r.code for r in kunshan.lineage()] == ["320583", "320500", "320000", "000000"]
    assert kunshan.full_name == "江苏省苏州市昆山市"
    assert {r.code for r in Region.objects.filter(is_pooling=True)} == {
        "220200",
        "320400",
        "320583",
        "420100",
        "110000",
    }
    assert "220204" in {r.code for r in districts_of(region=region_get(code="220200"))}


def test_an_unknown_region_is_a_chinese_404(reference_data):
    from shebao.common.errors import NotFound

    with pytest.raises(NotFound) as error:
        region_get(code="999999")
    assert error.value.code == "REGION_NOT_FOUND"


def test_a_region_with_an_unknown_parent_is_refused_and_nothing_written(tmp_path):
    data = tmp_path / "regions.toml"
    data.write_text(
        '[[region]]\ncode = "000000"\nname = "全国"\nlevel = "nation"\n'
        '[[region]]\ncode = "990100"\nname = "某市"\nlevel = "city"\nparent = "990000"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as error:
        regions_load(path=data)
    assert error.value.code == "REGION_PARENT_UNKNOWN"
    assert Region.objects.count() == 0
