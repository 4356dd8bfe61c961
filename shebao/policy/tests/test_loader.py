from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shebao.policy.datafiles import DATA_DIR, PolicyDataError
from shebao.policy.models import PolicyChange, PolicyParameter
from shebao.policy.services import parameter_finalize, parameter_record, policy_load

pytestmark = pytest.mark.usefixtures("reference_data")

GOOD = """
region = "220200"

[[param]]
key = "contribution.base_floor"
from = 2020-01-01
to = 2020-06-30
value = "2767.00"
source = "seed 000"

[[param]]
key = "contribution.base_floor"
from = 2020-07-01
to = 2020-12-31
value = "2767.00"
status = "provisional"
source = "seed 000"
note = "待公布"
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def entry(key: str, value: str, *, start: str = "2020-01-01", extra: str = "") -> str:
    return (
        f'\n[[param]]\nkey = "{key}"\nfrom = {start}\nvalue = {value}\nsource = "测试"\n{extra}\n'
    )


def load_error(directory: Path) -> PolicyDataError:
    with pytest.raises(PolicyDataError) as raised:
        policy_load(directory=directory)
    return raised.value


def test_the_repository_files_load_and_a_second_load_changes_nothing():
    first = policy_load()
    changes = PolicyChange.objects.count()

    second = policy_load()

    assert first.created == PolicyParameter.objects.count() > 100
    assert first.files == len(list(DATA_DIR.glob("*.toml"))) == 8
    assert (second.created, second.updated, second.removed) == (0, 0, 0)
    assert second.unchanged == first.created
    assert PolicyChange.objects.count() == changes == first.created


def test_loaded_records_carry_their_file_and_an_audit_row(tmp_path):
    write(tmp_path, "220200.toml", GOOD)

    policy_load(directory=tmp_path)

    record = PolicyParameter.objects.get(valid_from=date(2020, 7, 1))
    assert (record.value, record.status, record.origin, record.origin_file) == (
        "2767.00",
        "provisional",
        "file",
        "220200.toml",
    )
    change = PolicyChange.objects.get(record=record)
    assert (change.action, change.actor, change.reason) == (
        "loaded",
        None,
        "数据文件 220200.toml 第11行",
    )


def test_a_changed_file_updates_its_record_with_an_audit_row(tmp_path):
    write(tmp_path, "220200.toml", GOOD)
    policy_load(directory=tmp_path)
    write(tmp_path, "220200.toml", GOOD.replace('note = "待公布"', 'note = "仍待公布"'))

    report = policy_load(directory=tmp_path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert PolicyParameter.objects.get(valid_from=date(2020, 7, 1)).note == "仍待公布"
    assert PolicyChange.objects.filter(action="loaded").count() == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry("wage.no_such_key", '"1"'), "未知的参数 key “wage.no_such_key”"),
        (entry("rate.pension.unit", '"abc"'), "“abc”不是有效的数值"),
        (entry("rate.pension.unit", '"1.6"'), "应在 0 到 1 之间"),
        (
            entry("rate.pension.unit", "0.16"),
            '必须写成带引号的字符串（如 "0.16"），不能写成浮点数 0.16',
        ),
        (
            entry("rate.work_injury.class_rates", '{ 1 = 0.002, 2 = "0.004" }'),
            "必须写成带引号的字符串",
        ),
        (
            entry("rate.pension.unit", '"0.16"', extra="to = 2019-01-01"),
            "to（2019-01-01）早于 from（2020-01-01）",
        ),
        (
            entry("rate.pension.unit", '"0.16"', start='"2020-02-30"'),
            "from“2020-02-30”不是有效日期",
        ),
        (
            entry("rate.pension.unit", '"0.16"', extra='status = "draft"'),
            "status 应为 final 或 provisional",
        ),
        (entry("rate.pension.unit", '"0.16"', extra='vaule = "x"'), "未知字段 vaule"),
        (
            entry("wage.minimum_monthly", '"1780"').replace('source = "测试"', 'source = "demo"'),
            "须在 note 中说明取值理由",
        ),
        (
            entry("unemployment.apply_deadline_days", "60", extra="null = true"),
            "value 与 null = true 不能同时出现",
        ),
        (
            entry("rate.pension.unit", '"0.16"')
            + entry("rate.pension.unit", '"0.14"', start="2020-06-01"),
            "有效期与 220200.toml 第2行（2020-01-01 至 今）重叠",
        ),
    ],
)
def test_bad_data_is_refused_with_file_line_and_key_and_nothing_is_written(tmp_path, text, message):
    write(tmp_path, "110000.toml", entry("rate.pension.individual", '"0.08"'))
    write(tmp_path, "220200.toml", text)

    error = load_error(tmp_path)

    assert error.code == "POLICY_DATA_INVALID"
    assert error.status == 422
    assert len(error.errors) == 1
    assert error.errors[0].startswith("220200.toml 第")
    assert message in error.errors[0]
    assert PolicyParameter.objects.count() == 0
    assert PolicyChange.objects.count() == 0


def test_an_unknown_region_file_is_refused(tmp_path):
    write(tmp_path, "999999.toml", entry("rate.pension.unit", '"0.16"'))

    error = load_error(tmp_path)

    assert error.errors == ["999999.toml：文件名应为已登记的行政区划代码，未知地区“999999”"]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path):
    write(
        tmp_path,
        "110000.toml",
        entry("rate.pension.unit", "0.16") + entry("wage.nope", '"1"', start="2021-01-01"),
    )
    write(tmp_path, "220200.toml", 'region = "220200"\n[[param\n')

    error = load_error(tmp_path)

    assert len(error.errors) == 3
    assert error.errors[0].startswith("110000.toml 第2行 [rate.pension.unit]：")
    assert error.errors[1].startswith("110000.toml 第9行 [wage.nope]：")
    assert error.errors[2].startswith("220200.toml：TOML 格式错误")
    assert error.message.startswith("政策参数数据文件有 3 处错误，未导入任何记录：\n- 110000.toml")


def test_a_staff_finalized_record_is_not_overwritten_by_the_file(tmp_path, editor):
    write(tmp_path, "220200.toml", GOOD)
    policy_load(directory=tmp_path)
    record = PolicyParameter.objects.get(valid_from=date(2020, 7, 1))
    parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕1号", reason="已公布"
    )
    changes = PolicyChange.objects.count()

    with pytest.raises(PolicyDataError) as raised:
        policy_load(directory=tmp_path)

    assert raised.value.code == "POLICY_DATA_CONFLICT"
    assert raised.value.status == 409
    assert raised.value.errors == [
        "220200.toml 第11行 [contribution.base_floor 自 2020-07-01]：该记录已由经办人员修改"
        "（正式，来源：吉人社〔2020〕1号），与数据文件不一致"
    ]
    record.refresh_from_db()
    assert (record.value, record.status) == ("2900.00", "final")
    assert PolicyChange.objects.count() == changes


def test_force_makes_the_file_win_over_a_staff_edit_with_an_audit_row(tmp_path, editor):
    write(tmp_path, "220200.toml", GOOD)
    policy_load(directory=tmp_path)
    record = PolicyParameter.objects.get(valid_from=date(2020, 7, 1))
    parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕1号", reason="已公布"
    )

    report = policy_load(directory=tmp_path, force=True)

    record.refresh_from_db()
    assert report.updated == 1
    assert (record.value, record.status, record.origin) == ("2767.00", "provisional", "file")
    assert PolicyChange.objects.filter(record=record).first().reason == (
        "数据文件 220200.toml 第11行（--force 覆盖经办人员修改）"
    )


def test_a_staff_record_overlapping_the_file_is_refused_and_one_beside_it_is_kept(tmp_path, editor):
    write(tmp_path, "220200.toml", GOOD)
    policy_load(directory=tmp_path)
    beside = parameter_record(
        actor=editor, region="220200", key="contribution.base_floor", valid_from=date(2021, 1, 1),
        valid_to=None, value="2900.00", status="final", source="吉人社〔2021〕1号", reason="新标准",
    )  # fmt: skip
    assert policy_load(directory=tmp_path).changed == 0
    write(
        tmp_path,
        "220200.toml",
        GOOD + entry("contribution.base_floor", '"3000.00"', start="2021-06-01"),
    )

    error = load_error(tmp_path)

    assert error.code == "POLICY_DATA_CONFLICT"
    assert error.errors == [
        "220200.toml 第20行 [contribution.base_floor 自 2021-06-01]：有效期与经办人员录入的记录"
        "（2021-01-01 至 今）重叠"
    ]
    assert PolicyParameter.objects.filter(pk=beside.pk).exists()


def test_a_record_taken_out_of_its_file_is_reported_and_removed_only_with_force(tmp_path):
    write(tmp_path, "220200.toml", GOOD)
    policy_load(directory=tmp_path)
    write(
        tmp_path,
        "220200.toml",
        GOOD.split("\n[[param]]", 2)[0] + "\n[[param]]" + GOOD.split("\n[[param]]", 2)[1],
    )

    error = load_error(tmp_path)
    assert error.errors == [
        "220200.toml [contribution.base_floor 自 2020-07-01]：数据库中来自数据文件的记录在文件中已不存在"
    ]
    assert PolicyParameter.objects.count() == 2

    report = policy_load(directory=tmp_path, force=True)

    assert report.removed == 1
    assert list(PolicyParameter.objects.values_list("valid_from", flat=True)) == [date(2020, 1, 1)]
    removal = PolicyChange.objects.get(action="removed")
    assert (removal.record, removal.valid_from, removal.old_value) == (
        None,
        date(2020, 7, 1),
        "2767.00",
    )


def test_the_command_reports_errors_clearly(tmp_path):
    write(tmp_path, "220200.toml", entry("rate.pension.unit", "0.16"))

    with pytest.raises(CommandError) as raised:
        call_command("policy_load", directory=tmp_path)

    assert "政策参数数据文件有 1 处错误，未导入任何记录" in str(raised.value)
    assert "220200.toml 第2行 [rate.pension.unit]" in str(raised.value)


def test_the_command_loads_the_repository_files(capsys):
    call_command("policy_load")

    assert "政策参数：8 个文件，新增" in capsys.readouterr().out
    assert PolicyParameter.objects.filter(region_id="220200").exists()
