"""Issue an API token to a channel partner and print it once.

python manage.py partner_token_issue --partner bank-icbc --name "工商银行代扣" [--days 180]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shebao.accounts import services
from shebao.accounts.services.api_tokens import PARTNER_TOKEN_DEFAULT_DAYS
from shebao.common.errors import DomainError


class Command(BaseCommand):
    help = "为合作渠道用户签发接口令牌；令牌只显示这一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True, help="合作渠道用户的登录名")
        parser.add_argument("--name", required=True, help="令牌用途，如“工商银行代扣”")
        parser.add_argument("--days", type=int, default=PARTNER_TOKEN_DEFAULT_DAYS, help="有效天数")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = services.partner_token_issue(
                partner_username=options["partner"], name=options["name"], days=options["days"]
            )
        except DomainError as error:
            raise CommandError(f"{error.message}（{error.code}）") from None
        self.stderr.write(
            f"有效期至 {issued.expires_at:%Y-%m-%d %H:%M %Z}。令牌只显示这一次，请安全交付："
        )
        self.stdout.write(issued.raw)
