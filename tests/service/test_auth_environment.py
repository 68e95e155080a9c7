"""Production mode does not hang on one exact string: the environment is read case-insensitively, an unknown
value stops the start, a weak secret key is refused in production, and `zhiqiao demo` refuses to run there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from pydantic import ValidationError

from service import config
from service.cli import admin
from service.config import Settings

STRONG_KEY = "Vq3-x9LrT_2mKp8ZsW4nYb7HcJd6FgQe1UaR5oXiE0tN"


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    """Settings changed here are not kept for the tests that follow."""
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


@pytest.mark.parametrize("value", ["production", "Production", " PRODUCTION "])
def test_production_is_recognised_however_it_is_written(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", value)
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", STRONG_KEY)
    settings = Settings()
    assert settings.environment == "production"
    assert settings.is_production


@pytest.mark.parametrize("value", ["prod", "staging", "Productoin", ""])
def test_an_unknown_environment_stops_the_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", value)
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", STRONG_KEY)
    with pytest.raises(ValidationError, match="ZHIQIAO_ENVIRONMENT must be one of development, production"):
        Settings()


def test_development_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZHIQIAO_ENVIRONMENT", raising=False)
    assert Settings().environment == "development"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("p" * 48, id="one-character"),
        pytest.param("ab12" * 10, id="four-characters"),
        pytest.param("0123456789abcd" * 3, id="fourteen-characters"),
    ],
)
def test_a_low_entropy_secret_key_is_refused_in_production(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", "production")
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", key)
    with pytest.raises(ValidationError, match="distinct characters"):
        Settings()


def test_a_short_secret_key_is_still_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", "Production")
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", STRONG_KEY[:20])
    with pytest.raises(ValidationError, match="32"):
        Settings()


def test_demo_refuses_to_run_in_production(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import service.demo.load

    def must_not_run(**_: object) -> list:
        raise AssertionError("the demo was loaded in production")

    monkeypatch.setattr(service.demo.load, "load_demo", must_not_run)
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", "PRODUCTION")
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", STRONG_KEY)
    config.get_settings.cache_clear()
    try:
        with pytest.raises(typer.Exit) as stopped:
            admin.demo_command()
    finally:
        config.get_settings.cache_clear()
    assert stopped.value.exit_code == 2
    assert "production" in capsys.readouterr().err
