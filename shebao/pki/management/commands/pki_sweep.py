"""Daily housekeeping of certificate sign-in (run from cron or a scheduler)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shebao.pki.services import certificates_sweep


class Command(BaseCommand):
    help = (
        "注销持证人已不是单位用户的证书，清理过期挑战码 / Revoke certificates of ended unit "
        "roles and delete expired challenges"
    )

    def handle(self, *args: object, **options: object) -> None:
        result = certificates_sweep()
        self.stdout.write(
            f"注销证书 {result['revoked']} 张，清理挑战码 {result['challenges_purged']} 个"
        )
