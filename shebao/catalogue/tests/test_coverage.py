"""Every matter named in the seeds is in the catalogue, and every matter of the catalogue comes
from a seed.

The checklist is written from the seeds themselves (/work/shared/seeds): each item by the name the
seed gives it, and the matter code(s) that serve it. A name that stands for a group of services
in its seed (Wuhan's "补缴社保费", Jiangsu's "待遇领取") lists every matter of the group.
"""

from __future__ import annotations

import pytest

from shebao.catalogue.models import Matter

pytestmark = pytest.mark.django_db

# Kunshan (004) — 单位篇, items 1–26, in the seed's order.
KUNSHAN_UNIT = {
    "用人单位用工登记": ["unit.staff_enrol"],
    "用人单位退工登记": ["unit.staff_leave"],
    "人员基础信息采集": ["unit.person_info_collect"],
    "人员变更回退": ["unit.staff_change_rollback"],
    "劳务派遣用工调转": ["unit.dispatch_transfer"],
    "企业职工社会保险缴费基数申报": ["unit.base_declare"],
    "企业职工社会保险缴费基数调整(上调)": ["unit.base_raise"],
    "工程建设项目人员登记维护": ["unit.construction_project_staff"],
    "一次性伤残补助金": ["unit.injury_disability_lump_sum"],
    "一次性工伤医疗补助金申领": ["unit.injury_medical_lump_sum"],
    "工伤保险异地居住就医申请确认": ["unit.injury_remote_medical"],
    "机关事业单位养老保险缴费凭证出具": ["both.institution_pension_certificate"],
    "机关事业单位养老保险待遇预发": ["unit.institution_pension_prepay"],
    "机关事业养老保险定期待遇核定": ["unit.institution_pension_periodic"],
    "机关事业养老保险个人信息变更": ["unit.institution_person_info_change"],
    "机关事业单位养老保险人员暂停结算": ["unit.institution_settlement_suspend"],
    "机关事业单位养老保险人员恢复结算": ["unit.institution_settlement_resume"],
    "企业职工基本养老保险退休申请": ["unit.retirement"],
    "企业职工和离退休人员因病或非因工死亡遗属待遇核定": ["both.death_benefit"],
    "就业见习(生活)补贴": ["unit.internship_subsidy"],
    "一次性见习补贴": ["unit.internship_retention_subsidy"],
    "职业培训补贴申请(企业)": ["unit.training_subsidy_enterprise"],
    "职业培训补贴申请(培训机构)": ["unit.training_subsidy_institution"],
    "岗位技能提升培训企业维护(职业技能等级认定企业维护)": ["unit.skill_enterprise_maintain"],
    "岗位技能培训开班申请(职业技能等级认定开班申请)": ["unit.skill_training_class_apply"],
    "职业技能等级认定": ["unit.skill_level_assessment"],
}

# Kunshan (004) — 个人篇, items 1–20, in the seed's order.
KUNSHAN_INDIVIDUAL = {
    "社会保险个人权益单": ["person.insurance_certificate"],
    "企业职工养老保险关系转移(制度内)": ["both.pension_transfer_in"],
    "城乡居民养老保险参保登记": ["person.resident_enrol"],
    "失业登记": ["person.unemployment_registration"],
    "失业保险金申领": ["person.unemployment_benefit"],
    "失业补助金申领": ["person.unemployment_subsidy"],
    "失业保险关系转出": ["person.unemployment_transfer_out"],
    "失业保险关系转入": ["person.unemployment_transfer_in"],
    # The seed's one item covers two subsidies with two paths (技能提升补贴 and 就业技能培训补贴).
    "职业培训补贴申请(个人)": ["person.training_subsidy", "person.skill_upgrade_subsidy"],
    "专业技术人员资格考试网上报名": ["person.professional_exam_signup"],
    "劳动人事争议调解申请(线上)": ["both.labour_mediation"],
    "劳动人事争议仲裁申请(线上)": ["both.labour_arbitration"],
    "社会保障卡申领": ["person.card_apply"],
    "电子社保卡申领": ["person.ecard_apply"],
    "社会保障卡正式挂失": ["person.card_report_loss"],
    "社会保障卡正式挂失解挂": ["person.card_cancel_loss"],
    "社会保障卡补卡": ["person.card_replace"],
    "社会保障卡信息查询": ["person.card_query"],
    "制卡进度查询": ["person.card_progress_query"],
    "就业创业培训报名": ["person.training_enrol"],
}

# Jilin (000): 问题一 (unit), 问题三 (individual), 问题五–十二.
JILIN = {
    # 问题一: units registered with market supervision enrol under 五证合一, then register online.
    "在市场监督管理部门注册并依据五证合一办理参保": ["person.unit_register"],
    "缴费基数申报": ["unit.base_declare"],
    "缴费核定": ["unit.contribution_assess"],
    "人员增减（增员）": ["unit.staff_enrol", "unit.staff_changes"],
    "人员增减（减员）": ["unit.staff_leave", "unit.staff_changes"],
    "普通企业稳岗返还": ["unit.job_retention_refund"],
    "个人选档缴费": ["person.flexible_grade_change"],
    "按征集单缴费": ["person.pay_by_collection_notice"],
    "个人参保证明打印": ["person.insurance_certificate"],
    "职业技能提升补贴": ["person.skill_upgrade_subsidy"],
    "失业金申领": ["person.unemployment_benefit"],
    "个人缓缴申请": ["person.contribution_deferral"],
    "参保信息查询": ["person.query_insurance"],
    "缴费信息查询": ["person.query_contributions"],
    "待遇信息查询": ["person.query_benefits"],
    "发放信息查询": ["person.query_payments"],
    "个人网上待遇领取资格认证": ["person.benefit_qualification_certify"],
    "社会保险关系转出（打印《基本养老保险参保缴费凭证》）": ["person.pension_transfer_voucher"],
    "至转入地申请办理转入手续": ["both.pension_transfer_in"],
    "转移查询": ["person.transfer_progress_query"],
    "个人中断缴费": ["person.flexible_suspend"],
    "待遇领取证明打印": ["person.benefit_certificate"],
    "在职参保人员死亡": ["both.death_benefit"],
    "退休人员死亡待遇结算": ["both.death_benefit"],
    "企业退休人员资格认证": ["person.benefit_qualification_certify"],
    "城乡居民养老保险参保及各项业务": [
        "person.resident_enrol",
        "person.resident_info_change",
        "person.resident_cancel",
        "person.resident_pension_claim",
    ],
    "电话约办": ["both.appointment"],
    "机关事业单位人员新参保": ["unit.institution_enrol"],
    "机关事业单位缴费工资申报": ["unit.institution_wage_declare"],
    "机关事业单位人员基本信息变更": ["unit.institution_person_info_change"],
    "机关事业单位各类参保信息查询": ["unit.insurance_query"],
}

# Wuhan (001).
WUHAN = {
    "参保登记": ["unit.staff_enrol", "person.flexible_enrol"],
    "补缴社保费": [
        "unit.staff_back_payment_recent",
        "person.flexible_arrears_payment",
        "person.flexible_gap_back_payment",
    ],
    "申报缴费基数": ["unit.base_declare"],
    "预约办事": ["both.appointment"],
    "信息查询": ["unit.insurance_query", "person.query_insurance", "person.query_contributions"],
    "增员和减员": ["unit.staff_enrol", "unit.staff_leave", "unit.staff_changes"],
    "新参保及接续业务": ["person.flexible_enrol"],
    "个人社会保险暂停缴费业务": ["person.flexible_suspend"],
    "个人社会保险历史欠费补缴业务": ["person.flexible_arrears_payment"],
    "个人养老保险缴费档次变更业务": ["person.flexible_grade_change"],
    "个人部分信息变更业务": ["person.flexible_info_change"],
    "个人社会保险历史欠费注销业务": ["person.flexible_arrears_cancel"],
    "养老保险中断期补缴业务": ["person.flexible_gap_back_payment"],
    "医疗保险新参保": ["person.flexible_enrol"],
    "制卡申请": ["person.card_apply"],
    "退休（档案年龄与身份证不一致以档案为准）": ["unit.retirement"],
}

# Jiangsu / Changzhou (002).
JIANGSU = {
    "用工参保": ["unit.staff_enrol"],
    "退工停保": ["unit.staff_leave"],
    "退休审批": ["unit.retirement"],
    "待遇领取": [
        "unit.retirement",
        "both.death_benefit",
        "unit.injury_disability_lump_sum",
        "unit.injury_medical_lump_sum",
    ],
    "基数申报": ["unit.base_declare"],
    "征缴期内办理事项回退修改": ["unit.staff_change_rollback"],
    "灵活就业参停保": ["person.flexible_enrol", "person.flexible_suspend"],
    "社保转移": ["both.pension_transfer_in"],
    "单位权益单": ["unit.rights_statement"],
    "我的权益单": ["person.insurance_certificate"],
    "网上退休登记": ["unit.retirement"],
}

# Beijing (003).
BEIJING = {
    "职工参保登记（疫情结束后三个月内补办）": ["unit.staff_enrol"],
    "单位申报月报补缴": ["unit.monthly_back_payment"],
    "单位申报个人补缴近三个月社会保险费": ["unit.staff_back_payment_recent"],
    "单位申报基数差补缴": ["unit.base_difference_back_payment"],
    "一般账户补缴（在京缴费超过10年，2011年7月之后且不超过3年）": [
        "unit.back_payment_general_account"
    ],
    "临时账户补缴（2011年7月之后且不超过3年）": ["unit.back_payment_temporary_account"],
    "退费业务（包括基数差退费）": ["unit.refund"],
    "1月、2月应缴社会保险费征收期延长至3月底": ["unit.contribution_deferral"],
    "除变更姓名、身份证号码、民族、户籍性质、缴费人员类别、工人变更干部身份外的其他变更类业务": [
        "unit.staff_info_change"
    ],
    "变更姓名、身份证号码、民族、户籍性质、缴费人员类别、工人变更干部身份": [
        "unit.staff_key_info_change"
    ],
    "一般账户补缴（理论缴费年限加本市实际缴费年限不足10年，超过3个月）": [
        "unit.back_payment_general_account_short"
    ],
    "单位申报个人补缴2011年7月之后超过3年": ["unit.staff_back_payment_over_3y"],
    "台港澳人员、在华就业外国人、兼职人员参保登记": ["unit.foreign_staff_enrol"],
    "新增退休人员申报": ["unit.retirement"],
    "基本养老保险转移接续业务（转入）": ["both.pension_transfer_in"],
    "基本养老保险转移接续业务（转出）": ["person.pension_transfer_voucher"],
    "个人权益记录查询": ["person.query_insurance"],
    "账户补填": ["unit.account_backfill"],
    "补换卡": ["person.card_replace"],
    "城乡居民个人信息参保登记": ["person.resident_enrol"],
    "城乡居民个人信息变更": ["person.resident_info_change"],
    "城乡居民注销登记": ["person.resident_cancel"],
    "城乡居民养老待遇申领": ["person.resident_pension_claim"],
    "社会保险投诉举报稽核": ["person.audit_complaint"],
    "医护及相关工作人员工伤待遇支付": ["unit.medical_staff_injury_benefit"],
}

SEED_LISTS = {
    "000": JILIN,
    "001": WUHAN,
    "002": JIANGSU,
    "003": BEIJING,
    "004": {**KUNSHAN_UNIT, **KUNSHAN_INDIVIDUAL},
}


def test_kunshan_lists_are_complete():
    assert len(KUNSHAN_UNIT) == 26
    assert len(KUNSHAN_INDIVIDUAL) == 20


@pytest.mark.parametrize("seed", sorted(SEED_LISTS))
def test_every_item_of_the_seed_is_an_enabled_matter_citing_the_seed(catalogue, seed):
    matters = {m.code: m for m in Matter.objects.filter(enabled=True)}
    missing = []
    uncited = []
    for item, codes in SEED_LISTS[seed].items():
        for code in codes:
            if code not in matters:
                missing.append(f"{item} → {code}")
            elif seed not in matters[code].sources:
                uncited.append(f"{item} → {code}")
    assert missing == []
    assert uncited == []


def test_every_matter_of_the_catalogue_serves_an_item_of_a_seed(catalogue):
    listed = {code for items in SEED_LISTS.values() for codes in items.values() for code in codes}

    assert set(Matter.objects.values_list("code", flat=True)) == listed


def test_every_source_a_matter_cites_names_it_in_the_checklist(catalogue):
    """A matter citing a seed is found in that seed's checklist (no citation without a reason)."""
    cited_without_item = [
        f"{code} ← {seed}"
        for code, sources in Matter.objects.values_list("code", "sources")
        for seed in sources
        if not any(code in codes for codes in SEED_LISTS[seed].values())
    ]
    assert cited_without_item == []


def test_beijing_acceptance_modes_follow_seed_003(catalogue):
    modes = dict(Matter.objects.values_list("code", "acceptance_mode"))

    direct = ["unit.monthly_back_payment", "unit.staff_back_payment_recent"]
    direct += ["unit.base_difference_back_payment", "unit.staff_key_info_change"]
    commitment = ["unit.back_payment_general_account", "unit.back_payment_temporary_account"]
    commitment += ["unit.refund", "unit.medical_staff_injury_benefit"]
    tolerance = ["unit.staff_info_change", "unit.back_payment_general_account_short"]
    tolerance += ["unit.staff_back_payment_over_3y", "unit.account_backfill"]
    assert {code: modes[code] for code in direct} == dict.fromkeys(direct, "direct")
    assert {code: modes[code] for code in commitment} == dict.fromkeys(commitment, "commitment")
    assert {code: modes[code] for code in tolerance} == dict.fromkeys(tolerance, "tolerance")


def test_the_refund_includes_the_phone_confirmation_step(catalogue):
    refund = Matter.objects.get(code="unit.refund")

    assert "经办机构与参保人电话核实确认" in refund.steps


def test_jiangsu_window_matters_are_window_bound(catalogue):
    bound = set(Matter.objects.filter(window_bound=True).values_list("code", flat=True))

    assert {
        "unit.staff_enrol",
        "unit.staff_leave",
        "unit.retirement",
        "both.death_benefit",
    } <= bound


def test_unit_matters_about_one_employee_name_the_employee(catalogue):
    about_one_employee = [
        "unit.staff_enrol",
        "unit.staff_leave",
        "unit.person_info_collect",
        "unit.dispatch_transfer",
        "unit.base_raise",
        "unit.retirement",
        "unit.injury_disability_lump_sum",
        "unit.injury_medical_lump_sum",
        "unit.staff_back_payment_recent",
        "unit.refund",
        "unit.staff_info_change",
        "unit.staff_key_info_change",
        "both.death_benefit",
    ]
    for matter in Matter.objects.filter(code__in=about_one_employee):
        fields = {f["name"]: f for f in matter.fields}
        assert fields["subject_id_number"]["type"] == "id_number", matter.code
        assert fields["subject_name"]["type"] == "text", matter.code


def test_unemployment_benefit_form_asks_what_the_claim_needs(catalogue):
    fields = {f["name"]: f for f in Matter.objects.get(code="person.unemployment_benefit").fields}

    assert fields["leave_date"]["type"] == "date"
    assert fields["leave_reason"]["type"] == "choice"
    assert fields["bank_account"]["type"] == "bank_card"
    assert fields["contact_mobile"]["type"] == "mobile"


def test_retirement_steps_follow_seeds_002_and_004(catalogue):
    steps = Matter.objects.get(code="unit.retirement").steps

    assert steps[0].startswith("网上退休登记")
    assert "打印退休审批表" in steps[0]
    assert steps[1].startswith("窗口提交材料")
    assert "邮寄送达单位" in steps[-1]
