"""Read benchmark-format files: experts.jsonl, requests.jsonl, qrels.tsv, and RUN.tsv (see BENCHMARK.md)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from matching.types import ExpertProfile, NeedText


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_experts(path: Path) -> list[ExpertProfile]:
    """Experts from `{"id", "profile", "documents", "fields"}` lines (extra keys such as district are read)."""
    out = []
    for row in _jsonl(path):
        cap = row.get("capacity_left")
        rating = row.get("rating")
        out.append(
            ExpertProfile(
                id=str(row["id"]),
                profile=str(row.get("profile") or ""),
                documents=tuple(str(d) for d in row.get("documents") or ()),  # type: ignore[attr-defined]
                fields=tuple(str(f) for f in row.get("fields") or ()),  # type: ignore[attr-defined]
                district=str(row["district"]) if row.get("district") else None,
                capacity_left=int(cap) if cap is not None else None,  # type: ignore[call-overload]
                available=bool(row.get("available", True)),
                rating=float(rating) if rating is not None else None,  # type: ignore[arg-type]
            )
        )
    return out


def read_requests(path: Path) -> list[NeedText]:
    """Needs from `{"id", "text", "field"}` lines."""
    return [
        NeedText(
            id=str(row["id"]),
            text=str(row.get("text") or ""),
            field=str(row["field"]) if row.get("field") else None,
            district=str(row["district"]) if row.get("district") else None,
        )
        for row in _jsonl(path)
    ]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """request_id -> {expert_id: grade} from `request<TAB>expert<TAB>grade` lines."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                qrels[parts[0]][parts[1]] = int(float(parts[2]))
    return dict(qrels)


def read_run(path: Path) -> dict[str, dict[str, float]]:
    """request_id -> {expert_id: score} from `request<TAB>expert<TAB>rank<TAB>score` lines."""
    run: dict[str, dict[str, float]] = defaultdict(dict)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4:
                run[parts[0]][parts[1]] = float(parts[3])
    return dict(run)
