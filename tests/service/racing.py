"""Two requests at once, in a fixed order: real transactions on separate connections, no mocks.

`race(engine, first, second)` runs `first` in a thread with a session of its own up to its commit: everything
it read, wrote and locked is in the database, uncommitted. Then `second` starts in another thread with its own
session; once it waits for a lock (PostgreSQL, seen in `pg_stat_activity`), or has finished, or after a short
while (SQLite, whose writers queue on BEGIN IMMEDIATE and cannot be watched), `first` commits. Both outcomes are
returned: the service function's answer, or the status code of the domain error it raised. Anything else (an
IntegrityError, a deadlock) fails the test with the exception.

Without row locks, `second` reads what was committed before `first` and overwrites or duplicates it; with them,
it waits for `first` and then reads its result. The order is the one two people clicking at once could produce.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from service.errors import AppError

#: How long `second` is given to reach a lock when it cannot be watched (SQLite), or at most (PostgreSQL).
SETTLE_SECONDS = 0.5
WAIT_SECONDS = 20


@dataclass
class Outcome:
    status: int  # 200, or the domain error's status code
    value: Any = None
    message: str = ""


def detached(record: SQLModel) -> Any:
    """A copy of `record` bound to no session, for another thread to use (an account acting)."""
    return type(record)(**{name: getattr(record, name) for name in type(record).model_fields})


def _run(engine: Engine, action: Callable[[Session], Any], out: dict[str, Any], key: str, hold: Any = None) -> None:
    try:
        with Session(engine) as session:
            if hold is not None:
                commit = session.commit

                def held_commit() -> None:
                    session.flush()  # the writes are in the database (rows locked), not yet committed
                    hold["holding"].set()
                    hold["release"].wait(WAIT_SECONDS)
                    commit()

                session.commit = held_commit  # type: ignore[method-assign]
            value = action(session)
        out[key] = Outcome(200, value)
    except AppError as error:
        out[key] = Outcome(error.status_code, message=error.message)
    except BaseException as error:  # noqa: BLE001 - handed to the test
        out[key] = error
    finally:
        if hold is not None:
            hold["holding"].set()


def _waiting_for_lock(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return bool(waiting)


def race(engine: Engine, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> tuple[Outcome, Outcome]:
    """`first` holds its transaction open at its commit while `second` runs; then both finish."""
    out: dict[str, Any] = {}
    hold = {"holding": threading.Event(), "release": threading.Event()}
    one = threading.Thread(target=_run, args=(engine, first, out, "first", hold))
    one.start()
    assert hold["holding"].wait(WAIT_SECONDS), "the first request never reached its commit"
    two = threading.Thread(target=_run, args=(engine, second, out, "second"))
    two.start()
    started = time.monotonic()
    while two.is_alive() and time.monotonic() - started < WAIT_SECONDS:
        if _waiting_for_lock(engine):
            break
        if engine.dialect.name != "postgresql" and time.monotonic() - started > SETTLE_SECONDS:
            break
        time.sleep(0.02)
    hold["release"].set()
    one.join(WAIT_SECONDS)
    two.join(WAIT_SECONDS)
    assert not one.is_alive(), "the first request is stuck"
    assert not two.is_alive(), "the second request is stuck"
    for key in ("first", "second"):
        if isinstance(out.get(key), BaseException):
            raise AssertionError(f"the {key} request failed with {out[key]!r}") from out[key]
    return out["first"], out["second"]
