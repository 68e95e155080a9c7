"""The English sets built from Debian's package descriptions (tests/benchmarks/english_sets.py)."""

from __future__ import annotations

from pathlib import Path

from matching.datasets import read_experts, read_qrels, read_requests
from tests.benchmarks.english_sets import (
    Source,
    field_set,
    graded_set,
    maintainer_set,
    paragraphs,
    sources,
    write_set,
)

PACKAGES = """\
Package: libgeo1
Source: geo
Maintainer: Ann Lee <ann@example.org>
Description: geometry library
Description-md5: aaa
Section: libs
Tag: field::mathematics, role::shared-lib

Package: geo-tools
Source: geo (1.2-1)
Maintainer: Ann Lee <ann@example.org>
Description: geometry tools
Description-md5: bbb

Package: stars
Maintainer: Ann Lee <ann@example.org>
Section: contrib/science
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
    assert by_name["stars"].sections == {"science"}  # "contrib/science": the section's own name
    assert by_name["geo"].sections == set()  # libs names no subject
    assert by_name["stars"].areas == {"field:astronomy", "section:science"}


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


def _graded_sources() -> dict[str, Source]:
    def person(name: str, areas: tuple[set[str], set[str]]) -> dict[str, Source]:
        fields, sections = areas
        return {
            f"{name}{i}": Source(f"{name} package {i} text", f"{name} <{name}@example.org>", set(fields), set(sections))
            for i in range(3)
        }

    return (
        person("ann", ({"mathematics"}, set()))
        | person("bo", ({"mathematics"}, {"sound"}))
        | person("cy", (set(), {"games"}))
        | {f"dee{i}": Source(f"dee package {i}", "Dee <dee@example.org>", {"mathematics"}) for i in range(2)}
        | {
            f"team{i}": Source(f"team package {i}", "Maths Team <maths@lists.example.org>", {"mathematics"})
            for i in range(3)
        }
    )


def test_graded_set_grades_own_sharing_and_apart_sources() -> None:
    by_name = _graded_sources()
    match_set = graded_set(by_name)
    # every person is an expert; the team is not; dee has too few sources to hold one out
    assert len(match_set.experts) == 4
    text_of = {r["id"]: r["text"] for r in match_set.requests}
    maintainer_of = {s.text: s.maintainer.split()[0] for s in by_name.values()}
    assert sorted(maintainer_of[t] for t in text_of.values()) == ["ann", "bo", "cy"]  # one held out each
    documents = {e["id"]: e["documents"] for e in match_set.experts}
    grades: dict[str, dict[str, int]] = {}
    for request_id, expert_id, grade in match_set.qrels:
        grades.setdefault(str(expert_id), {})[maintainer_of[str(text_of[request_id])]] = grade
        assert text_of[request_id] not in documents[expert_id]  # type: ignore[operator]
    # ann and bo share mathematics; cy shares no area with anyone held out, so it grades nothing
    assert sorted(grades.values(), key=lambda g: sorted(g.items())) == [
        {"ann": 1, "bo": 2, "cy": 0},
        {"ann": 2, "bo": 1, "cy": 0},
    ]
    assert all(len(docs) == 2 for docs in documents.values())  # type: ignore[arg-type]
    assert graded_set(by_name) == match_set  # the same draw each time


def test_graded_set_grades_a_held_out_source_without_an_area_once() -> None:
    # eve's held-out source may be the one without an area: it is still hers (2), never also "apart" (0)
    eve = {
        "eve0": Source("eve package 0 text", "Eve <eve@example.org>", {"mathematics"}),
        "eve1": Source("eve package 1 text", "Eve <eve@example.org>"),
        "eve2": Source("eve package 2 text", "Eve <eve@example.org>"),
    }
    by_name = _graded_sources() | eve
    own_without_area = 0
    for seed in range(12):
        match_set = graded_set(by_name, seed=seed)
        pairs = [(q, e) for q, e, _ in match_set.qrels]
        assert len(pairs) == len(set(pairs)), f"seed {seed}: a pair graded twice"
        text_of = {r["id"]: r["text"] for r in match_set.requests}
        own = {text_of[q] for q, _, g in match_set.qrels if g == 2}
        own_without_area += "eve package 1 text" in own or "eve package 2 text" in own
    assert own_without_area > 0  # the case above did come up


def test_bench_quality_rows_give_the_pairwise_loss_for_graded_sets_and_the_cross_loss_for_binary(
    tmp_path: Path,
) -> None:
    from tests.benchmarks.bench_matching import _quality_rows

    write_set(tmp_path / "graded", graded_set(_graded_sources()))
    write_set(tmp_path / "maint", maintainer_set(_graded_sources()))
    rows = _quality_rows([tmp_path / "graded", tmp_path / "maint"])
    assert [(r[0], r[1]) for r in rows] == [
        ("graded", "engine"),
        ("graded", "char 1-2 TF-IDF baseline"),
        ("maint", "engine"),
        ("maint", "char 1-2 TF-IDF baseline"),
    ]
    assert all(0.0 <= float(r[-2]) <= 1.0 and r[-1] == "" for r in rows[:2])  # graded: a pairwise loss
    assert all(r[-2] == "" and 0.0 <= float(r[-1]) <= 1.0 for r in rows[2:])  # binary: the cross-request loss
