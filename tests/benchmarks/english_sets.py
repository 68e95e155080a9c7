"""Three English match sets made from Debian's package descriptions (BENCHMARK.md's dev sets are both Chinese).

They are built from this machine's apt lists, so nothing of them is kept in the repository:

    apt-get update -o Acquire::Languages=en             # adds the long descriptions (Translation-en)
    .venv/bin/python -m tests.benchmarks.english_sets OUT_DIR
    .venv/bin/zhiqiao match evaluate --set OUT_DIR/deb-maint --top 100 --out RUN.tsv

- `deb-maint`, person-level like nssf-dev: the experts are the maintainers who are people (not teams or lists),
  their documents the descriptions of the source packages they maintain; every maintainer with two or more
  sources gives one of them (drawn with a fixed seed) as a request, relevant: that maintainer alone.
- `deb-field`, field-level like csl-dev: the experts are the debtags `field::` facets (biology, electronics,
  mathematics ...), their documents the descriptions of their packages; 500 packages with exactly one facet are
  held out as requests, relevant: their facet.
- `deb-graded`, graded per expert like the English held-out set of experts' self-assessed expertise (scored by
  the pairwise-ordering loss): every maintainer who is a person with three or more sources, one of them in a
  topical area, holds one out as a request; each such maintainer grades up to nine requests: their own 2, up to
  four other maintainers' held-out sources that share an area with theirs 1, up to four that share none 0. An
  area is a debtags `field::` facet or a topical archive section (science, sound, games ...).

A source package's text is its binaries' longest description (short line, then the long one); ids are opaque.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from debian.deb822 import Deb822

APT_LISTS = Path("/var/lib/apt/lists")
SEED = 7
FIELD_REQUESTS = 500
_TEAM = re.compile(r"team|maintainers|packagers|lists\.|group|debian-|alioth|project|qa@", re.IGNORECASE)
_FIELD_TAG = re.compile(r"field::([a-z-]+)")
#: archive sections that name a subject (not a language, a library or documentation): areas of `graded_set`
TOPICAL_SECTIONS = frozenset(
    "admin comm database editors electronics fonts games gnome graphics gnu-r hamradio httpd kde kernel"
    " localization mail math net news science sound tex text vcs video web".split()
)
GRADED_NEAR = GRADED_FAR = 4


@dataclass
class Source:
    """A source package: its text, maintainer and debtags field facets."""

    text: str
    maintainer: str
    fields: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)  # its binaries' topical archive sections

    @property
    def areas(self) -> set[str]:
        """Its subjects: debtags field facets and topical sections."""
        return {f"field:{f}" for f in self.fields} | {f"section:{s}" for s in self.sections}


@dataclass
class MatchSet:
    """A set in BENCHMARK.md's format."""

    experts: list[dict[str, object]]
    requests: list[dict[str, object]]
    qrels: list[tuple[str, str, int]]


def paragraphs(text: str) -> Iterator[Deb822]:
    """The paragraphs of a Packages or Translation file."""
    yield from Deb822.iter_paragraphs(text.splitlines(keepends=True), use_apt_pkg=False)


def _long_descriptions(translations: Iterable[Deb822]) -> dict[str, str]:
    """Description-md5 -> "short. long" text."""
    out: dict[str, str] = {}
    for p in translations:
        if "Description-md5" in p and "Description-en" in p:
            short, _, body = p["Description-en"].partition("\n")
            lines = (line.strip() for line in body.split("\n"))
            long = " ".join(line for line in lines if line and line != ".")
            out[p["Description-md5"]] = f"{short.strip()}. {long}".strip()
    return out


def sources(packages: Iterable[Deb822], translations: Iterable[Deb822]) -> dict[str, Source]:
    """Source packages with a long description, by source name."""
    texts = _long_descriptions(translations)
    out: dict[str, Source] = {}
    for p in packages:
        text = texts.get(p.get("Description-md5", ""))
        if not text:
            continue
        name = p.get("Source", p["Package"]).split()[0]
        fields = set(_FIELD_TAG.findall(p.get("Tag", "")))
        section = p.get("Section", "").rsplit("/", 1)[-1]  # "contrib/science" -> "science"
        sections = {section} & TOPICAL_SECTIONS
        known = out.get(name)
        if known is None:
            out[name] = Source(text, p.get("Maintainer", ""), fields, sections)
            continue
        known.fields |= fields
        known.sections |= sections
        if len(text) > len(known.text):
            known.text = text
    return out


def _opaque(value: str) -> str:
    return "E" + hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def _by_person(by_name: Mapping[str, Source]) -> dict[str, list[str]]:
    """Source names by maintainer, for maintainers who are people (not teams or lists), in name order."""
    names: dict[str, list[str]] = defaultdict(list)
    for name in sorted(by_name):
        source = by_name[name]
        if source.maintainer and not _TEAM.search(source.maintainer):
            names[source.maintainer].append(name)
    return names


def maintainer_set(by_name: Mapping[str, Source], seed: int = SEED) -> MatchSet:
    """Person-level: maintainers as experts, one held-out source per maintainer with two or more."""
    rng = random.Random(seed)
    texts = {m: [by_name[n].text for n in names] for m, names in _by_person(by_name).items()}
    out = MatchSet([], [], [])
    for maintainer in sorted(texts):
        documents = sorted(set(texts[maintainer]))
        expert_id = _opaque(maintainer)
        if len(documents) >= 2:
            request = documents.pop(rng.randrange(len(documents)))
            request_id = f"Q{len(out.requests)}"
            out.requests.append({"id": request_id, "text": request, "field": None})
            out.qrels.append((request_id, expert_id, 1))
        out.experts.append({"id": expert_id, "profile": "", "documents": documents, "fields": []})
    return out


def field_set(
    by_name: Mapping[str, Source], n_requests: int = FIELD_REQUESTS, seed: int = SEED, min_documents: int = 3
) -> MatchSet:
    """Field-level: debtags field facets as experts (`min_documents` packages or more), held-out packages as
    requests."""
    single = sorted(name for name, s in by_name.items() if len(s.fields) == 1)
    random.Random(seed).shuffle(single)
    held = set(single[: n_requests + n_requests // 5])
    documents: dict[str, list[str]] = defaultdict(list)
    for name in sorted(by_name):
        if name not in held:
            for f in sorted(by_name[name].fields):
                documents[f].append(by_name[name].text)
    facets = {f for f, docs in documents.items() if len(docs) >= min_documents}
    out = MatchSet(
        [{"id": f"F:{f}", "profile": "", "documents": documents[f], "fields": []} for f in sorted(facets)], [], []
    )
    for name in single:
        (facet,) = by_name[name].fields
        if name in held and facet in facets and len(out.requests) < n_requests:
            request_id = f"R{len(out.requests)}"
            out.requests.append({"id": request_id, "text": by_name[name].text, "field": None})
            out.qrels.append((request_id, f"F:{facet}", 1))
    return out


def graded_set(
    by_name: Mapping[str, Source],
    seed: int = SEED,
    near: int = GRADED_NEAR,
    far: int = GRADED_FAR,
    min_sources: int = 3,
) -> MatchSet:
    """Graded per expert: held-out sources graded 2 by their maintainer, 1 by maintainers sharing an area with
    them, 0 by maintainers sharing none (see the module's docstring). Every person maintainer is an expert."""
    rng = random.Random(seed)
    held: dict[str, str] = {}  # maintainer -> the source held out
    documents: dict[str, list[str]] = {}
    people = _by_person(by_name)
    for maintainer, names in sorted(people.items()):
        names = sorted(set(names), key=lambda n: (by_name[n].text, n))
        if len(names) >= min_sources and any(by_name[n].areas for n in names):
            held[maintainer] = names.pop(rng.randrange(len(names)))
        documents[maintainer] = sorted({by_name[n].text for n in names})
    out = MatchSet(
        [{"id": _opaque(m), "profile": "", "documents": docs, "fields": []} for m, docs in documents.items()], [], []
    )
    request_of: dict[str, str] = {}
    for maintainer in sorted(held):
        request_of[held[maintainer]] = request_id = f"G{len(out.requests)}"
        out.requests.append({"id": request_id, "text": by_name[held[maintainer]].text, "field": None})
    pool = sorted(request_of)
    for maintainer in sorted(held):
        own = held[maintainer]
        areas = set().union(*(by_name[n].areas for n in people[maintainer]))
        sharing = [n for n in pool if n != own and by_name[n].areas & areas]
        apart = [n for n in pool if n != own and not by_name[n].areas & areas]
        if not sharing or not apart:
            continue
        expert_id = _opaque(maintainer)
        out.qrels.append((request_of[own], expert_id, 2))
        out.qrels.extend((request_of[n], expert_id, 1) for n in rng.sample(sharing, min(near, len(sharing))))
        out.qrels.extend((request_of[n], expert_id, 0) for n in rng.sample(apart, min(far, len(apart))))
    return out


def write_set(folder: Path, match_set: MatchSet) -> None:
    """experts.jsonl, requests.jsonl and qrels.tsv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("experts.jsonl", match_set.experts), ("requests.jsonl", match_set.requests)):
        with (folder / name).open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    with (folder / "qrels.tsv").open("w", encoding="utf-8") as fh:
        fh.writelines(f"{q}\t{e}\t{g}\n" for q, e, g in match_set.qrels)


def _read_apt_list(path: Path) -> str:
    # apt-helper reads the lists however apt stored them (plain, lz4, xz, gz)
    return subprocess.run(
        ["/usr/lib/apt/apt-helper", "cat-file", str(path)], check=True, capture_output=True, text=True
    ).stdout


def build_sets(out: Path) -> list[Path] | None:
    """Write the three sets under `out` from this machine's apt lists; their folders, or None without the lists."""
    packages = sorted(APT_LISTS.glob("*_main_binary-*_Packages*"))
    translations = sorted(APT_LISTS.glob("*_main_i18n_Translation-en*"))
    if not packages or not translations:
        return None
    by_name = sources(
        (p for path in packages for p in paragraphs(_read_apt_list(path))),
        (p for path in translations for p in paragraphs(_read_apt_list(path))),
    )
    sets = (
        ("deb-maint", maintainer_set(by_name)),
        ("deb-field", field_set(by_name)),
        ("deb-graded", graded_set(by_name)),
    )
    folders = []
    for name, match_set in sets:
        write_set(out / name, match_set)
        print(f"{out / name}: {len(match_set.experts)} experts, {len(match_set.requests)} requests", file=sys.stderr)
        folders.append(out / name)
    return folders


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.benchmarks.english_sets OUT_DIR", file=sys.stderr)
        return 2
    if build_sets(Path(argv[0])) is None:
        print("no Packages or Translation-en lists: run `apt-get update -o Acquire::Languages=en`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
