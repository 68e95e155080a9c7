"""Running the platform: upgrades of a database with rows in it, the database going away while serving, what the
logs say and how a request is followed, the search index's folder, and the operator's command line."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from typer.testing import CliRunner

from service import app as app_module
from service import config, db
from service.api.deps import SESSION_COOKIE
from service.cli import admin
from service.cli import app as cli_app
from service.db import make_engine
from service.errors import CROSSED_WRITE
from service.logging_setup import install_filter
from service.migrate import current_revision, downgrade, head_revision, schema_behind, upgrade
from service.models import Account, Campaign, CampaignPair, Expert, Need, Unit, Visit
from service.search_sync import SearchIndexUnavailable, open_search_backend
from service.security import create_access_token
from tests.service.databases import empty_database
from tests.service.world import World

PHONE, PHONE_MASKED = "13812345678", "138****5678"
ID_NUMBER, ID_MASKED = "510131197001011234", "510131********1234"
#: Nothing listens here: connections are refused at once.
DOWN_URL = "postgresql+psycopg://zhiqiao:db-password-x@127.0.0.1:9/zhiqiao"
ZHIQIAO = str(Path(sys.executable).with_name("zhiqiao"))


# ---- upgrades of a database with rows in it -----------------------------------------------------------------


@pytest.fixture
def bare_database(tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it, for the migrations alone: a SQLite file, or on the PostgreSQL lane a new
    database beside the lane's (as tests/service/test_migrations.py does)."""
    with empty_database(tmp_path, "zhiqiao_ops_review") as engine:
        yield engine


NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
#: Rows as an installation at revision 0001 holds them; each table takes the columns it has at the revision.
OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "unit": [
        {"id": 1, "name": "蒲江县寿安镇五星村村民委员会", "kind": "村", "district": "510131", "contact_name": "李会计",
         "address": "五星村 1 组", "contact_phone": "13900001111", "created_at": NOW},
    ],
    "expert": [
        {"id": 1, "name": "王建国", "sex": "男", "birth_year": 1970, "employer": "四川农业大学",
         "employer_type": "高校", "title": "教授", "title_level": "正高", "fields": ["210"], "field_labels": ["农学"],
         "specialties": "猕猴桃溃疡病防治", "documents": [], "talent_tier": None, "party_member": True,
         "district": "510131", "available": True, "yearly_capacity": 10, "status": "在库", "phone": PHONE,
         "id_number": ID_NUMBER, "created_at": NOW, "updated_at": NOW},
        {"id": 2, "name": "陈晓梅", "sex": "女", "birth_year": 1982, "employer": "成都市农林科学院",
         "employer_type": "科研院所", "title": "研究员", "title_level": "正高", "fields": ["210"],
         "field_labels": ["农学"], "specialties": "设施蔬菜", "documents": [], "talent_tier": None,
         "party_member": False, "district": "510104", "available": True, "yearly_capacity": 10, "status": "在库",
         "phone": None, "id_number": None, "created_at": NOW, "updated_at": NOW},
    ],
    "account": [
        {"id": 1, "username": "city", "password_hash": "x", "role": "city_official", "district": None,
         "display_name": "市委组织部", "active": True, "created_at": NOW},
    ],
    "need": [
        {"id": 1, "title": "猕猴桃溃疡病防治", "service_type": "技术指导", "experts_wanted": 1, "unit_id": 1,
         "district": "510131", "description": "果园溃疡病严重，需现场指导", "status": "open", "review_note": "",
         "created_at": NOW, "updated_at": NOW},
    ],
    "visit": [
        {"id": 1, "need_id": 1, "expert_id": 1, "origin": "campaign", "status": "accepted", "year": 2026,
         "decline_reason": "", "content": "", "technologies": "", "comment": "", "created_at": NOW},
    ],
    "campaign": [
        {"id": 1, "name": "2026 年春季千名专家下基层", "district": None, "year": 2026, "status": "published",
         "created_by": 1, "created_at": NOW, "published_at": NOW},
    ],
    "campaignpair": [
        {"id": 1, "campaign_id": 1, "need_id": 1, "expert_id": 1, "score": 0.8, "locked": False, "removed": False,
         "proposed": True},
        {"id": 2, "campaign_id": 1, "need_id": 1, "expert_id": 2, "score": 0.5, "locked": True, "removed": True,
         "proposed": False},
    ],
}  # fmt: skip


def _fill(engine: Engine) -> None:
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for name, rows in OLD_ROWS.items():
            table = tables.tables[name]
            connection.execute(table.insert(), [{k: v for k, v in row.items() if k in table.c} for row in rows])
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences past them
            for name in OLD_ROWS:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 100)"))


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the old tables, in the columns revision 0001 has, as the models at head read them."""
    old_columns = {name: [k for k in rows[0] if k != "id"] for name, rows in OLD_ROWS.items()}
    models = {"unit": Unit, "expert": Expert, "account": Account, "need": Need, "visit": Visit,
              "campaign": Campaign, "campaignpair": CampaignPair}  # fmt: skip
    with Session(engine) as session:
        return {
            name: [
                tuple(getattr(record, k) for k in ("id", *old_columns[name]))
                for record in session.exec(select(models[name]).order_by(models[name].id)).scalars()  # type: ignore[attr-defined, call-overload]
            ]
            for name in OLD_ROWS
        }


@pytest.mark.parametrize("revision", ["0001", "0003", "0004", "0005"])
def test_an_installation_with_rows_upgrades_to_head_and_back_one_step(bare_database: Engine, revision: str) -> None:
    """On SQLite the migrations that alter a table copy it and drop the old one: with foreign keys enforced that
    DROP failed as soon as a row of another table pointed at it (a campaign with pairs stopped 0001 → 0003; a
    need with a visit stopped 0006's downgrade), and `zhiqiao db upgrade` could not go on."""
    upgrade(bare_database, revision)
    _fill(bare_database)
    upgrade(bare_database)
    assert current_revision(bare_database) == head_revision()
    rows = _snapshot(bare_database)
    assert {name: len(found) for name, found in rows.items()} == {name: len(r) for name, r in OLD_ROWS.items()}
    with Session(bare_database) as session:
        assert session.get(Need, 1).contact_name == ""  # type: ignore[union-attr]
        assert session.get(Account, 1).token_version == 0  # type: ignore[union-attr]
        campaign = session.get(Campaign, 1)
        assert campaign is not None
        if revision == "0001":
            assert campaign.need_ids == []
            assert campaign.expert_ids == []
    assert rows["expert"][0][-4:-2] == (PHONE, ID_NUMBER)  # the personal columns came through untouched

    downgrade(bare_database, "-1")
    assert current_revision(bare_database) != head_revision()
    upgrade(bare_database)
    assert _snapshot(bare_database) == rows
    with bare_database.connect() as connection:
        if bare_database.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app
        assert schema_behind(connection) is None


def test_a_database_behind_the_code_is_named_with_the_command_that_fixes_it(bare_database: Engine) -> None:
    upgrade(bare_database, "0005")
    with bare_database.connect() as connection:
        behind = schema_behind(connection)
    assert behind is not None
    assert "0005" in behind
    assert head_revision() in behind
    assert "zhiqiao db upgrade" in behind


@pytest.fixture
def alembic_at(engine: Engine) -> Iterator[Any]:
    """Sets the test database's recorded revision (the SQLite lane's database has none: create_all made it)."""
    with engine.begin() as connection:
        existed = inspect(connection).has_table("alembic_version")
        before = connection.execute(text("SELECT version_num FROM alembic_version")).scalar() if existed else None
        if not existed:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version VALUES ('none')"))

    def set_revision(revision: str) -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})

    yield set_revision
    with engine.begin() as connection:
        if existed:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": before})
        else:
            connection.execute(text("DROP TABLE alembic_version"))


def test_readyz_fails_while_the_schema_is_behind_the_code_not_while_it_is_ahead(
    client: TestClient, alembic_at: Any
) -> None:
    """A deploy whose `zhiqiao db upgrade` was forgotten: the load balancer must not send traffic there. A schema
    migrated ahead for the next release (rolling deploys) is no reason to stop serving."""
    alembic_at("0005")
    behind = client.get("/readyz")
    assert behind.status_code == 503, behind.text
    assert "zhiqiao db upgrade" in behind.json()["checks"]["schema"]
    assert behind.json()["checks"]["database"] == "ok"
    alembic_at(head_revision())
    assert client.get("/readyz").json()["checks"]["schema"] == "ok"
    alembic_at("9999")
    assert client.get("/readyz").status_code == 200


# ---- the database goes away while serving -------------------------------------------------------------------


@pytest.fixture
def database_down(client: TestClient) -> Iterator[None]:
    """The app's engines point at a server that is not there (put back before the test's engine is torn down)."""
    down = make_engine(DOWN_URL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "get_engine", lambda: down)
        patch.setattr(db, "get_reader_engine", lambda: down)
        yield
    down.dispose()


def test_a_database_that_is_down_is_answered_503_with_a_message_and_one_log_line(
    client: TestClient, world: World, database_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: a bare 500 "Internal Server Error" and a page of traceback for every request."""
    install_filter()
    caplog.set_level(logging.INFO)
    city = world.accounts["city_official"]
    token = create_access_token(city.id or 0, city.role)
    api = client.get("/api/v1/experts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503, api.text
    assert api.json()["code"] == "database_unavailable"
    assert api.headers["Retry-After"]
    page = TestClient(client.app, cookies={SESSION_COOKIE: token}).get("/")
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"]
    assert "数据库" in page.text
    notes = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(notes) == 2
    assert not any(r.exc_info or r.exc_text for r in notes)
    ids = {api.headers["X-Request-ID"], page.headers["X-Request-ID"]}
    assert {getattr(r, "request_id", None) for r in notes} == ids
    assert "db-password-x" not in caplog.text
    ready = client.get("/readyz")
    assert ready.status_code == 503


@pytest.mark.parametrize("crossing", [psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure])
def test_a_write_undone_for_crossing_another_is_a_conflict_to_retry_not_an_outage(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch, crossing: type[Exception]
) -> None:
    """PostgreSQL undoes one of two transactions that wait for each other (or cannot be serialised): that was
    answered 503 数据库暂时无法访问 with Retry-After, as if the server were down."""
    from service.domain import experts

    def crossed(**_: object) -> None:
        raise OperationalError("UPDATE expert ...", {}, crossing("deadlock detected"))

    monkeypatch.setattr(experts, "list_experts", crossed)
    city = world.accounts["city_official"]
    token = create_access_token(city.id or 0, city.role)
    api = client.get("/api/v1/experts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 409, api.text
    assert api.json() == {"detail": CROSSED_WRITE, "code": "conflict"}
    assert "Retry-After" not in api.headers


def test_a_failing_search_sync_is_logged_when_it_starts_and_ends_not_every_round(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: two warnings every two seconds in every worker for as long as the database (or the disk) was down."""
    caplog.set_level(logging.INFO, logger="zhiqiao")
    rounds = {"n": 0}

    def drain(_backend: object) -> None:
        rounds["n"] += 1
        if rounds["n"] <= 20:
            raise OSError("database or disk is full")

    monkeypatch.setattr(app_module, "_drain_once", drain)

    async def run() -> None:
        task = asyncio.create_task(app_module._sync_forever(object(), 0.001))  # type: ignore[arg-type]
        while rounds["n"] < 25:
            await asyncio.sleep(0.005)
        task.cancel()

    asyncio.run(run())
    messages = [r.getMessage() for r in caplog.records if r.name == "zhiqiao"]
    assert len([m for m in messages if "search sync failed" in m]) == 1
    assert "database or disk is full" in messages[0]
    assert any("search sync works again" in m for m in messages)


# ---- logs and request ids -----------------------------------------------------------------------------------

_LOGGING_PROBE = textwrap.dedent(
    """
    import logging, logging.config, sys
    import uvicorn.config
    from service.logging_setup import server_log_config
    logging.config.dictConfig(server_log_config() if sys.argv[1] == "serve" else uvicorn.config.LOGGING_CONFIG)
    from service.app import create_app
    create_app()
    logging.getLogger("zhiqiao.importing").warning("import aborted: Key (id_number)=(%s) already exists", "{id}")
    logging.getLogger("search.embedded").warning("index note for {phone}")
    try:
        raise ValueError("row with phone {phone}")
    except ValueError:
        logging.getLogger("zhiqiao.importing").exception("import failed")
    logging.getLogger("uvicorn.error").info("server line {phone}")
    """
).format(id=ID_NUMBER, phone=PHONE)


@pytest.mark.parametrize("config_from", ["serve", "uvicorn-default"])
def test_the_apps_own_log_lines_are_masked_and_dated_under_the_web_server(config_from: str, tmp_path: Path) -> None:
    """Under uvicorn nothing configured the root logger: the app's records (zhiqiao.importing, search.*) fell
    through to Python's last-resort output, bare (no time, no level) and unmasked, since a logger's filter
    does not apply to its children's records."""
    env = {**os.environ, "ZHIQIAO_VAR_DIR": str(tmp_path), "ZHIQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", _LOGGING_PROBE, config_from], capture_output=True, text=True, env=env, timeout=120
    )
    written = done.stdout + done.stderr
    assert done.returncode == 0, written
    assert PHONE not in written
    assert ID_NUMBER not in written
    assert ID_MASKED in written
    assert f"index note for {PHONE_MASKED}" in written
    assert "Traceback" in written
    assert f"row with phone {PHONE_MASKED}" in written
    app_lines = [line for line in written.splitlines() if "import aborted" in line]
    assert len(app_lines) == 1
    assert " WARNING zhiqiao.importing [-] " in app_lines[0]
    assert app_lines[0][:4].isdigit()  # the time comes first


def test_each_request_has_an_id_returned_to_the_client(client: TestClient) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) >= 16
    assert client.get("/healthz").headers["X-Request-ID"] != made
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c"}).headers["X-Request-ID"] == "nginx-4f2a9c"
    for bad in (PHONE, "has space", "x" * 65):
        assert client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"] != bad
    too_large = client.post("/api/v1/auth/token", content=b"x", headers={"Content-Length": str(1 << 30)})
    assert too_large.status_code == 413
    assert too_large.headers["X-Request-ID"]


# ---- the search index's folder ------------------------------------------------------------------------------


def test_a_search_index_that_cannot_be_written_names_the_file_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: sqlite3's bare "attempt to write a readonly database" / "disk I/O error" at start."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("ZHIQIAO_SEARCH_DB_PATH", str(blocker / "search.db"))
    monkeypatch.setenv("ZHIQIAO_VAR_DIR", str(tmp_path / "var"))
    config.get_settings.cache_clear()
    try:
        with pytest.raises(SearchIndexUnavailable) as refused:
            open_search_backend()
    finally:
        config.get_settings.cache_clear()
    assert str(blocker / "search.db") in str(refused.value)
    assert "ZHIQIAO_VAR_DIR" in str(refused.value)


# ---- the operator's command line ----------------------------------------------------------------------------


def test_an_operator_lists_deactivates_and_reactivates_a_login(world: World, session: Session) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["user", "list"])
    assert listed.exit_code == 0, listed.output
    assert "unit" in listed.output
    assert "city_official" in listed.output
    unit = world.accounts["unit"]
    version = unit.token_version
    off = runner.invoke(cli_app, ["user", "deactivate", "--username", "unit"])
    assert off.exit_code == 0, off.output
    session.expire_all()
    account = session.get(Account, unit.id)
    assert account is not None
    assert not account.active
    assert account.token_version > version
    assert "deactivated" in runner.invoke(cli_app, ["user", "list", "--role", "unit"]).output
    on = runner.invoke(cli_app, ["user", "activate", "--username", "unit"])
    assert on.exit_code == 0, on.output
    session.expire_all()
    assert session.get(Account, unit.id).active  # type: ignore[union-attr]
    unknown = runner.invoke(cli_app, ["user", "deactivate", "--username", "nobody"])
    assert unknown.exit_code == 2


def test_db_current_says_where_the_database_is(bare_database: Engine, tmp_path: Path) -> None:
    upgrade(bare_database, "0005")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admin, "get_engine", lambda: bare_database)
        patch.setenv("ZHIQIAO_VAR_DIR", str(tmp_path / "var"))
        config.get_settings.cache_clear()
        try:
            _db_commands(bare_database)
        finally:
            config.get_settings.cache_clear()


def _db_commands(bare_database: Engine) -> None:
    behind = CliRunner().invoke(cli_app, ["db", "current"])
    assert behind.exit_code == 1
    assert "database: 0005" in behind.output
    assert head_revision() in behind.output
    assert CliRunner().invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    assert CliRunner().invoke(cli_app, ["db", "current"]).exit_code == 0
    assert CliRunner().invoke(cli_app, ["db", "downgrade", "0005"]).exit_code == 0
    assert current_revision(bare_database) == "0005"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"ZHIQIAO_DATABASE_URL": DOWN_URL}, "127.0.0.1:9"),
        ({"ZHIQIAO_ENVIRONMENT": "production", "ZHIQIAO_SECRET_KEY": "short"}, "ZHIQIAO_SECRET_KEY"),
    ],
)
def test_the_command_line_says_in_one_line_what_is_wrong(
    environment: dict[str, str], expected: str, tmp_path: Path
) -> None:
    """Was: a 500-line traceback panel for a database that is down or a refused setting."""
    env = {**os.environ, "ZHIQIAO_VAR_DIR": str(tmp_path), "ZHIQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("ZHIQIAO_SECRET_KEY", None)
    env.update(environment)
    done = subprocess.run([ZHIQIAO, "user", "list"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert expected in done.stderr
    assert "db-password-x" not in done.stderr
