"""The API's error contract, whatever goes wrong: JSON with a stable code and a Chinese message."""

import json

import pytest

pytestmark = pytest.mark.django_db


def _body(response):
    return json.loads(response.content.decode())


def test_unparsable_json_is_a_chinese_400(client):
    response = client.post(
        "/api/v1/calculators/backpay-interest", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert _body(response) == {"code": "BAD_REQUEST", "message": "请求格式不正确，无法解析请求内容"}


def test_unknown_api_path_is_a_chinese_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert _body(response)["code"] == "NOT_FOUND"


def test_an_invalid_token_is_a_chinese_401(client):
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer sb_nope_nope")
    assert response.status_code == 401
    assert _body(response) == {"code": "UNAUTHENTICATED", "message": "请先登录，或令牌无效、已过期"}


def test_openapi_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = _body(response)["paths"]
    assert "/api/v1/calculators/contribution" in paths
    assert "/api/v1/applications/" in paths
