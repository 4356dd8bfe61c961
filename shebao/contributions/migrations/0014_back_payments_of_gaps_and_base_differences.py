"""Back-payments of a flexible worker's interruption (养老保险中断期补缴) and of a unit's base
difference (单位申报基数差补缴): the bill's interest apart from its principal; a back-paid
cancelled month's line beside the cancelled one (``revision`` 1, part of the lines' natural
key); a back-payment record without a unit (the person's own) or without one employee (a unit's
roster); the adjustment cause ``base_diff``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0013_bill_cancellation"),
        ("registry", "0002_person_info"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="contributionline",
            name="line_month_payer_person_insurance",
        ),
        migrations.AddField(
            model_name="bill",
            name="backpay_interest_fen",
            field=models.BigIntegerField(db_default=0, default=0, verbose_name="补缴利息（分）"),
        ),
        migrations.AddField(
            model_name="contributionline",
            name="revision",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, verbose_name="补缴次序"
            ),
        ),
        migrations.AlterField(
            model_name="backpayment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("staff", "单位申报个人补缴"),
                    ("monthly", "单位申报月报补缴"),
                    ("gap", "养老保险中断期补缴"),
                    ("basediff", "单位申报基数差补缴"),
                ],
                max_length=8,
                verbose_name="补缴类型",
            ),
        ),
        migrations.AlterField(
            model_name="backpayment",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.unit",
                verbose_name="参保单位",
            ),
        ),
        migrations.AlterField(
            model_name="contributionadjustment",
            name="cause",
            field=models.CharField(
                choices=[
                    ("trueup", "临时参数转正式"),
                    ("base_raise", "缴费基数调整（上调）"),
                    ("base", "缴费基数更正"),
                    ("base_diff", "基数差补缴"),
                ],
                max_length=12,
                verbose_name="原因",
            ),
        ),
        migrations.AddConstraint(
            model_name="contributionline",
            constraint=models.UniqueConstraint(
                fields=("month", "payer_kind", "payer_id", "person", "insurance", "revision"),
                name="line_month_payer_person_insurance_revision",
            ),
        ),
    ]
