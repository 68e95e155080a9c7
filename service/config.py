"""Settings: one object, read from the environment with the ZHIQIAO_ prefix (and from .env)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.paths import REPO_ROOT

_DEFAULT_SQLITE = f"sqlite:///{REPO_ROOT / 'var' / 'zhiqiao.db'}"
ENVIRONMENTS = ("development", "production")
#: A production secret key with fewer distinct characters than this is refused ("a" * 40, "1212…").
SECRET_MIN_DISTINCT_CHARACTERS = 16


class Settings(BaseSettings):
    """Every tunable of the platform. The embedded default (SQLite under ./var/) needs no setting."""

    model_config = SettingsConfigDict(env_prefix="ZHIQIAO_", env_file=".env", extra="ignore")

    #: "production" turns on Secure cookies, hides the demo logins, refuses `zhiqiao demo` and demands a strong
    #: secret key. Read case-insensitively; any other value stops the start (a typo must not mean development).
    environment: Literal["development", "production"] = "development"
    database_url: str = _DEFAULT_SQLITE
    secret_key: str = Field(default="", description="empty: a key kept in var/secret.key (development only)")
    access_token_minutes: int = 60 * 8
    #: How long a process reuses an account it has read for a token (0: read it on every request). A change to
    #: an account (deactivated, new role) reaches requests within this many seconds.
    account_cache_seconds: float = Field(default=10.0, ge=0)
    var_dir: Path = REPO_ROOT / "var"

    # Search: embedded (SQLite FTS5 file) unless a Meilisearch server is configured.
    meili_url: str | None = None
    meili_api_key: str | None = None
    search_db_path: Path | None = None
    search_sync_interval_seconds: float = 2.0
    #: Embedded backend: memory per process for the matches of recent query words (0: none).
    search_match_cache_mb: float = Field(default=32.0, ge=0)
    #: Searches one process runs at a time (each is CPU work under the GIL; see service/api/search.py).
    search_threads: int = Field(default=1, ge=1)

    #: Keep each expert's analysed text in var/match-analysis/ so that a restart or another worker process fits
    #: the match index without segmenting unchanged experts again (`matching.analysis_cache`).
    match_analysis_cache: bool = True
    #: Build the match index in the background as the app starts, so that the first match page after a start or
    #: a deploy does not wait for the build (about 1 s for the demo's 381 experts; more for a large pool).
    match_warm_up: bool = True

    #: Login attempts per client address, over the API's token endpoint and the login page together.
    login_rate_limit: str = "10/minute"
    #: Failed logins per username (from any address), over both login routes; once spent, even the right
    #: password waits until the window has passed.
    login_username_rate_limit: str = "10/minute;50/hour"
    #: Where the login counts are kept (a `limits` storage URI). memory:// counts per process: with several
    #: workers or machines use a shared one, e.g. redis://host:6379/0.
    rate_limit_storage: str = "memory://"
    #: Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto `zhiqiao serve` believes
    #: (comma-separated IPs or networks, "*" for any). Empty: none, the client address is the socket's.
    forwarded_allow_ips: str = ""
    #: Largest request body accepted, in MB (the importer takes files up to 10 MB; docs/import.md). A larger
    #: one is answered 413 before it is read.
    max_request_body_mb: float = Field(default=11.0, gt=0)

    # The programme's rules (each a setting, not a literal in code): a new expert's yearly visits when none is given,
    # the months after which a pair without contact is overdue, the days a concern is due after its contact.
    visits_per_expert_per_year: int = 10
    contact_interval_months: int = 6
    concern_reply_days: int = 30
    leader_quota_main: tuple[int, int] = (3, 5)
    leader_quota_standing: tuple[int, int] = (3, 4)
    leader_quota_other: tuple[int, int] = (2, 3)
    #: Campaigns: candidate experts per need taken from the match index before the assignment is solved.
    campaign_candidates_per_need: int = 30

    @field_validator("environment", mode="before")
    @classmethod
    def _known_environment(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in ENVIRONMENTS:
                raise ValueError(f"ZHIQIAO_ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
        return value

    @field_validator("login_rate_limit", "login_username_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"not a rate limit such as '10/minute' or '10/minute;50/hour': {value!r}") from error
        return value

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.environment == "production":
            key = self.secret_key
            if len(key) < 32 or "change" in key or "replace" in key:
                raise ValueError("ZHIQIAO_SECRET_KEY must be a strong secret (32+ characters) in production")
            if len(set(key)) < SECRET_MIN_DISTINCT_CHARACTERS:
                raise ValueError(
                    f"ZHIQIAO_SECRET_KEY has too little variety for production (fewer than "
                    f"{SECRET_MIN_DISTINCT_CHARACTERS} distinct characters); use e.g. "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                )
        elif not self.secret_key:
            # Shared by every process of this installation, so that a token from one worker holds in another.
            path = self.var_dir / "secret.key"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                    out.write(secrets.token_urlsafe(48))
            except FileExistsError:
                pass  # another process made it first: use theirs
            self.secret_key = path.read_text(encoding="utf-8").strip()
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def max_request_body_bytes(self) -> int:
        return int(self.max_request_body_mb * 1024 * 1024)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
