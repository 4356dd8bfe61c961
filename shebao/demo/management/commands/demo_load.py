import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from shebao.demo.dataset import DEMO_PASSWORD, demo_load


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(1, width - used)


class Command(BaseCommand):
    help = "Build or refresh the demo hall (reference data, catalogue, policy, people, units, applications) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load()
        out = self.stdout
        out.write("")
        out.write(
            f"演示数据已就绪：{report.persons} 名人员，{report.units} 家单位，"
            f"{report.applications_total} 件申请（本次新建 {report.applications_built} 件），"
            f"本次新建参保关系 {report.relations_built} 条，本次核定 {report.months_assessed} 个月的缴费，"
            f"本次新建社会保障卡 {report.cards_built} 张（各种制卡、挂失状态）。"
            f"一周内开放预约时段 {report.slots_open} 个。"
        )
        out.write(f"所有演示账号的密码均为：{DEMO_PASSWORD}")
        out.write("")
        out.write(
            pad("登录入口", 18)
            + pad("账号", 20)
            + pad("统一社会信用代码", 20)
            + pad("姓名", 8)
            + "角色与说明"
        )
        out.write("-" * 110)
        for account in report.accounts:
            out.write(
                pad(account.portal, 18)
                + pad(account.username, 20)
                + pad(account.credit_code or "-", 20)
                + pad(account.name, 8)
                + f"{account.role}：{account.note}"
            )
        out.write("")
        out.write("个人也可用手机号登录；单位登录请输入统一社会信用代码 + 本人身份证号 + 密码。")
        out.write("短信验证码（注册、找回密码）在演示环境中显示于 /notifications/outbox/。")
