"""catalogue_load: every kind of bad data is refused with nothing written; loads are idempotent;
matters removed from the data are disabled, never deleted."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shebao.catalogue.models import Matter
from shebao.catalogue.services import CatalogueDataInvalid, catalogue_load
from shebao.catalogue.tests.conftest import matter_toml
from shebao.registry.models import Department

pytestmark = pytest.mark.django_db


def test_a_valid_file_is_loaded_with_references_expanded(data_dir):
    directory = data_dir({"10_sample.toml": matter_toml()})

    report = catalogue_load(directory=directory)

    assert report.created == ["person.sample"]
    matter = Matter.objects.get(code="person.sample")
    assert matter.department_id == "unemployment"
    assert matter.materials == [
        {
            "code": "id_card",
            "name": "居民身份证",
            "required": True,
            "core": True,
            "note": "",
            "accept": ["pdf", "jpeg", "png"],
        },
        {
            "code": "other_proof",
            "name": "其他证明",
            "required": True,
            "core": False,
            "note": "",
            "accept": ["pdf", "jpeg", "png"],
        },
    ]
    assert matter.fields == [
        {"name": "contact_mobile", "label": "联系电话", "type": "mobile", "required": True},
        {"name": "leave_date", "label": "失业日期", "type": "date", "required": True},
    ]
    assert matter.steps == ["网上申请", "受理", "审核", "办结"]
    assert matter.legal_basis == "《失业保险条例》"
    assert matter.acceptance_mode == Matter.AcceptanceMode.DIRECT
    assert matter.fee == "不收费"
    assert matter.enabled is True
    assert matter.search_text == "样例事项\n用于测试的事项\nperson.sample"


BAD_DATA = [
    ("unknown department", {"department": '"pensions"'}, "", "承办部门“pensions”不存在"),
    ("unknown acceptance mode", {}, 'acceptance_mode = "express"', "受理方式“express”未知"),
    ("unknown category", {"category": '"医疗保险"'}, "", "类别“医疗保险”未知"),
    ("unknown applicant kind", {"applicant_kind": '"company"'}, "", "办理对象“company”未知"),
    ("code with capitals", {"code": '"Person.Sample"'}, "", "事项编码应为小写点分标识"),
    ("code without a dot", {"code": '"sample"'}, "", "事项编码应为小写点分标识"),
    ("zero time limit", {"time_limit_days": "0"}, "", "time_limit_days 应为 1–365 的整数"),
    ("time limit as text", {"time_limit_days": '"5"'}, "", "time_limit_days 应为 1–365 的整数"),
    ("unknown seed", {"sources": '["009"]'}, "", "来源 sources 应为非空列表"),
    ("no seed", {"sources": "[]"}, "", "来源 sources 应为非空列表"),
    ("empty steps", {"steps": "[]"}, "", "办理流程 steps 应为非空的文本列表"),
    ("unknown step list", {"steps": '"express"'}, "", "办理流程模板“express”未在"),
    ("empty legal basis", {"legal_basis": '""'}, "", "设定依据 legal_basis 不能为空"),
    ("misspelt key", {}, "time_limit = 5", "未知属性：time_limit"),
    ("unknown effect", {"effect": '"magic"'}, "", "办理效果 effect“magic”未知"),
    (
        "unregistered handler",
        {},
        'handler = "benefits.not_written"',
        "业务处理器 handler“benefits.not_written”没有任何模块注册",
    ),
    ("instant without a handler", {}, "instant = true", "即办件必须有业务处理器 handler"),
    (
        "unknown file kind",
        {"materials": '[{ code = "roster", name = "名册", accept = ["doc"] }]'},
        "",
        "材料 roster的 accept 应为不重复的文件类型列表",
    ),
    (
        "unknown field type",
        {
            "fields": '[{ name = "leave_date", label = "失业日期", type = "datetime", required = true }]'
        },
        "",
        "字段 leave_date的 type “datetime”未知",
    ),
    (
        "choice without choices",
        {"fields": '[{ name = "reason", label = "原因", type = "choice", required = true }]'},
        "",
        "字段 reason是选项类型，choices 应为非空的 [值, 名称] 列表",
    ),
    (
        "choice pairs malformed",
        {
            "fields": '[{ name = "reason", label = "原因", type = "choice", required = true, choices = [["a"]] }]'
        },
        "",
        "的选项 ['a'] 应为 [值, 名称]",
    ),
    (
        "field without label",
        {"fields": '[{ name = "reason", type = "text", required = true }]'},
        "",
        "字段 reason缺少 label",
    ),
    (
        "field name not an identifier",
        {"fields": '[{ name = "Leave-Date", label = "日期", type = "date", required = true }]'},
        "",
        "的 name 应为小写英文标识符",
    ),
    (
        "duplicate field names",
        {"fields": '["contact_mobile", "contact_mobile"]'},
        "",
        "字段名 contact_mobile 重复",
    ),
    (
        "required not a boolean",
        {"fields": '[{ name = "reason", label = "原因", type = "text", required = "yes" }]'},
        "",
        "字段 reason的 required 应为 true 或 false",
    ),
    (
        "max_length on a date",
        {
            "fields": '[{ name = "d", label = "日期", type = "date", required = true, max_length = 10 }]'
        },
        "",
        "的类型 date 不应有 max_length",
    ),
    ("no form at all", {"fields": "[]"}, "", "申请表字段 fields 不能为空"),
    (
        "subject id without a subject name",
        {
            "fields": '[{ name = "subject_id_number", label = "职工公民身份号码", type = "id_number", required = true }]'
        },
        "",
        "也应有 subject_name",
    ),
    (
        "subject id that is not an id number",
        {
            "fields": '[{ name = "subject_id_number", label = "身份证", type = "text", required = true }, '
            '{ name = "subject_name", label = "姓名", type = "text", required = true }]'
        },
        "",
        "subject_id_number 的类型应为 id_number",
    ),
    (
        "identifier field spelled as plain text",
        {
            "fields": '[{ name = "refund_account", label = "退款账号", type = "text", required = true }]'
        },
        "",
        "字段 refund_account 按名称是证件或账号，类型应为 bank_account 或 bank_card",
    ),
    ("unknown field reference", {"fields": '["bank_card"]'}, "", "引用的公共字段 “bank_card” 未在"),
    (
        "unknown material reference",
        {"materials": '["passport"]'},
        "",
        "引用的公共材料 “passport” 未在",
    ),
    (
        "duplicate material codes",
        {"materials": '["id_card", { code = "id_card", name = "身份证复印件" }]'},
        "",
        "材料编码 id_card 重复",
    ),
    (
        "core material that is optional",
        {"materials": '[{ code = "proof", name = "证明", core = true, required = false }]'},
        "",
        "是核心材料（core），必须是必交材料",
    ),
    (
        "material without a name",
        {"materials": '[{ code = "proof" }]'},
        "",
        "材料 proof缺少 name",
    ),
    (
        "tolerance without days",
        {},
        'acceptance_mode = "tolerance"',
        "容缺受理事项必须有补正时限 tolerance_days",
    ),
    (
        "tolerance with only core materials",
        {"materials": '["id_card"]'},
        'acceptance_mode = "tolerance"\ntolerance_days = 10',
        "容缺受理事项至少要有一项可后补的必交材料",
    ),
    (
        "tolerance days on a direct matter",
        {},
        "tolerance_days = 10",
        "只有容缺受理事项才有补正时限",
    ),
    (
        "commitment without a commitment text",
        {},
        'acceptance_mode = "commitment"',
        "承诺制事项必须有告知承诺书 commitment_text",
    ),
    (
        "commitment text on a direct matter",
        {},
        'commitment_text = "本人承诺"',
        "只有承诺制事项才有告知承诺书",
    ),
]


@pytest.mark.parametrize(
    ("replace", "extra", "message"),
    [case[1:] for case in BAD_DATA],
    ids=[case[0] for case in BAD_DATA],
)
def test_bad_data_is_refused_naming_file_and_code_and_nothing_is_written(
    data_dir, replace, extra, message
):
    # given a valid matter already loaded, and a file with a second matter that is wrong
    good = data_dir({"10_good.toml": matter_toml(code='"person.good"')})
    catalogue_load(directory=good)
    before = list(Matter.objects.values_list("code", "updated_at", "enabled"))
    directory = data_dir(
        {
            "10_good.toml": matter_toml(code='"person.good"', name='"改过名字的事项"'),
            "20_bad.toml": matter_toml(extra, **replace),
        }
    )

    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)

    errors = refused.value.details["errors"]
    assert any(e.startswith("20_bad.toml · ") and message in e for e in errors), errors
    assert refused.value.code == "CATALOGUE_DATA_INVALID"
    # nothing written: the good matter is not renamed, the bad one not created
    assert list(Matter.objects.values_list("code", "updated_at", "enabled")) == before
    assert Matter.objects.get(code="person.good").name == "样例事项"


def test_a_code_used_twice_across_files_is_refused(data_dir):
    directory = data_dir({"10_a.toml": matter_toml(), "20_b.toml": matter_toml()})

    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)

    assert refused.value.details["errors"] == [
        "20_b.toml · person.sample：事项编码重复（已在 10_a.toml 中定义）"
    ]
    assert Matter.objects.count() == 0


def test_a_toml_syntax_error_is_reported_with_its_file(data_dir):
    directory = data_dir({"10_a.toml": matter_toml(), "20_b.toml": "[[matter]\ncode = 1"})

    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)

    assert refused.value.details["errors"][0].startswith("20_b.toml：TOML 格式错误")
    assert Matter.objects.count() == 0


def test_every_problem_of_every_file_is_listed_at_once(data_dir):
    directory = data_dir(
        {
            "10_a.toml": matter_toml(department='"nowhere"'),
            "20_b.toml": matter_toml(code='"person.other"', time_limit_days="0"),
        }
    )

    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)

    errors = refused.value.details["errors"]
    assert len(errors) == 2
    assert errors[0].startswith("10_a.toml · person.sample：承办部门“nowhere”不存在")
    assert errors[1].startswith("20_b.toml · person.other：承诺办结时限")
    assert "2 处错误" in refused.value.message


def test_departments_must_be_loaded_first(data_dir):
    Department.objects.all().delete()
    directory = data_dir({"10_a.toml": matter_toml()})

    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)

    assert "先运行 departments_load" in refused.value.details["errors"][0]
    assert Matter.objects.count() == 0


def test_loading_twice_changes_nothing(data_dir):
    directory = data_dir({"10_a.toml": matter_toml()})
    catalogue_load(directory=directory)
    stamp = Matter.objects.get().updated_at

    report = catalogue_load(directory=directory)

    assert (report.created, report.updated, report.unchanged, report.disabled) == (
        [],
        [],
        ["person.sample"],
        [],
    )
    assert Matter.objects.get().updated_at == stamp


def test_a_changed_matter_is_updated_in_place(data_dir):
    catalogue_load(directory=data_dir({"10_a.toml": matter_toml()}))
    matter_id = Matter.objects.get().pk

    report = catalogue_load(
        directory=data_dir({"10_a.toml": matter_toml(time_limit_days="7", name='"新名称"')})
    )

    assert report.updated == ["person.sample"]
    matter = Matter.objects.get()
    assert (matter.pk, matter.name, matter.time_limit_days) == (matter_id, "新名称", 7)
    assert matter.search_text.startswith("新名称\n")


def test_a_matter_removed_from_the_data_is_disabled_not_deleted_and_comes_back(data_dir):
    both = data_dir({"10_a.toml": matter_toml() + "\n" + matter_toml(code='"person.other"')})
    catalogue_load(directory=both)
    only_one = data_dir({"10_a.toml": matter_toml()})

    report = catalogue_load(directory=only_one)

    assert report.disabled == ["person.other"]
    assert Matter.objects.get(code="person.other").enabled is False
    assert Matter.objects.get(code="person.sample").enabled is True
    # loading again does not report it again; restoring it in the data enables it
    assert catalogue_load(directory=only_one).disabled == []
    assert catalogue_load(directory=both).updated == ["person.other"]
    assert Matter.objects.get(code="person.other").enabled is True


def test_a_matter_marked_disabled_in_the_data_is_stored_disabled(data_dir):
    catalogue_load(directory=data_dir({"10_a.toml": matter_toml(extra="enabled = false")}))

    assert Matter.objects.get().enabled is False


def test_file_defaults_apply_and_the_matter_overrides_them(data_dir):
    text = '[defaults]\ncategory = "就业创业"\napplicant_kind = "unit"\n' + matter_toml(
        extra='applicant_kind = "both"'
    ).replace('category = "社会保险"\n', "").replace('applicant_kind = "individual"\n', "")

    catalogue_load(directory=data_dir({"10_a.toml": text}))

    matter = Matter.objects.get()
    assert (matter.category, matter.applicant_kind) == ("就业创业", "both")


def test_the_command_loads_departments_and_the_catalogue(capsys):
    Department.objects.all().delete()

    call_command("catalogue_load")

    out = capsys.readouterr().out
    assert "新增" in out and Matter.objects.filter(enabled=True).count() > 0
    assert Department.objects.filter(code="unemployment").exists()


def test_the_command_fails_listing_the_errors_and_writes_nothing(data_dir, capsys):
    directory = data_dir({"10_a.toml": matter_toml(department='"nowhere"')})

    with pytest.raises(CommandError, match="1 处错误"):
        call_command("catalogue_load", directory=directory)

    assert "承办部门“nowhere”不存在" in capsys.readouterr().err
    assert Matter.objects.count() == 0


def test_the_repository_data_loads_and_reloads_unchanged(catalogue):
    again = catalogue_load()

    assert catalogue.created and not catalogue.updated and not catalogue.disabled
    assert again.unchanged == catalogue.created
    assert again.created == again.updated == again.disabled == []
