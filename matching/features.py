"""Sparse BM25 features: dictionary words plus character 1- and 2-grams, in one column space.

Column layout (`N_COLS` columns, float32 CSR rows):
  [0, UNI)                    CJK character unigrams, one column per code point (U+3400..U+9FFF)
  [UNI, UNI + BI)             CJK character bigrams, hashed (multiplicative hash) into BI buckets
  [UNI + BI, N_COLS)          words (jieba words, English words), ids from a growable vocabulary

A block of texts is counted in one pass of compiled code over its code points and its jieba-rs words
(`kernels.count_terms`: no Python loop per character or per token), which is what makes indexing 100,000
profiles fast. Weights are BM25 (`Bm25Weighter`): expert rows saturated, length-normalised tf (lengths per block)
times idf; query rows log tf over a query-only constant.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching import kernels
from matching import text as textmod

CJK_FIRST = 0x3400
CJK_LAST = 0x9FFF
UNI = 1 << 15
_BIGRAM_BITS = 22
BI = 1 << _BIGRAM_BITS
WORDS = 1 << 22
WORD_BASE = UNI + BI
N_COLS = UNI + BI + WORDS
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
N_BLOCKS = 3  # term blocks: CJK unigrams, CJK bigrams, words
THREADS = 2  # threads for the large NumPy passes of an index build (the machine's cores)


@dataclass(frozen=True)
class FeatureWeights:
    """Multipliers per feature group, applied to the idf."""

    words: float = 1.0
    unigrams: float = 1.0
    bigrams: float = 1.0


def _bigram_bucket(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The bucket of each character pair (a, b): the high bits of ((a << 20) ^ b) times 2**64 / golden ratio
    (`kernels.count_terms` hashes the pairs of analysed text alike)."""
    key = (first.astype(np.uint64) << np.uint64(20)) ^ second.astype(np.uint64)
    return (key * _GOLDEN) >> np.uint64(64 - _BIGRAM_BITS)


def bigram_columns(pairs: Sequence[str]) -> np.ndarray:
    """The global id of each two-character CJK pair, as the character-pair block counts it (int64)."""
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    cps = np.frombuffer("".join(pairs).encode("utf-32-le"), dtype=np.uint32).reshape(-1, 2)
    return (UNI + _bigram_bucket(cps[:, 0], cps[:, 1])).astype(np.int64)


def _word_column(word: str, taken: int) -> int:
    """The column a new word gets when `taken` word columns are given out: the next one, or past `WORDS` a column
    shared by hashing."""
    return WORD_BASE + taken if taken < WORDS else WORD_BASE + (hash(word) % WORDS)


class Vocabulary:
    """Growable word -> column map (ids are stable; past `WORDS` words, new words share hashed columns)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []

    def id_of(self, word: str) -> int:
        """The column of `word`, allocating one if new."""
        found = self.ids.get(word)
        if found is not None:
            return found
        col = self.ids[word] = _word_column(word, len(self.words))
        if len(self.words) < WORDS:
            self.words.append(word)  # hashed columns are shared, so they name no single word
        return col

    def word_ids(self, words: Sequence[str]) -> np.ndarray:
        """The column of each word (allocating new ones), as an int32 array."""
        return np.fromiter((self.id_of(w) for w in words), dtype=np.int32, count=len(words))

    def globalize(self, local: LocalCounts) -> sp.csr_matrix:
        """`local`'s counts with word columns mapped to this vocabulary (in place)."""
        return globalize(local.counts, self.word_ids(local.words))

    def word_at(self, col: int) -> str | None:
        """The word stored at a word column, or None."""
        i = col - WORD_BASE
        return self.words[i] if 0 <= i < len(self.words) else None


class QueryVocabulary(Vocabulary):
    """A read-only view of a vocabulary for analysing queries: known words keep their columns, a word the base has
    never seen gets a column past the base's words for this view only. Queries then weigh their unseen words
    (which count in a query's norm) without growing the shared vocabulary with every word a user ever typed."""

    def __init__(self, base: Vocabulary) -> None:
        super().__init__()
        self.base = base

    def id_of(self, word: str) -> int:
        found = self.base.ids.get(word)
        if found is None:
            found = self.ids.get(word)
        if found is None:
            # columns the base has not given out yet are in no stored row
            found = self.ids[word] = _word_column(word, len(self.base.words) + len(self.words))
            self.words.append(word)
        return found


@dataclass
class LocalCounts:
    """Term counts made without the shared vocabulary (in a worker process): word columns are `WORD_BASE +` an
    index into `words`, n-gram columns are already global. `Vocabulary.globalize` turns them into global ids."""

    counts: sp.csr_matrix
    words: list[str]
    block_totals: np.ndarray | None = None  # tokens per term block of the owners counted (`block_totals`)


def globalize(counts: sp.csr_matrix, word_ids: np.ndarray) -> sp.csr_matrix:
    """`counts` with local word columns (`WORD_BASE + i`) replaced by `word_ids[i]`, in place (rows stay sorted
    only if they were, which products do not need)."""
    if word_ids.size:
        is_word = counts.indices >= WORD_BASE
        counts.indices[is_word] = word_ids[counts.indices[is_word] - WORD_BASE]
        counts.has_sorted_indices = False
    return counts


def local_counts(texts: Sequence[str], lengths: np.ndarray | None = None) -> LocalCounts:
    """Normalise, cut and count `texts` with a private vocabulary (picklable, so workers can do all of it): one
    row per text, or with `lengths` one row per owner (owner i has the next `lengths[i]` texts)."""
    vocab = Vocabulary()
    counts = count_batch(texts, np.ones(len(texts), dtype=np.int64) if lengths is None else lengths, vocab)
    return LocalCounts(counts, vocab.words)


# A block of owners is analysed as one string (one normalisation, one jieba-rs call): "\n" between an owner's
# texts, _OWNER_SEP between owners. Both are boundaries for jieba (not in its word pattern) and for character
# pairs (not CJK), and jieba-rs passes each through as a token of its own, so the block cuts exactly as its
# texts one by one.
_OWNER_SEP = "\x1e"
_TEXT_SEP = "\n"


def count_batch(
    texts: Sequence[str], lengths: np.ndarray, vocab: Vocabulary, block_chars: int = 1_000_000
) -> sp.csr_matrix:
    """Term counts (global ids, words numbered by `vocab` as `number_words` does), one row per owner, in column
    order: owner i holds the next `lengths[i]` texts. Owners go `block_chars` characters at a time through
    `_owner_block`: a block's tokens and keys are its working set, and a worker's first chunk pays for every page
    of it (1M characters against 2M: the analysis workers' CPU in a 100,000-expert fit 9.4-10.1 -> 8.6-9.6 s,
    the fit 9.12 -> 8.51 s, mean of five alternated runs)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.sum() != len(texts):
        raise ValueError("lengths must add up to the number of texts")
    text_ends = np.cumsum(lengths)
    char_ends = np.cumsum([len(t) + 1 for t in texts]) if texts else np.zeros(0, dtype=np.int64)
    owner_chars = np.concatenate([[0], char_ends])[text_ends]
    parts = []
    first = 0
    while first < lengths.size:
        base = owner_chars[first - 1] if first else 0
        last = max(int(np.searchsorted(owner_chars, base + block_chars, side="right")), first + 1)
        last = min(last, lengths.size)
        t0 = int(text_ends[first - 1]) if first else 0
        parts.append(_owner_block(texts[t0 : int(text_ends[last - 1])], lengths[first:last], vocab))
        first = last
    if not parts:
        return sp.csr_matrix((0, N_COLS), dtype=np.float32)
    return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")


def number_words(
    words: Sequence[str], word_of_entry: np.ndarray, row_of_entry: np.ndarray, vocab: Vocabulary
) -> np.ndarray:
    """The `vocab` column of each of `words` (distinct), new ones numbered in order of the first row that holds
    them, then of the word itself. Any way of counting the same rows (in blocks, in workers, from the analysis
    cache) numbers them alike, so their rows come out the same, entry for entry."""
    first_row = np.full(len(words), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_row, word_of_entry, row_of_entry)
    out = np.empty(len(words), dtype=np.int64)
    if not words:
        return out
    for j in np.lexsort((np.array(words), first_row)).tolist():
        out[j] = vocab.id_of(words[j])
    return out


def owner_texts(texts: Sequence[str], lengths: np.ndarray) -> list[Sequence[str]]:
    """The texts of each owner (owner i holds the next `lengths[i]` texts)."""
    ends = np.cumsum(lengths).tolist()
    return [texts[end - size : end] for size, end in zip(lengths.tolist(), ends, strict=True)]


def _owner_block(texts: Sequence[str], lengths: np.ndarray, vocab: Vocabulary) -> sp.csr_matrix:
    n = lengths.size
    # one text an owner (each text counted alone) needs no joining of the owner's texts
    alone = n == len(texts) and bool((lengths == 1).all())
    pieces = texts if alone else [_TEXT_SEP.join(part) for part in owner_texts(texts, lengths)]
    joined = _OWNER_SEP.join(pieces)
    if joined.count(_OWNER_SEP) != n - 1:  # a text holds the separator itself: it stands for a space there
        joined = _OWNER_SEP.join(piece.replace(_OWNER_SEP, " ") for piece in pieces)
    normalized = textmod.normalize(joined)
    tokens = textmod.cut_normalized(normalized)
    # each token is known by the position where it first occurs (one pass in C: `setdefault` keeps the first
    # position); filter and stem each distinct token once, not each occurrence
    first_seen: dict[str, int] = {}
    first = np.fromiter(map(first_seen.setdefault, tokens, itertools.count()), dtype=np.int64, count=len(tokens))
    is_sep_token = first == first_seen.get(_OWNER_SEP, -1)
    if int(is_sep_token.sum()) != n - 1:
        # not expected (jieba-rs keeps the separator apart); owner by owner is slower but needs no separator
        parts = owner_texts(texts, lengths)
        return sp.vstack([_owner_block(part, np.array([len(part)]), vocab) for part in parts], format="csr")
    owner_of_token = np.cumsum(is_sep_token) - is_sep_token
    stops = textmod.stop_words()
    words: dict[str, int] = {}
    word_at_first = np.empty(len(tokens), dtype=np.int64)  # read only where a token first occurs
    word_at_first[np.fromiter(first_seen.values(), dtype=np.int64, count=len(first_seen))] = np.fromiter(
        (-1 if (w := textmod.match_word(t, stops)) is None else words.setdefault(w, len(words)) for t in first_seen),
        dtype=np.int64,
        count=len(first_seen),
    )
    word_of_token = word_at_first[first]
    keep = word_of_token >= 0
    rows = owner_of_token[keep]
    cols = number_words(list(words), word_of_token[keep], rows, vocab)[word_of_token[keep]]
    # the characters and character pairs are counted with the words, owner by owner, in one compiled pass over
    # the block's code points (separators stop pairs: they are not CJK). Against NumPy n-grams and one sort of
    # every (owner, term) pair packed into a key: `count_batch` of 90,000 synthetic profile texts 4.2-4.4 ->
    # 2.8-3.1 s (scratch, three alternations); the sort alone had taken as long as jieba-rs.
    points = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32)
    indptr, indices, counts = kernels.count_terms(
        rows, cols, points, n, ord(_OWNER_SEP), (CJK_FIRST, CJK_LAST), UNI, _BIGRAM_BITS
    )
    if indices.size < 2**31:
        indptr = indptr.astype(np.int32)
    out = sp.csr_matrix((counts, indices, indptr), shape=(indptr.size - 1, N_COLS), copy=False)
    out.has_canonical_format = True
    return out


class ColumnSpace:
    """Global feature ids (the `N_COLS`-wide hashed/vocabulary space) mapped to compact columns 0..n_cols-1.

    Only ids that a stored row holds get a compact column, so idf arrays, matrices and their transposes are as
    wide as the vocabulary actually seen, not 8.4M columns; a query term outside the space cannot match any stored
    row and is dropped after it has counted in the query's norm.
    """

    def __init__(self) -> None:
        # compact column + 1 per global id (0 = not in the space); np.zeros is lazily paged, so this costs
        # memory only around the ids in use.
        self._code = np.zeros(N_COLS, dtype=np.int32)
        self._globals: list[np.ndarray] = []
        self.n_cols = 0

    def lookup(self, global_cols: np.ndarray) -> np.ndarray:
        """Compact column of each global id, -1 for ids outside the space."""
        return self._code[global_cols] - 1

    def add(self, global_cols: np.ndarray) -> np.ndarray:
        """Give every new global id a compact column (in increasing global order); returns the new ids."""
        new = global_cols[self._code[global_cols] == 0]
        if new.size == 0:
            return new.astype(np.int64)
        if new.size < 30_000:
            fresh = np.unique(new).astype(np.int64)
        else:
            # a presence mask over all ids is linear: past ~30,000 new ids it beats sorting them (150,000 ids:
            # 5 against 21 ms)
            mark = np.zeros(N_COLS, dtype=bool)
            mark[new] = True
            fresh = np.flatnonzero(mark)
        self._code[fresh] = np.arange(self.n_cols + 1, self.n_cols + 1 + fresh.size, dtype=np.int32)
        self.n_cols += fresh.size
        self._globals.append(fresh)
        return fresh

    def compact_into(self, global_cols: np.ndarray, out: np.ndarray) -> None:
        """Write the compact column of each global id into `out` (int32, same length), joining new ids to the
        space: one gather straight into the destination, no temporary copy of the ids."""
        np.take(self._code, global_cols, out=out)
        missing = out == 0
        if missing.any():
            new = global_cols[missing]
            self.add(new)
            out[missing] = self._code[new]
        out -= 1

    def compact_inplace(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """`counts` (global ids) with its ids joined to the space and replaced by compact columns, in place."""
        code = self._code[counts.indices]
        if not code.all():
            self.add(counts.indices[code == 0])
            code = self._code[counts.indices]
        code -= 1
        counts.indices[:] = code
        out = sp.csr_matrix((counts.data, counts.indices, counts.indptr), shape=(counts.shape[0], self.n_cols))
        out.has_sorted_indices = False
        return out

    def global_ids(self) -> np.ndarray:
        """The global id of each compact column."""
        if len(self._globals) != 1:
            self._globals = [np.concatenate(self._globals) if self._globals else np.zeros(0, dtype=np.int64)]
        return self._globals[0]


@dataclass(frozen=True)
class Bm25Params:
    """BM25 knobs, chosen on csl-dev / nssf-dev and two English sets made from Debian's package descriptions
    (docs/matching.md has the sensitivity tables).

    - k1 2.0: term-frequency saturation (1.2: csl MRR -0.006; 3.0: +0.007, within noise).
    - b 0.3 (character blocks), b_words 0.75 (the word block): length normalisation per term block. For the
      characters the Chinese sets pull apart (csl best at 0.5, nssf at 0.2: a low b favours long profiles, a
      hidden prior on document count); English text has words only, and there 0.75 (BM25's usual value) beat
      0.4 by +0.07 MRR field-level and +0.010 person-level, while the Chinese sets stayed level (csl 0.559 vs
      0.561, nssf 0.137 vs 0.137).
    - alpha: query rows are divided by cap^alpha, cap = what an expert holding every query term at saturation
      would score; a query-only constant, so scores stay absolute (the engine uses 0.75; see MatchSettings).
    """

    k1: float = 2.0
    b: float = 0.3
    alpha: float = 0.75
    b_words: float = 0.75

    def b_per_block(self) -> np.ndarray:
        """b for each term block (`column_blocks`): CJK unigrams, CJK bigrams, words."""
        return np.array([self.b, self.b, self.b_words])


def column_blocks(global_cols: np.ndarray) -> np.ndarray:
    """Term block of each global id: 0 CJK unigrams, 1 CJK bigrams, 2 words (BM25 normalises lengths per block)."""
    return np.where(global_cols < UNI, 0, np.where(global_cols < WORD_BASE, 1, 2)).astype(np.int8)


def block_totals(counts: sp.csr_matrix) -> np.ndarray:
    """Token count per term block over all rows of `counts` (global ids, or a worker's local word ids, which are
    words too). Counts are whole numbers, so the float64 sums are exact in any order: two masked sums and the
    total (a third of the time of labelling every entry with its block)."""
    cols, data = counts.indices, counts.data
    unigrams = data.sum(dtype=np.float64, where=cols < UNI)
    words = data.sum(dtype=np.float64, where=cols >= WORD_BASE)
    return np.array([unigrams, data.sum(dtype=np.float64) - unigrams - words, words])


def mean_block_lengths(totals: np.ndarray, rows: int) -> np.ndarray:
    """Mean tokens per row in each block, 1 where a block is empty (BM25's avgL)."""
    avg = np.asarray(totals, dtype=np.float64) / max(rows, 1)
    avg[avg == 0] = 1.0
    return avg


class Bm25Weighter:
    """Turns term counts into BM25 rows: expert rows hold saturated, length-normalised tf times idf; query rows
    hold log tf divided by the query's own cap^alpha, so one dot product is the absolute text score.

    idf and the mean block lengths are frozen at `fit_df`, so an added or edited row is weighed alone.
    Counts come in the global id space (`count_batch`); rows come out in the compact space of `space`.
    """

    def __init__(
        self, weights: FeatureWeights | None = None, space: ColumnSpace | None = None, params: Bm25Params | None = None
    ) -> None:
        self.weights = weights or FeatureWeights()
        self.params = params or Bm25Params()
        self.space = space or ColumnSpace()
        self.idf_: np.ndarray | None = None
        self.blocks_: np.ndarray = np.zeros(0, dtype=np.int8)
        self.avg_lengths_ = np.ones(N_BLOCKS)
        self.n_docs_ = 0

    def _group_weights(self, global_cols: np.ndarray) -> np.ndarray:
        w = self.weights
        return np.array([w.unigrams, w.bigrams, w.words], dtype=np.float64)[column_blocks(global_cols)]

    def fit(self, counts: sp.csr_matrix, experts: int | None = None) -> Bm25Weighter:
        """Learn document frequencies from count rows (each row one document; the first `experts` rows, all by
        default, are experts and set the mean block lengths); their ids join the space."""
        n = counts.shape[0] if experts is None else experts
        compact = self.space.compact_inplace(counts.copy())
        df = column_counts(compact, self.space.n_cols)
        return self.fit_df(df, compact.shape[0], mean_block_lengths(block_totals(counts[:n]), n))

    def fit_df(self, df: np.ndarray, n: int, avg_lengths: np.ndarray | None = None) -> Bm25Weighter:
        """Set the idf, ln(1 + (n - df + 0.5) / (df + 0.5)), from document frequencies per compact column over
        `n` documents, and the mean expert length per block."""
        df = df.astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        global_ids = self.space.global_ids()
        self.idf_ = (idf * self._group_weights(global_ids)).astype(np.float32)
        self.blocks_ = column_blocks(global_ids)
        if avg_lengths is not None:
            self.avg_lengths_ = np.asarray(avg_lengths, dtype=np.float64)
        self.n_docs_ = n
        return self

    def _weigh(
        self,
        tf: np.ndarray,
        idf: np.ndarray,
        blocks: np.ndarray,
        row_lengths: np.ndarray,
        stored: bool,
        avg_lengths: np.ndarray | None = None,
    ) -> np.ndarray:
        """The one place rows get their weights.

        `tf` (float32 raw counts, rows back to back as `row_lengths` says) is overwritten and returned; `idf` and
        `blocks` are per entry. `stored` (expert rows): idf·tf(k1+1)/(tf + k1(1 − b + b·L/avgL)), L the row's
        token count in the entry's block and avgL `avg_lengths` (the experts' `avg_lengths_` by default).
        Otherwise (query rows, stored needs included): (1 + ln tf) / cap^alpha with cap = Σ (1 + ln tf)·idf·(k1+1);
        entries the caller drops afterwards still count in cap.
        """
        p = self.params
        if stored:
            # each entry's (row, block) cell, in a row-major (rows x blocks) table: its lengths and saturation
            cell = np.repeat(np.arange(0, row_lengths.size * N_BLOCKS, N_BLOCKS, dtype=np.int64), row_lengths)
            cell += blocks
            flat = np.bincount(cell, weights=tf, minlength=row_lengths.size * N_BLOCKS)
            norm = flat.reshape(-1, N_BLOCKS) / (self.avg_lengths_ if avg_lengths is None else avg_lengths)
            b = p.b_per_block()
            scale = (p.k1 * (1.0 - b + b * norm)).astype(np.float32).ravel()
            denom = scale[cell]
            denom += tf
            tf *= idf * np.float32(p.k1 + 1.0)
            tf /= denom
            return tf
        row_of = np.repeat(np.arange(row_lengths.size, dtype=np.int64), row_lengths)
        np.log(tf, out=tf)
        tf += 1.0
        cap = np.bincount(row_of, weights=tf * idf, minlength=row_lengths.size) * (p.k1 + 1.0)
        cap[cap <= 0] = 1.0
        tf *= (cap**-p.alpha).astype(np.float32)[row_of]
        return tf

    def transform_inplace(
        self,
        counts: sp.csr_matrix,
        stored: bool = True,
        block_rows: int = 4_000,
        avg_lengths: np.ndarray | None = None,
        half: bool = False,
    ) -> sp.csr_matrix:
        """`transform(counts, grow=True, stored=stored)` for counts already in the compact space, reusing their
        arrays (which it overwrites), `block_rows` rows at a time so that no temporary is as large as the matrix:
        how a 100,000-expert fit stays within memory. `avg_lengths`: the mean row lengths that stored rows are
        normalised against, when not the experts' (single documents). `half`: the weights come out as float16 bit
        patterns (uint16, as a half `RowStore` keeps them), written over uint16 counts (`counting.text_counts`)
        in place, or into a new array for float32 counts."""
        if self.idf_ is None:
            raise RuntimeError("Bm25Weighter.fit must run before transform")
        idf = self._sync_idf()
        indptr = counts.indptr
        n = counts.shape[0]
        if half:
            out = counts.data if counts.data.dtype == np.uint16 else np.empty(counts.data.size, dtype=np.uint16)
        else:
            out = counts.data if counts.data.dtype == np.float32 else counts.data.astype(np.float32)

        def weigh_block(a: int) -> None:
            b = min(a + block_rows, n)
            lo, hi = int(indptr[a]), int(indptr[b])
            cols = counts.indices[lo:hi]
            tf = out[lo:hi] if out.dtype == np.float32 else counts.data[lo:hi].astype(np.float32)
            weights = self._weigh(tf, idf[cols], self.blocks_[cols], np.diff(indptr[a : b + 1]), stored, avg_lengths)
            if half:
                out[lo:hi] = weights.astype(np.float16).view(np.uint16)

        # NumPy releases the GIL inside these passes, so threads share the blocks across cores.
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(weigh_block, range(0, n, block_rows)))
        weighed = sp.csr_matrix((out, counts.indices, indptr), shape=(n, self.space.n_cols), copy=False)
        weighed.has_sorted_indices = False
        return weighed

    def unseen_idf(self) -> float:
        """The idf of a term no fitted document had (df = 0)."""
        return math.log1p((self.n_docs_ + 0.5) / 0.5)

    def _sync_idf(self) -> np.ndarray:
        """The idf per compact column, columns added since `fit` weighted as unseen terms."""
        assert self.idf_ is not None
        missing = self.space.n_cols - self.idf_.size
        if missing > 0:
            added = self.space.global_ids()[self.idf_.size :]
            extra = (self.unseen_idf() * self._group_weights(added)).astype(np.float32)
            self.idf_ = np.concatenate([self.idf_, extra])
            self.blocks_ = np.concatenate([self.blocks_, column_blocks(added)])
        return self.idf_

    def idf_at(self, compact_cols: np.ndarray) -> np.ndarray:
        """The idf of compact columns (as weighed into rows: group weights included)."""
        return self._sync_idf()[compact_cols]

    def common_at(self, compact_cols: np.ndarray, share: float, at_least: int) -> np.ndarray:
        """Whether the term of each compact column was held by more than `share` of the fitted rows and by at
        least `at_least` of them: its document frequency, read back from the idf, (n + 1) / e^idf - 0.5."""
        weights = self._group_weights(self.space.global_ids()[compact_cols])
        with np.errstate(divide="ignore", invalid="ignore"):
            idf = np.where(weights > 0, self.idf_at(compact_cols) / weights, np.inf)
        df = (self.n_docs_ + 1) * np.exp(-idf) - 0.5
        return (df > share * self.n_docs_) & (df >= at_least)

    def transform(self, counts: sp.csr_matrix, grow: bool = False, stored: bool | None = None) -> sp.csr_matrix:
        """Weighted rows in the compact space (an empty row stays empty): expert rows when `stored` (by default
        when `grow`), query rows otherwise.

        `grow`: the rows will be stored, so their new ids join the space; otherwise ids outside the space count
        in a query's cap and are then dropped.
        """
        if self.idf_ is None:
            raise RuntimeError("Bm25Weighter.fit must run before transform")
        n = counts.shape[0]
        indices = counts.indices
        if grow:
            self.space.add(indices)
        idf = self._sync_idf()
        compact = self.space.lookup(indices)
        known = compact >= 0
        all_known = bool(known.all())
        if all_known:
            weights = idf[compact]
            blocks = self.blocks_[compact]
        else:
            weights = np.empty(indices.size, dtype=np.float32)
            weights[known] = idf[compact[known]]
            unknown = indices[~known]
            weights[~known] = self.unseen_idf() * self._group_weights(unknown)
            blocks = column_blocks(indices)
        lengths = np.diff(counts.indptr)
        data = self._weigh(counts.data.astype(np.float32), weights, blocks, lengths, grow if stored is None else stored)
        if not all_known:
            data = data[known]
            compact = compact[known]
            row_of = np.repeat(np.arange(n, dtype=np.int32), lengths)
            lengths = np.bincount(row_of[known], minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        out = sp.csr_matrix((data, compact.astype(np.int32), indptr), shape=(n, self.space.n_cols))
        # compact ids follow global order within one `add`, not across; products do not need sorted indices
        out.has_sorted_indices = False
        return out


def column_counts(counts: sp.csr_matrix, n_cols: int) -> np.ndarray:
    """Rows holding each column (document frequency), for rows with no repeated column."""
    return index_counts(counts.indices, n_cols)


def index_counts(indices: np.ndarray, n_cols: int, parallel_from: int = 1 << 20) -> np.ndarray:
    """How often each of `n_cols` column ids occurs in `indices` (int64; an id outside raises IndexError).

    A compiled loop adds to the counts in place (`kernels.count_indices`), from `parallel_from` entries on in
    `THREADS` threads, each over its share of the entries into counts of its own. `np.bincount`, used before,
    copies its input to 64-bit integers: in steps of 8M entries, so as to stay small, that still made a fresh
    64 MB temporary each step, which glibc takes from the system and the kernel zeroes anew, 0.4 GB of page faults
    for a 100,000-expert profile matrix."""
    counts = np.zeros(n_cols, dtype=np.int64)
    if indices.size < parallel_from:
        kernels.count_indices(indices, counts)
        return counts
    bounds = np.linspace(0, indices.size, THREADS + 1).astype(np.int64).tolist()
    parts = [counts, *(np.zeros(n_cols, dtype=np.int64) for _ in range(THREADS - 1))]

    def count(i: int) -> None:
        kernels.count_indices(indices[bounds[i] : bounds[i + 1]], parts[i])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(count, range(THREADS)))
    for part in parts[1:]:
        counts += part
    return counts
