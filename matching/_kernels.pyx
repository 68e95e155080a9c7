# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The compiled loops of `matching.kernels` (see there): Cython, built into a C++ extension at install (C++ for
the standard library's sort)."""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint64_t
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
    const float[::1] data,
    const int32_t[::1] posting_row,
    const int32_t[::1] q_cols,
    const float[::1] q_vals,
    float[::1] out,
):
    """out[indices[ii]] += data[ii] * q_vals[j] over the postings of each query column j in order (columns past
    `posting_row` or mapped to -1 skipped)."""
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
                out[indices[ii]] += data[ii] * w


def scatter_columns(
    const pointer_t[::1] indptr,
    const index_t[::1] indices,
    const float[::1] data,
    const int32_t[::1] target,
    int64_t first_row,
    int64_t end_row,
    int64_t[::1] bounds,
    int32_t[::1] out_indices,
    float[::1] out_data,
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


def count_pairs(
    const int64_t[::1] rows,
    const int64_t[::1] cols,
    int64_t[::1] indptr,
    int32_t[::1] out_indices,
    float[::1] out_counts,
):
    """How often each (row, column) pair occurs among (rows[i], cols[i]), as CSR rows: indptr (n_rows + 1
    entries, filled here) and each row's distinct columns in increasing order with their counts, in out_indices
    and out_counts (room for every pair). The pairs are first written out row by row (a counting sort by row,
    in order), then each row's columns are sorted on their own, a few hundred at a time in the processor's first
    cache, and counted run by run. Returns the number of distinct pairs, or -1 when out_indices is not the pairs'
    buffer of the right size (the caller checks rows and columns)."""
    cdef Py_ssize_t i, n = rows.shape[0], n_rows = indptr.shape[0] - 1
    cdef int64_t r, lo, hi, j, k, out = 0
    cdef int32_t c
    cdef int64_t* cursor
    if out_indices.shape[0] < n or out_counts.shape[0] < n or cols.shape[0] != n or n_rows < 0:
        return -1
    cursor = <int64_t*>malloc((n_rows + 1) * sizeof(int64_t))
    if cursor == NULL:
        raise MemoryError()
    with nogil:
        memset(&cursor[0], 0, (n_rows + 1) * sizeof(int64_t))
        for i in range(n):
            cursor[rows[i] + 1] += 1
        for r in range(n_rows):
            cursor[r + 1] += cursor[r]
        for r in range(n_rows + 1):
            indptr[r] = cursor[r]
        for i in range(n):
            r = rows[i]
            out_indices[cursor[r]] = <int32_t>cols[i]
            cursor[r] += 1
        lo = 0
        for r in range(n_rows):
            hi = indptr[r + 1]
            if hi - lo > 1:
                sort(&out_indices[0] + lo, &out_indices[0] + hi)
            indptr[r] = out
            j = lo
            while j < hi:
                c = out_indices[j]
                k = j + 1
                while k < hi and out_indices[k] == c:
                    k += 1
                out_indices[out] = c
                out_counts[out] = <float>(k - j)
                out += 1
                j = k
            lo = hi
        indptr[n_rows] = out
    free(cursor)
    return out
