"""Certificates from the records: what the file says, its signature, the public verification,
revocation on corrected records, and who may have which."""

from __future__ import annotations

import io
from datetime import UTC

import pytest
from django.test import Client

from shebao.accounts.tokens import token_issue
from shebao.certificates import signing
from shebao.certificates.models import Certificate, CertificateEvent
from shebao.common import pdf
from shebao.common.money import from_fen, yuan_display
from shebao.common.periods import YearMonth
from shebao.contributions.models import ContributionLine
from shebao.notifications.models import Notification

pytestmark = pytest.mark.django_db


def api(user, context):
    token = token_issue(user=user, context=context)
    client = Client()

    def call(method, url, **kwargs):
        return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)

    return call


def issue(user, kind, context="individual", **extra):
    return api(user, context)(
        "post",
        "/api/v1/me/certificates",
        data={"kind": kind, **extra},
        content_type="application/json",
    )


def fetch_pdf(user, number, context="individual"):
    return api(user, context)("get", f"/api/v1/certificates/{number}.pdf")


def test_a_participation_certificate_says_what_the_records_say(world):
    response = issue(world.liu_user, "participation")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"number", "kind", "verify_code", "verify_url", "pdf_url"}
    assert body["kind"] == "participation"
    assert body["verify_url"].endswith(f"/verify/{body['verify_code']}/")
    data = fetch_pdf(world.liu_user, body["number"]).content
    text = pdf.extract_text(data)
    assert "参保证明" in text and body["number"] in text
    assert "刘一" in text and world.liu.id_number in text and "陈二" not in text
    assert "吉林市松花江纺织有限公司" in text
    for label in ("企业职工基本养老保险", "职工基本医疗保险", "失业保险", "工伤保险"):
        assert label in text
    assert "2020年1月" in text and "至今" in text
    assert "2 个月" in text  # January and February are paid; March is not
    code = body["verify_code"]
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text and body["verify_url"] in text


def test_a_rights_statement_carries_the_lines_amounts_by_year(world):
    body = issue(world.liu_user, "rights", start_month="2020-01", end_month="2020-03").json()
    text = pdf.extract_text(fetch_pdf(world.liu_user, body["number"]).content)

    lines = ContributionLine.objects.filter(person=world.liu, insurance="pension")
    assert lines.count() == 3
    unit = sum(line.unit_fen for line in lines)
    individual = sum(line.individual_fen for line in lines)
    assert "2020年1月至2020年3月" in text
    assert "8,000.00" in text  # the declared base, every month
    assert yuan_display(from_fen(unit)) in text and yuan_display(from_fen(individual)) in text
    assert f"缴费累计 {yuan_display(from_fen(individual))} 元" in text  # the personal account


def test_a_units_rights_statement_lists_its_staff_of_the_month(world):
    client = api(world.admin, f"unit:{world.unit.pk}")
    response = client(
        "post",
        f"/api/v1/units/{world.unit.credit_code}/certificates",
        data={"kind": "unit_rights", "month": "2020-03"},
        content_type="application/json",
    )

    assert response.status_code == 201
    number = response.json()["number"]
    text = pdf.extract_text(client("get", f"/api/v1/certificates/{number}.pdf").content)
    assert (
        "单位社会保险权益单" in text and world.unit.name in text and world.unit.credit_code in text
    )
    assert "刘一" in text and "陈二" in text and "2 人" in text
    assert world.liu.id_number not in text  # staff ID numbers are masked on the statement
    assert world.liu.id_number[:6] + "********" + world.liu.id_number[14:] in text
    assert "2020年1月" in text and "已缴费" in text and "待缴费" in text


def test_a_payment_voucher_is_the_receipts(world):
    client = api(world.admin, f"unit:{world.unit.pk}")
    body = client(
        "post",
        f"/api/v1/units/{world.unit.credit_code}/certificates",
        data={"kind": "payment_voucher", "receipt": world.receipt.number},
        content_type="application/json",
    ).json()
    text = pdf.extract_text(client("get", f"/api/v1/certificates/{body['number']}.pdf").content)
    assert "缴费凭证" in text and world.receipt.number in text
    assert f"{yuan_display(from_fen(world.receipt.amount_fen))} 元" in text


def test_the_signature_validates_against_the_agency_ca_and_the_font_is_embedded(world):
    body = issue(world.liu_user, "participation").json()
    data = fetch_pdf(world.liu_user, body["number"]).content

    check = signing.signature_check(data)
    assert (check.signed, check.intact, check.trusted, check.code) == (True, True, True, "OK")
    fonts = pdf.embedded_fonts(data)
    assert [embedded for _, embedded in fonts] == [True]
    assert fonts[0][0].endswith("+WenQuanYiMicroHei-0")


def test_an_uploaded_file_is_genuine_and_one_changed_byte_anywhere_is_not(world):
    body = issue(world.liu_user, "participation").json()
    data = fetch_pdf(world.liu_user, body["number"]).content
    public = Client()

    genuine = public.post("/api/v1/verify", {"file": io.BytesIO(data)})
    assert genuine.status_code == 200
    assert genuine.json() | {"issued_at": None} == {
        "genuine": True,
        "intact": True,
        "kind": "participation",
        "issued_at": None,
        "holder": f"刘*（{world.liu.id_number[:6]}********{world.liu.id_number[14:]}）",
        "summary": Certificate.objects.get(number=body["number"]).summary,
        "revoked": False,
        "replaced_by": None,
        "code": "OK",
        "message": "本证明由本经办机构出具，真实有效",
    }
    signature_at = data.index(b"/Contents <") + 20
    for position in (9, len(data) // 3, signature_at, len(data) - 10):
        changed = bytearray(data)
        changed[position] = (changed[position] + 1) % 256 if changed[position] != 0x30 else 0x31
        file = io.BytesIO(bytes(changed))
        response = public.post("/api/v1/verify", {"file": file})
        assert response.status_code in (200, 422), position
        assert response.json().get("genuine") is not True, position


def test_bad_uploads_get_a_chinese_answer_and_a_stable_code(world, settings):
    public = Client()
    not_pdf = public.post("/api/v1/verify", {"file": io.BytesIO(b"GIF89a not a pdf")})
    assert (not_pdf.status_code, not_pdf.json()["code"]) == (422, "CERT_NOT_PDF")
    corrupted = public.post("/api/v1/verify", {"file": io.BytesIO(b"%PDF-1.4\n garbage \x00\x01")})
    assert (corrupted.status_code, corrupted.json()["code"]) == (422, "CERT_PDF_CORRUPTED")
    plain = pdf.PdfDocument(title="t", author="某机构")
    plain.title("参保证明")
    unsigned = public.post("/api/v1/verify", {"file": io.BytesIO(plain.build())})
    assert unsigned.status_code == 200
    assert (unsigned.json()["genuine"], unsigned.json()["code"]) == (False, "CERT_PDF_UNSIGNED")
    from shebao.certificates import services

    oversized = public.post(
        "/api/v1/verify", {"file": io.BytesIO(b"%PDF-" + b"0" * services.MAX_UPLOAD_BYTES)}
    )
    assert (oversized.status_code, oversized.json()["code"]) in (
        (413, "CERT_FILE_TOO_LARGE"),
        (413, "TOO_LARGE"),
    )
    assert "不" in oversized.json()["message"]


def _foreign_signed(data: bytes) -> bytes:
    """``data`` signed (PAdES, pyHanko) by a key certified by another CA, not the agency's."""
    from datetime import datetime, timedelta

    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "另一个CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "伪造的签名")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(der)),
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca_cert.public_bytes(der))]
        ),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Sig", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return signers.PdfSigner(metadata, signer=signer).sign_pdf(writer).getvalue()


def test_a_file_signed_by_another_key_is_not_genuine(world):
    body = issue(world.liu_user, "participation").json()
    data = fetch_pdf(world.liu_user, body["number"]).content
    page = pdf.PdfDocument(title="参保证明", author="伪造")
    page.title("参保证明")
    source = page.build()

    for forged in (_foreign_signed(source), _foreign_signed(data)):
        response = Client().post("/api/v1/verify", {"file": io.BytesIO(forged)})
        assert response.status_code == 200
        assert response.json()["genuine"] is False
        assert response.json()["code"] in ("CERT_SIGNER_UNTRUSTED", "CERT_FILE_UNKNOWN")
    alone = Client().post("/api/v1/verify", {"file": io.BytesIO(_foreign_signed(source))})
    assert alone.json()["code"] == "CERT_SIGNER_UNTRUSTED"
    assert "不是本经办机构" in alone.json()["message"]


def test_the_public_verification_by_code_shows_only_the_masked_summary(world):
    body = issue(world.liu_user, "participation").json()
    code = body["verify_code"]
    public = Client()

    found = public.get(f"/api/v1/verify/{code}")
    assert found.status_code == 200
    assert found.json()["genuine"] is True and found.json()["revoked"] is False
    assert (
        world.liu.id_number not in found.content.decode() and "刘一" not in found.content.decode()
    )
    lower = public.get(f"/api/v1/verify/{code[:4].lower()}-{code[4:8]}-{code[8:]}")
    assert lower.status_code == 200
    assert public.get("/api/v1/verify/ABCD").json()["code"] == "CERT_CODE_MALFORMED"
    assert public.get("/api/v1/verify/ABCD").status_code == 422
    missing = public.get("/api/v1/verify/" + "2" * 12)
    assert (missing.status_code, missing.json()["code"]) == (404, "CERT_NOT_FOUND")
    page = public.get(f"/verify/{code}/").content.decode()
    assert "真实有效" in page and "刘*" in page and world.liu.id_number not in page


def test_a_correction_of_the_records_revokes_and_reissues(
    world, django_capture_on_commit_callbacks
):
    from shebao.insurance.models import Relation
    from shebao.insurance.services import relation_correct

    body = issue(world.liu_user, "participation").json()
    old = Certificate.objects.get(number=body["number"])
    relation = Relation.objects.current().get(person=world.liu, insurance="pension")
    from shebao.testing import staff_actor

    with django_capture_on_commit_callbacks(execute=True):
        relation_correct(
            actor=staff_actor(world.staff_here),
            relation=relation,
            start_month=YearMonth(2020, 2),
            end_month=None,
            why="入职时间更正",
        )

    old.refresh_from_db()
    assert old.status == Certificate.Status.REVOKED and old.replaced_by is not None
    new = old.replaced_by
    assert new.status == Certificate.Status.VALID and new.kind == "participation"
    text = pdf.extract_text(bytes(Certificate.objects.get(pk=new.pk).file))
    assert "2020年2月" in text
    verified = Client().get(f"/api/v1/verify/{old.verify_code}").json()
    assert (verified["revoked"], verified["replaced_by"]) == (True, new.verify_code)
    page = Client().get(f"/verify/{old.verify_code}/").content.decode()
    assert "已作废" in page and f"/verify/{new.verify_code}/" in page
    titles = list(
        Notification.objects.filter(recipient=world.liu_user).values_list("title", flat=True)
    )
    assert titles.count("参保证明已出具") == 2 and "参保证明已作废" in titles
    assert CertificateEvent.objects.filter(certificate=old, kind="revoked").count() == 1


def test_unchanged_records_the_same_day_give_the_one_certificate(world):
    first = issue(world.liu_user, "participation")
    again = issue(world.liu_user, "participation")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Certificate.objects.count() == 1


def test_another_persons_or_units_certificate_is_never_served(world, hall):
    from shebao.testing import make_member, make_unit

    mine = issue(world.liu_user, "participation").json()
    unit_cert = api(world.admin, f"unit:{world.unit.pk}")(
        "post",
        f"/api/v1/units/{world.unit.credit_code}/certificates",
        data={"kind": "unit_rights"},
        content_type="application/json",
    ).json()
    other_unit = make_unit(name="吉林市别家有限公司")
    outsiders = [
        (world.chen_user, "individual"),
        (make_member(other_unit, "admin"), f"unit:{other_unit.pk}"),
        (world.staff_there, "staff"),
        (make_member(world.unit, "operator"), f"unit:{world.unit.pk}"),
    ]
    for user, context in outsiders:
        call = api(user, context)
        for number in (mine["number"], unit_cert["number"]):
            assert call("get", f"/api/v1/certificates/{number}.pdf").status_code == 404
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            session = client.session
            session["shebao_context"] = context
            session.save()
            assert client.get(f"/certificates/{number}.pdf").status_code in (403, 404)
            assert client.get(f"/certificates/{number}/").status_code in (403, 404)
        refused = call(
            "post",
            f"/api/v1/units/{world.unit.credit_code}/certificates",
            data={"kind": "unit_rights"},
            content_type="application/json",
        )
        assert refused.status_code in (403, 404)
    staff = api(world.staff_here, "staff")
    assert staff("get", f"/api/v1/certificates/{mine['number']}.pdf").status_code == 200
    assert staff("get", f"/api/v1/certificates/{unit_cert['number']}.pdf").status_code == 200
    assert Certificate.objects.count() == 2


def test_bad_requests_get_a_stable_code(world):
    unknown = issue(world.liu_user, "diploma")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "CERT_KIND_UNKNOWN")
    none = issue(world.liu_user, "institution_pension")
    assert (none.status_code, none.json()["code"]) == (422, "CERT_NO_RECORD")
    as_unit = issue(world.liu_user, "unit_rights")
    assert (as_unit.status_code, as_unit.json()["code"]) == (422, "CERT_KIND_UNKNOWN")
    bad_month = issue(world.liu_user, "rights", start_month="2020-13")
    assert bad_month.status_code == 422
    assert Certificate.objects.count() == 0


def test_staff_print_at_the_counter_and_the_person_is_told(world):
    from shebao.testing import signed_in

    client = signed_in(world.staff_here, "staff")
    response = client.post(
        "/certificates/counter/", {"kind": "participation", "holder": world.chen.id_number}
    )
    certificate = Certificate.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/certificates/{certificate.number}/"
    )
    assert (certificate.person, certificate.channel) == (world.chen, "counter")
    assert Notification.objects.filter(recipient=world.chen_user, title="参保证明已出具").exists()
    there = signed_in(world.staff_there, "staff")
    refused = there.post(
        "/certificates/counter/", {"kind": "participation", "holder": world.chen.id_number}
    )
    assert refused.status_code == 200 and "未找到该人员" in refused.content.decode()
    assert Certificate.objects.count() == 1


def test_the_print_matter_opens_the_certificates_page_and_prints_at_once(world):
    from shebao.testing import signed_in

    client = signed_in(world.liu_user, "individual")
    response = client.get("/applications/new/person.insurance_certificate/")
    assert response.status_code == 302 and response["Location"] == "/certificates/"
    printed = client.post("/certificates/", {"kind": "participation"})
    assert printed.status_code == 302
    listing = client.get("/certificates/").content.decode()
    number = Certificate.objects.get().number
    assert number in listing and "有效" in listing


def test_the_pension_transfer_matter_prints_the_voucher_at_once_and_files_nothing(world):
    from shebao.applications.models import Application
    from shebao.testing import signed_in

    client = signed_in(world.liu_user, "individual")

    # the matter opens the certificates page with the voucher chosen
    response = client.get("/applications/new/person.pension_transfer_voucher/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/certificates/?kind=pension_voucher",
    )
    page = client.get(response["Location"]).content.decode()
    assert 'value="pension_voucher" required checked' in page

    # printed at once: a signed voucher of the person's own pension record, kept in their list
    printed = client.post("/certificates/", {"kind": "pension_voucher"})
    voucher = Certificate.objects.get()
    assert (printed.status_code, printed["Location"]) == (302, f"/certificates/{voucher.number}/")
    assert (voucher.kind, voucher.person, voucher.channel) == ("pension_voucher", world.liu, "self")
    data = client.get(f"/certificates/{voucher.number}.pdf").content
    text = pdf.extract_text(data)
    assert "基本养老保险参保缴费凭证" in text and "刘一" in text and voucher.number in text
    assert "请持本凭证到新参保地社会保险经办机构申请转入" in text
    check = signing.signature_check(data)
    assert (check.signed, check.intact, check.trusted) == (True, True, True)
    listing = client.get("/certificates/").content.decode()
    assert voucher.number in listing and "基本养老保险参保缴费凭证" in listing

    # nothing was filed, and the API refuses to file it
    assert Application.objects.count() == 0
    refused = api(world.liu_user, "individual")(
        "post",
        "/api/v1/applications/",
        data={"matter": "person.pension_transfer_voucher", "data": {}},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "MATTER_DONE_ON_ITS_PAGE")


def test_the_pension_transfer_guide_says_what_the_hall_does_and_what_staff_do_later(hall):
    from shebao.catalogue.models import Matter
    from shebao.hall.tests.test_public_text import visible_text

    matter = Matter.objects.get(code="person.pension_transfer_voucher")
    assert (matter.instant, matter.handler, matter.effect) == (
        True,
        "pension_voucher_print",
        "print",
    )
    text = visible_text(Client().get("/matters/person.pension_transfer_voucher/").content.decode())
    assert "即办" in text and "本事项由经办人员审核办理" not in text
    assert "联系函" in text and "由工作人员在15个工作日内办理关系转出并划转资金" in text
    assert "本大厅不在线办理这一步" in text
