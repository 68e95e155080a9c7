"""Property-based fuzzing of the whole OpenAPI with schemathesis: no 5xx, and every answer as documented.

The cases are generated from the app's own OpenAPI document and sent through this module's test client (one
database, one lifespan and one `world` for the whole run), authenticated with the world's accounts. Path ids
that come out even are pointed at the world's records, so that operations reach real rows and their workflow
checks; odd ones stay random and exercise the 404 paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from service import config, db
from service.api.auth import limiter
from service.api.deps import RoleGuard
from service.app import create_app
from service.vocab import Role
from tests.conftest import ON_POSTGRES
from tests.service.world import World, make_world

APP = create_app()
# The document the app serves at /openapi.json; loaded with from_dict rather than from_asgi, because from_asgi
# starts the app's lifespan (search sync worker included) for the rest of the process, outside any test's
# database.
SCHEMA = schemathesis.openapi.from_dict(APP.openapi())
#: No 5xx, and every answer documented: its status, content type, headers and body schema. (Not "schema-valid
#: data is accepted": the API rightly answers 422 to schema-valid data that breaks a rule the schema cannot
#: express, such as an unknown sort key or a district name outside 成都, and documents that 422.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)


def _world_ids(world: World) -> dict[str, int | None]:
    return {
        "need_id": world.need.id,
        "expert_id": world.expert.id,
        "visit_id": world.visit.id,
        "unit_id": world.unit.id,
        "leader_id": world.leader.id,
        "liaison_id": world.liaison.id,
        "contact_id": world.contact.id,
    }


def _operations_admitting(role: Role) -> set[tuple[str, str]]:
    """(METHOD, path) of every route whose guard admits `role`."""
    admitted: set[tuple[str, str]] = set()
    for context in iter_route_contexts(APP.routes):
        dependant = getattr(context, "dependant", None)
        stack = list(dependant.dependencies) if dependant else []
        while stack:
            dependency = stack.pop()
            stack.extend(dependency.dependencies)
            guard = dependency.call
            if isinstance(guard, RoleGuard) and (guard.public or role in guard.roles):
                admitted.update((m, context.path or "") for m in context.methods or ())
    return admitted


UNIT_OPERATIONS = _operations_admitting(Role.unit)


@pytest.fixture(scope="module")
def fuzz_engine(_postgres_migrated: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database for the whole run (as tests/conftest.py's `engine`, but shared): the fuzz is about inputs,
    and a fresh database per operation would cost more than the examples themselves."""
    place = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZHIQIAO_LOGIN_RATE_LIMIT", "10000/minute")
        env.setenv("ZHIQIAO_VAR_DIR", str(place / "var"))
        env.setenv("ZHIQIAO_SEARCH_DB_PATH", str(place / "search.db"))
        if not ON_POSTGRES:
            env.setenv("ZHIQIAO_DATABASE_URL", f"sqlite:///{place / 'fuzz.db'}")
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        engine = db.get_engine()
        if ON_POSTGRES:
            tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            SQLModel.metadata.create_all(engine)
        yield engine
        engine.dispose()
        db.get_engine.cache_clear()
    config.get_settings.cache_clear()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_engine: Engine) -> World:
    with Session(fuzz_engine, expire_on_commit=False) as session:
        return make_world(session)


@pytest.fixture(scope="module")
def fuzz_client(fuzz_world: World) -> Iterator[TestClient]:
    limiter.reset()
    with TestClient(APP) as client:
        yield client


def _as_httpx_files(files: Any) -> list[tuple[str, Any]]:
    """requests-style multipart parts as httpx takes them (httpx wants bytes or text for a part's content)."""
    parts: list[tuple[str, Any]] = []
    for name, value in files.items() if isinstance(files, dict) else files:
        if isinstance(value, tuple):
            filename, content, *rest = value
            if not isinstance(content, bytes | str):
                content = str(content)
            parts.append((name, (filename, content, *rest)))
        else:
            parts.append((name, value if isinstance(value, bytes | str) else str(value)))
    return parts


def _send(client: TestClient, case: Any, world: World, role: str) -> Response:
    ids = _world_ids(world)
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=world.headers(role))
    request: dict[str, Any] = {k: kwargs[k] for k in ("params", "headers", "json") if kwargs.get(k)}
    if kwargs.get("files"):
        request["files"] = _as_httpx_files(kwargs["files"])
    if "json" in kwargs and "json" not in request:
        request["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    response = client.request(kwargs["method"], kwargs["url"], **request)
    response.request.read()  # a multipart upload is streamed; schemathesis reads the request back
    return response


@SCHEMA.parametrize()
@FUZZ
def test_api_as_city_official(case: Any, fuzz_client: TestClient, fuzz_world: World) -> None:
    response = _send(fuzz_client, case, fuzz_world, Role.city_official)
    case.validate_response(response, checks=CHECKS)


@SCHEMA.include(lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in UNIT_OPERATIONS).parametrize()
@FUZZ
def test_api_as_unit(case: Any, fuzz_client: TestClient, fuzz_world: World) -> None:
    response = _send(fuzz_client, case, fuzz_world, Role.unit)
    case.validate_response(response, checks=CHECKS)
