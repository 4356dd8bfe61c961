"""Create the agency CA if it does not exist yet, and show it. Safe to run on every deploy."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from shebao.pki import ca
from shebao.pki.models import CertificateAuthority


class Command(BaseCommand):
    help = "创建经办机构根CA（已存在则只显示） / Create the agency root CA if missing, then show it"

    def handle(self, *args: object, **options: object) -> None:
        existed = CertificateAuthority.objects.filter(
            status=CertificateAuthority.Status.ACTIVE
        ).exists()
        authority = ca.ca_ensure()
        ca.authority_private_key(authority)  # fail loudly now if the key cannot be opened
        self.stdout.write(("根CA已存在" if existed else "已创建根CA") + f"：{authority.name}")
        self.stdout.write(f"  算法：{authority.key_algorithm}")
        self.stdout.write(f"  SHA-256指纹：{authority.fingerprint}")
        self.stdout.write(
            f"  有效期：{timezone.localtime(authority.not_before):%Y-%m-%d} 至 "
            f"{timezone.localtime(authority.not_after):%Y-%m-%d}"
        )
        self.stdout.write(f"  私钥文件：{ca.ca_dir() / authority.key_file}")
