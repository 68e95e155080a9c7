# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The compiled loops of `matching.kernels` (see there): Cython, built into a C++ extension at install (C++ for
the standard library's sort)."""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset
from libcpp.algorithm cimport sort

ctypedef fused pointer_t:
    int32_t
    int64_t

ctypedef fused index_t:
    int32_t
    int64_t

ctypedef fused value_t:  # float32 weights, or float16 bit patterns (a half store's)
    float
    uint16_t

cdef enum:
    FILTER_BITS = 16  # a 65,536-bit filter (8 KB): a row's entries outside the query mostly stop at one bit
cdef uint64_t GOLDEN = 11400714819323198485ULL  # 2**64 / golden ratio: Fibonacci hashing takes the high bits


cdef struct QueryTable:
    uint8_t* filter      # 1 << (FILTER_BITS - 3) bytes
    int64_t* keys        # -1: empty
    float* values
    int bits             # the table holds 1 << bits slots


cdef inline int64_t _hash(int64_t c, int bits) noexcept nogil:
    return <int64_t>((<uint64_t>c * GOLDEN) >> (64 - bits))


cdef int _table_fill(QueryTable* t, const int32_t[::1] cols, const float[::1] vals) noexcept nogil:
    """The query's columns as a bit filter and an open-addressing table (linear probing) of a power-of-two size
    at least twice the columns. A column given twice keeps its last value, as a dense table filled by
    `table[cols] = vals` would. Returns -1 when memory runs out."""
    cdef Py_ssize_t j, n = cols.shape[0]
    cdef int64_t c, h, mask, size
    cdef int f
    t.bits = 4
    while (<int64_t>1 << t.bits) < 2 * n:
        t.bits += 1
    size = <int64_t>1 << t.bits
    mask = size - 1
    t.filter = <uint8_t*>malloc(1 << (FILTER_BITS - 3))
    t.keys = <int64_t*>malloc(size * sizeof(int64_t))
    t.values = <float*>malloc(size * sizeof(float))
    if t.filter == NULL or t.keys == NULL or t.values == NULL:
        return -1
    memset(t.filter, 0, 1 << (FILTER_BITS - 3))
    memset(t.keys, 0xFF, size * sizeof(int64_t))  # every byte 0xFF: -1
    for j in range(n):
        c = cols[j]
        f = <int>_hash(c, FILTER_BITS)
        t.filter[f >> 3] |= <uint8_t>(1 << (f & 7))
        h = _hash(c, t.bits)
        while t.keys[h] != -1 and t.keys[h] != c:
            h = (h + 1) & mask
        t.keys[h] = c
        t.values[h] = vals[j]
    return 0


cdef inline void _table_free(QueryTable* t) noexcept nogil:
    free(t.filter)
    free(t.keys)
    free(t.values)


cdef inline bint _lookup(const QueryTable* t, int64_t c, float* w) noexcept nogil:
    """Column c's query value into w (True), or False when the query does not hold c."""
    cdef int64_t mask = (<int64_t>1 << t.bits) - 1
    cdef int64_t h = _hash(c, t.bits)
    cdef int64_t k
    while True:
        k = t.keys[h]
        if k == c:
            w[0] = t.values[h]
            return True
        if k == -1:
            return False
        h = (h + 1) & mask


cdef QueryTable _table(const int32_t[::1] cols, const float[::1] vals):
    cdef QueryTable t
    t.filter = NULL
    t.keys = NULL
    t.values = NULL
    if _table_fill(&t, cols, vals) != 0:
        _table_free(&t)
        raise MemoryError()
    return t


cdef inline float _value(const value_t[::1] data, Py_ssize_t jj, const float[::1] decode) noexcept nogil:
    """An entry's float32 value: float32 data as they are, float16 bit patterns read through `decode`."""
    if value_t is uint16_t:
        return decode[data[jj]]
    else:
        return data[jj]


cdef enum:
    PASS_BLOCK = 64  # entries whose filter bits are read before any of them is looked up
    LOOKAHEAD = 2  # the rows of the candidate this many places ahead are fetched while one is scored
    LIST_START = 256  # entries of a posting list fetched ahead


cdef extern from *:
    """
    static inline void zhiqiao_prefetch(const void* start, Py_ssize_t nbytes) {
        const char* p = (const char*)start;
        for (Py_ssize_t i = 0; i < nbytes; i += 64) __builtin_prefetch(p + i, 0, 1);
    }
    """
    void zhiqiao_prefetch(const void* start, Py_ssize_t nbytes) noexcept nogil


cdef inline void _fetch(const index_t[::1] indices, const value_t[::1] data, int64_t lo, int64_t hi) noexcept nogil:
    """Ask the processor to bring entries lo .. hi - 1 (their columns and values) into its caches, while it works
    on others: the rows (or posting lists) a query reads lie far apart in a large matrix, and each would
    otherwise be read at the memory's pace, a cache miss at a time, once its turn came."""
    if hi > lo:
        zhiqiao_prefetch(&indices[lo], (hi - lo) * sizeof(indices[0]))
        zhiqiao_prefetch(&data[lo], (hi - lo) * sizeof(data[0]))


cdef inline void _fetch_range(
    const pointer_t[::1] indptr, const index_t[::1] indices, const value_t[::1] data, int64_t first, int64_t count
) noexcept nogil:
    """`_fetch` of rows first .. first + count - 1 (none when count is 0: an empty range may start anywhere, -1
    for an owner with no text stored)."""
    if count > 0:
        _fetch(indices, data, indptr[first], indptr[first + count])


cdef inline float _row_dot(
    const pointer_t[::1] indptr,
    const index_t[::1] indices,
    const value_t[::1] data,
    int64_t r,
    const QueryTable* t,
    const float[::1] decode,
) noexcept nogil:
    """The row's entries go through the filter `PASS_BLOCK` at a time without a branch (each entry's position is
    written, and the count moves on only where its bit is set); only those that pass are looked up in the
    table, in stored order, so the sum is the same as a lookup of every entry in turn."""
    cdef float total = 0.0
    cdef float w
    cdef Py_ssize_t jj, start, stop, end = indptr[r + 1]
    cdef Py_ssize_t passed[PASS_BLOCK]
    cdef int n, m, f
    start = indptr[r]
    while start < end:
        stop = start + PASS_BLOCK if end - start > PASS_BLOCK else end
        n = 0
        for jj in range(start, stop):
            f = <int>_hash(indices[jj], FILTER_BITS)
            passed[n] = jj
            n += (t.filter[f >> 3] >> (f & 7)) & 1
        for m in range(n):
            jj = passed[m]
            if _lookup(t, indices[jj], &w):
                total += _value(data, jj, decode) * w
        start = stop
    return total


def range_best(
    const pointer_t[::1] indptr,
    const index_t[::1] indices,
    const value_t[::1] data,
    const int64_t[::1] first,
    const int64_t[::1] counts,
    const int32_t[::1] q_cols,
    const float[::1] q_vals,
    const float[::1] decode,
    float[::1] out,
):
    """out[i] = the largest dot product of the query with rows first[i] .. first[i] + counts[i] - 1 (0 where
    counts[i] is 0)."""
    cdef QueryTable t = _table(q_cols, q_vals)
    cdef Py_ssize_t i, ahead, n = first.shape[0]
    cdef int64_t r
    cdef float total, best
    with nogil:
        # range i's rows are asked for while range i - LOOKAHEAD is scored (the first ones before any is)
        for ahead in range(min(LOOKAHEAD, n)):
            _fetch_range(indptr, indices, data, first[ahead], counts[ahead])
        for i in range(n):
            ahead = i + LOOKAHEAD
            if ahead < n:
                _fetch_range(indptr, indices, data, first[ahead], counts[ahead])
            best = 0.0
            for r in range(first[i], first[i] + counts[i]):
                total = _row_dot(indptr, indices, data, r, &t, decode)
                if r == first[i] or total > best:
                    best = total
            out[i] = best
        _table_free(&t)


cdef inline int64_t _posting_list(const int32_t[::1] posting_row, int64_t c) noexcept nogil:
    """The posting list of query column c, -1 for none (a column past `posting_row`, or one left out)."""
    return posting_row[c] if c < posting_row.shape[0] else -1


def posting_sums(
    const pointer_t[::1] indptr,
    const index_t[::1] indices,
    const value_t[::1] data,
    const int32_t[::1] posting_row,
    const int32_t[::1] q_cols,
    const float[::1] q_vals,
    const float[::1] decode,
    float[::1] out,
):
    """out[indices[ii]] += data[ii] * q_vals[j] over the postings of each query column j in order (columns past
    `posting_row` or mapped to -1 skipped); float16 bit patterns are read through `decode`."""
    cdef Py_ssize_t j, ii, n = q_cols.shape[0]
    cdef int64_t p, lo
    cdef float w
    with nogil:
        for j in range(n):
            if j + LOOKAHEAD < n:  # the start of a list to come (the processor streams the rest)
                p = _posting_list(posting_row, q_cols[j + LOOKAHEAD])
                if p >= 0:
                    lo = indptr[p]
                    _fetch(indices, data, lo, min(indptr[p + 1], lo + LIST_START))
            p = _posting_list(posting_row, q_cols[j])
            if p < 0:
                continue
            w = q_vals[j]
            for ii in range(indptr[p], indptr[p + 1]):
                out[indices[ii]] += _value(data, ii, decode) * w


def scatter_columns(
    const pointer_t[::1] indptr,
    const index_t[::1] indices,
    const value_t[::1] data,
    const int32_t[::1] target,
    int64_t first_row,
    int64_t end_row,
    int64_t[::1] bounds,
    int32_t[::1] out_indices,
    value_t[::1] out_data,
):
    """Rows first_row .. end_row - 1 written out by column: entry jj of row r goes to position bounds[2k] of the
    output (then advanced), k = target[indices[jj]], as (r, data[jj]); k = -1 leaves the entry out. A position
    must stay below bounds[2k + 1]: the loop stops at one that would not and returns -1 (0 when every entry went
    in)."""
    cdef int64_t r, k, c
    cdef Py_ssize_t jj
    cdef int status = 0
    with nogil:
        for r in range(first_row, end_row):
            for jj in range(indptr[r], indptr[r + 1]):
                k = target[indices[jj]]
                if k < 0:
                    continue
                c = bounds[2 * k]
                if c >= bounds[2 * k + 1]:
                    status = -1
                    break
                out_indices[c] = <int32_t>r
                out_data[c] = data[jj]
                bounds[2 * k] = c + 1
            if status:
                break
    return status


def count_indices(const index_t[::1] indices, int64_t[::1] out):
    """out[c] += 1 for each c in `indices`, in place (no temporary). Returns -1, with the counts of the indices
    before it added, at the first index outside out's range, 0 when every index was counted."""
    cdef Py_ssize_t j, n = indices.shape[0]
    cdef int64_t c, size = out.shape[0]
    cdef int status = 0
    with nogil:
        for j in range(n):
            c = indices[j]
            if c < 0 or c >= size:
                status = -1
                break
            out[c] += 1
    return status


cdef inline int64_t _runs(int32_t* cols, int64_t n, int32_t* out_indices, float* out_counts) noexcept nogil:
    """Sort cols[0 .. n - 1] and write each distinct column once, with how often it occurs, to out_indices and
    out_counts (which may be cols itself: a run is read before its place is written). Returns how many."""
    cdef int64_t j = 0, k, out = 0
    cdef int32_t c
    if n > 1:
        sort(cols, cols + n)
    while j < n:
        c = cols[j]
        k = j + 1
        while k < n and cols[k] == c:
            k += 1
        out_indices[out] = c
        out_counts[out] = <float>(k - j)
        out += 1
        j = k
    return out


def count_terms(
    const int64_t[::1] word_rows,
    const int64_t[::1] word_cols,
    const uint32_t[::1] points,
    uint32_t separator,
    uint32_t cjk_first,
    uint32_t cjk_last,
    int64_t bigram_base,
    int bigram_bits,
    int64_t[::1] indptr,
    int32_t[::1] out_indices,
    float[::1] out_counts,
):
    """The term counts of a block of owners as CSR rows: indptr (n_rows + 1 entries, filled here), and each
    row's distinct columns in increasing order with their counts (out_indices, out_counts: room for every
    term). Owner r's terms are its words (word_cols[i] where word_rows[i] == r; word_rows non-decreasing) and
    the CJK characters and adjacent pairs of its run of `points` (the block's code points, owners separated by
    `separator`): a character c counts in column c - cjk_first, a pair (a, b) in bigram_base + the high
    `bigram_bits` bits of ((a << 20) ^ b) times 2**64 / golden ratio. A row's terms are written where its counts
    go, sorted there (a few hundred, in the first-level cache) and counted run by run. Returns the number of
    distinct (row, column) pairs, or -1 when the points hold another number of owners than indptr has rows, a
    word's row is out of order or past the last, or the output has no room."""
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1, n_words = word_rows.shape[0], n_points = points.shape[0]
    cdef Py_ssize_t room = out_indices.shape[0]
    cdef int64_t r = 0, w = 0, p = 0, out = 0, start, separators = 0
    cdef uint32_t cp, previous
    cdef bint cjk, previous_cjk
    if n_rows < 1 or out_counts.shape[0] < room or word_cols.shape[0] != n_words:
        return -1
    if room < n_words + 2 * n_points:
        return -1
    with nogil:
        while r < n_rows:
            indptr[r] = out
            start = out
            while w < n_words and word_rows[w] == r:
                out_indices[out] = <int32_t>word_cols[w]
                out += 1
                w += 1
            previous_cjk = False
            previous = 0
            while p < n_points and points[p] != separator:
                cp = points[p]
                cjk = cjk_first <= cp <= cjk_last
                if cjk:
                    out_indices[out] = <int32_t>(cp - cjk_first)
                    out += 1
                    if previous_cjk:
                        out_indices[out] = <int32_t>(bigram_base + <int64_t>(
                            ((((<uint64_t>previous) << 20) ^ <uint64_t>cp) * GOLDEN) >> (64 - bigram_bits)))
                        out += 1
                previous_cjk = cjk
                previous = cp
                p += 1
            out = start + _runs(&out_indices[0] + start, out - start, &out_indices[0] + start, &out_counts[0] + start)
            r += 1
            if p < n_points:  # at a separator: the next owner's points follow
                p += 1
                separators += 1
                if r == n_rows:
                    break
        indptr[n_rows] = out
    if separators != n_rows - 1 or w < n_words:  # owners the points and words do not match
        return -1
    return out


# ---------------------------------------------------------------------------------------------- kept arenas
# Python's small-object allocator takes memory from the system in arenas (1 MiB blocks, `mmap`) and gives an arena
# back as soon as it is empty. A process that makes and drops many small objects in waves (an analysis worker: a
# chunk's word lists, then the next chunk's) thus maps fresh arenas for every wave, and the kernel must zero their
# pages each time. `keep_freed_arenas` puts a small stack in front of the system's arena allocator: an arena that
# becomes empty is kept (up to a limit) and handed out again, pages and all.
cdef extern from "Python.h":
    ctypedef struct PyObjectArenaAllocator:
        void* ctx
        void* (*alloc)(void* ctx, size_t size) noexcept nogil
        void (*free)(void* ctx, void* ptr, size_t size) noexcept nogil
    void PyObject_GetArenaAllocator(PyObjectArenaAllocator* allocator)
    void PyObject_SetArenaAllocator(PyObjectArenaAllocator* allocator)

cdef PyObjectArenaAllocator _system_arenas
cdef void** _kept_arenas = NULL
cdef size_t _kept_size = 0  # every arena has one size; a block of another is never kept
cdef Py_ssize_t _n_kept = 0
cdef Py_ssize_t _max_kept = 0


cdef void* _arena_alloc(void* ctx, size_t size) noexcept nogil:
    global _n_kept
    if _n_kept > 0 and size == _kept_size:
        _n_kept -= 1
        return _kept_arenas[_n_kept]
    return _system_arenas.alloc(_system_arenas.ctx, size)


cdef void _arena_free(void* ctx, void* ptr, size_t size) noexcept nogil:
    global _n_kept, _kept_size
    if _n_kept < _max_kept and (_n_kept == 0 or size == _kept_size):
        _kept_size = size
        _kept_arenas[_n_kept] = ptr
        _n_kept += 1
        return
    _system_arenas.free(_system_arenas.ctx, ptr, size)


def keep_freed_arenas(Py_ssize_t limit):
    """From now on this process keeps up to `limit` emptied arenas for reuse instead of unmapping them (once per
    process; later calls change nothing). The arenas kept were in use just before, so the process never holds
    more arena memory than it used at its peak."""
    global _kept_arenas, _max_kept
    cdef PyObjectArenaAllocator mine
    if _kept_arenas != NULL or limit <= 0:
        return
    _kept_arenas = <void**>malloc(limit * sizeof(void*))
    if _kept_arenas == NULL:
        raise MemoryError()
    _max_kept = limit
    PyObject_GetArenaAllocator(&_system_arenas)
    mine.ctx = NULL
    mine.alloc = _arena_alloc
    mine.free = _arena_free
    PyObject_SetArenaAllocator(&mine)


def kept_arenas():
    """How many emptied arenas this process keeps for reuse now (0 until `keep_freed_arenas`)."""
    return _n_kept
