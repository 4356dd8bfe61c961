import pytest

from shebao.accounts.models import User

pytestmark = pytest.mark.django_db

MODELS = [
    "certificateauthority",
    "certificaterequest",
    "unitcertificate",
    "cachallenge",
    "casigninattempt",
    "pkievent",
]


@pytest.fixture
def admin_client(client, issue):
    issue()  # something to list in every table
    from shebao.pki import services
    from shebao.pki.models import CaChallenge

    challenge = services.challenge_issue(channel=CaChallenge.Channel.API)
    client.post(
        "/api/v1/auth/ca/token",
        {"certificate": "x", "challenge": challenge.value, "signature": "x"},
        content_type="application/json",
    )
    superuser = User.objects.create_superuser("admin", "pw-not-used-1", name="系统管理员")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_the_admin_lists_and_shows_but_never_edits(admin_client, model):
    from django.apps import apps

    row = apps.get_model("pki", model).objects.first()

    listing = admin_client.get(f"/admin/pki/{model}/")
    detail = admin_client.get(f"/admin/pki/{model}/{row.pk}/change/")
    add = admin_client.get(f"/admin/pki/{model}/add/")
    delete = admin_client.post(f"/admin/pki/{model}/{row.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
    assert delete.status_code == 403
    assert apps.get_model("pki", model).objects.filter(pk=row.pk).exists()
