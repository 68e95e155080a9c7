"""Keeping the search index in step with the database: documents, the outbox drain, reindex and check.

The database is the source of truth. Every change to a need or an expert writes an outbox row in the same
transaction (`service.domain.common.enqueue_index`); `drain_outbox` applies those rows to the backend and only
then deletes them, so a backend that is down, or a process killed mid-drain, loses nothing: the rows stay and
the next drain re-applies them (applying is idempotent: it indexes the record's current state).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from search.base import SearchBackend
from search.documents import ExpertDocument, NeedDocument
from search.factory import make_backend
from service import clock
from service.config import get_settings
from service.db import in_batches
from service.models import Expert, Need, OutboxEntry, Unit
from service.validation import mask_numbers_in_text

log = logging.getLogger("zhiqiao.search")

INDEXED_MODELS: dict[str, type[Need] | type[Expert]] = {"needs": Need, "experts": Expert}
_DRAIN_LOCK_KEY = 7_114_881  # PostgreSQL advisory lock: one drainer at a time across processes


class SearchIndexUnavailable(RuntimeError):
    """The embedded index's file cannot be opened for writing (a read-only or full disk, a wrong path)."""


def open_search_backend() -> SearchBackend:
    """The configured backend: Meilisearch when ZHIQIAO_MEILI_URL is set, else the embedded SQLite index."""
    settings = get_settings()
    path = settings.search_db_path or settings.var_dir / "search.db"
    cache_bytes = int(settings.search_match_cache_mb * (1 << 20))
    if settings.meili_url:
        return make_backend(settings.meili_url, settings.meili_api_key, path, match_cache_bytes=cache_bytes)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return make_backend(None, None, path, match_cache_bytes=cache_bytes)
    except (OSError, sqlite3.Error) as error:
        # sqlite says only "attempt to write a readonly database" or "disk I/O error": name the file and the fix
        raise SearchIndexUnavailable(
            f"the search index {path} cannot be opened for writing ({type(error).__name__}: {error}); "
            "ZHIQIAO_VAR_DIR (or ZHIQIAO_SEARCH_DB_PATH) must be a writable folder with free space"
        ) from error


def need_document(need: Need, unit_name: str) -> NeedDocument:
    """A need as the index may see it: phone and ID numbers written in its text masked (experts search it)."""
    return {
        "id": need.id or 0,
        "title": mask_numbers_in_text(need.title),
        "description": mask_numbers_in_text(need.description),
        "unit_name": unit_name,
        "service_type": need.service_type,
        "field": need.field or "",
        "district": need.district,
        "status": need.status,
        # in the city's time: the index reads a date filter's day as written (a need posted at 00:30 on 1 January
        # in the city is a need of the new year, as the reports count it)
        "created_at": clock.stored_instant(need.created_at).astimezone(clock.CHINA_TIME).isoformat(),
        "wanted_from": need.wanted_from.isoformat() if need.wanted_from else None,
        "wanted_to": need.wanted_to.isoformat() if need.wanted_to else None,
    }


def expert_document(expert: Expert) -> ExpertDocument:
    """An expert as the index may see them: no phone, no ID number."""
    return {
        "id": expert.id or 0,
        "name": expert.name,
        "employer": expert.employer,
        "employer_type": expert.employer_type or "",
        "title_level": expert.title_level or "",
        "fields": list(expert.fields or []),
        "specialties": expert.specialties,
        "talent_tier": expert.talent_tier or "",
        "district": expert.district,
        "status": expert.status,
    }


def _documents(session: Session, index: str, ids: list[int]) -> tuple[list[dict[str, Any]], list[int]]:
    """(documents for the records that exist, ids that no longer exist)."""
    if index == "needs":
        rows = session.exec(
            select(Need, Unit.name).join(Unit, Unit.id == Need.unit_id).where(col(Need.id).in_(ids))  # type: ignore[arg-type]
        ).all()
        docs: list[dict[str, Any]] = [dict(need_document(n, unit_name)) for n, unit_name in rows]
    else:
        docs = [dict(expert_document(e)) for e in session.exec(select(Expert).where(col(Expert.id).in_(ids)))]
    found = {int(d["id"]) for d in docs}
    return docs, [i for i in ids if i not in found]


def _try_drain_lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already serialises writers on the one file
    return bool(session.exec(text("SELECT pg_try_advisory_xact_lock(:k)"), params={"k": _DRAIN_LOCK_KEY}).one()[0])  # type: ignore[call-overload]


def drain_outbox(session: Session, backend: SearchBackend, *, batch_size: int = 500) -> int:
    """Apply pending outbox rows to `backend`, oldest first; returns how many rows were applied.

    Stops at the first backend failure, leaving the failed rows in place (the error noted) for the next try.
    """
    applied = 0
    while True:
        if not _try_drain_lock(session):
            session.rollback()
            return applied
        entries = session.exec(select(OutboxEntry).order_by(col(OutboxEntry.id)).limit(batch_size)).all()
        if not entries:
            session.commit()
            return applied
        by_index: dict[str, list[int]] = {}
        for entry in entries:
            by_index.setdefault(entry.index_name, []).append(entry.record_id)
        try:
            for index, ids in by_index.items():
                docs, gone = _documents(session, index, list(dict.fromkeys(ids)))
                if docs:
                    backend.index_documents(index, docs)
                if gone:
                    backend.delete_documents(index, gone)
        except Exception as error:  # noqa: BLE001 - any backend failure leaves the rows for the next drain
            session.rollback()
            _note_failure(session, [e.id or 0 for e in entries], error)
            raise
        session.exec(delete(OutboxEntry).where(col(OutboxEntry.id).in_([e.id for e in entries])))  # type: ignore[call-overload]
        session.commit()
        applied += len(entries)


def _note_failure(session: Session, entry_ids: list[int], error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:500]
    for entry in session.exec(select(OutboxEntry).where(col(OutboxEntry.id).in_(entry_ids))):
        entry.attempts += 1
        entry.last_error = message
        session.add(entry)
    session.commit()
    # debug: the app's sync loop and `zhiqiao search sync` report the failure themselves, once per outage
    log.debug("search sync failed, %d changes wait in the outbox: %s", len(entry_ids), message)


def pending(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(OutboxEntry)).one())


def _all_ids(session: Session, index: str) -> list[int]:
    model = INDEXED_MODELS[index]
    id_column = col(model.id)
    return [int(i) for i in session.exec(select(id_column).order_by(id_column)) if i is not None]


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reindex(session: Session, backend: SearchBackend, *, progress: bool = False, batch_size: int = 1000) -> int:
    """Rebuild both indexes from the database; the outbox rows already committed when it started are then
    redundant and deleted, by id. (Not every row up to the highest id: on PostgreSQL a change whose row was
    numbered earlier can commit while the rebuild runs, after it read that record; its row must stay and be
    drained.)"""
    from tqdm import tqdm

    covered = [int(i) for i in session.exec(select(OutboxEntry.id)) if i is not None]
    total = 0
    for index in INDEXED_MODELS:
        backend.reset(index)
        ids = _all_ids(session, index)
        with tqdm(total=len(ids), desc=f"reindex {index}", unit="doc", disable=not progress) as bar:
            for chunk in _chunks(ids, batch_size):
                docs, _gone = _documents(session, index, chunk)
                backend.index_documents(index, docs)
                bar.update(len(chunk))
                total += len(docs)
    for batch in in_batches(covered):
        session.exec(delete(OutboxEntry).where(col(OutboxEntry.id).in_(batch)))  # type: ignore[call-overload]
    session.commit()
    return total


@dataclass
class IndexDifference:
    index: str
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the database
    stale: list[str] = field(default_factory=list)  # in both, but the indexed status differs

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check(session: Session, backend: SearchBackend) -> list[IndexDifference]:
    """Compare the database with the index: missing and extra ids, and documents whose status is stale."""
    from search.query import SearchQuery

    out = []
    for index, model in INDEXED_MODELS.items():
        db_status = {str(i): s for i, s in session.exec(select(model.id, model.status))}  # type: ignore[call-overload]
        indexed = backend.document_ids(index)
        difference = IndexDifference(
            index,
            missing=sorted(set(db_status) - indexed, key=int),
            extra=sorted(indexed - set(db_status), key=lambda x: (len(x), x)),
        )
        for status in sorted(set(db_status.values())):
            found: set[str] = set()
            page = 1
            while True:
                result = backend.search(index, SearchQuery(filters={"status": status}, page=page, per_page=100))
                found.update(str(h.id) for h in result.hits)
                if page * 100 >= result.total:
                    break
                page += 1
            expected = {i for i, s in db_status.items() if s == status}
            difference.stale.extend(sorted((expected - found) - set(difference.missing), key=int))
        out.append(difference)
    return out
