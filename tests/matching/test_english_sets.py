"""The English sets built from Debian's package descriptions (tests/benchmarks/english_sets.py)."""

from __future__ import annotations

from pathlib import Path

from matching.datasets import read_experts, read_qrels, read_requests
from tests.benchmarks.english_sets import field_set, maintainer_set, paragraphs, sources, write_set

PACKAGES = """\
Package: libgeo1
Source: geo
Maintainer: Ann Lee <ann@example.org>
Description: geometry library
Description-md5: aaa
Tag: field::mathematics, role::shared-lib

Package: geo-tools
Source: geo (1.2-1)
Maintainer: Ann Lee <ann@example.org>
Description: geometry tools
Description-md5: bbb

Package: stars
Maintainer: Ann Lee <ann@example.org>
Description: star charts
Description-md5: ccc
Tag: field::astronomy,
 role::program

Package: teamwork
Maintainer: Debian Science Team <debian-science@lists.example.org>
Description: shared work
Description-md5: ddd
Tag: field::mathematics

Package: solo
Maintainer: Bo Chen <bo@example.org>
Description: a lone tool
Description-md5: eee

Package: nodesc
Maintainer: Bo Chen <bo@example.org>
Description: no long description
Description-md5: zzz
"""

TRANSLATIONS = """\
Package: libgeo1
Description-md5: aaa
Description-en: geometry library
 Computes convex hulls.

Package: geo-tools
Description-md5: bbb
Description-en: geometry tools
 Command line tools for convex hulls
 .
 and polygons.

Package: stars
Description-md5: ccc
Description-en: star charts
 Plots the night sky.

Package: teamwork
Description-md5: ddd
Description-en: shared work
 Matrices.

Package: solo
Description-md5: eee
Description-en: a lone tool
 Does one thing.
"""


def _sources():  # type: ignore[no-untyped-def]
    return sources(paragraphs(PACKAGES), paragraphs(TRANSLATIONS))


def test_binaries_of_a_source_merge_into_its_longest_description() -> None:
    by_name = _sources()
    assert sorted(by_name) == ["geo", "solo", "stars", "teamwork"]  # nodesc: no long description
    assert by_name["geo"].text == "geometry tools. Command line tools for convex hulls and polygons."
    assert by_name["geo"].fields == {"mathematics"}
    assert by_name["stars"].fields == {"astronomy"}  # a tag list over two lines


def test_each_person_with_two_sources_gives_one_as_a_request() -> None:
    match_set = maintainer_set(_sources())
    assert len(match_set.experts) == 2  # Ann and Bo; the team is left out
    ann = next(e for e in match_set.experts if len(e["documents"]) == 1)  # type: ignore[arg-type]
    ((request_id, expert_id, grade),) = match_set.qrels
    assert (expert_id, grade) == (ann["id"], 1)
    (request,) = match_set.requests
    assert request["id"] == request_id
    assert request["text"] not in ann["documents"]  # type: ignore[operator]
    assert "Ann" not in str(expert_id)  # opaque ids


def test_field_set_holds_out_single_facet_packages(tmp_path: Path) -> None:
    by_name = _sources()
    sets = [field_set(by_name, n_requests=1, seed=seed, min_documents=1) for seed in range(10)]
    assert any(s.requests for s in sets)
    for match_set in sets:
        documents = {e["id"]: e["documents"] for e in match_set.experts}
        for request, (request_id, facet, grade) in zip(match_set.requests, match_set.qrels, strict=True):
            assert (request["id"], grade) == (request_id, 1)
            assert facet in documents
            assert all(request["text"] not in docs for docs in documents.values())  # type: ignore[operator]
    match_set = next(s for s in sets if s.requests)
    write_set(tmp_path, match_set)
    assert [e.id for e in read_experts(tmp_path / "experts.jsonl")] == [e["id"] for e in match_set.experts]
    assert len(read_requests(tmp_path / "requests.jsonl")) == len(match_set.requests)
    assert read_qrels(tmp_path / "qrels.tsv") == {q: {e: g} for q, e, g in match_set.qrels}
