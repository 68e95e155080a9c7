from fastapi.testclient import TestClient

from tests.service.world import World


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"] == "ok"


def test_login_and_me(client: TestClient, world: World) -> None:
    answer = client.post("/api/v1/auth/token", data={"username": "unit", "password": "correct-horse-9"})
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "unit"
