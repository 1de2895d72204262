/*
 * Unit tests for src/util/capbuf.c: the head keeps the first cap/2 bytes, the tail ring the
 * last cap - cap/2 bytes after the head, and head + tail + dropped == total at every step.
 * The randomized tests compare against a reference computed from the whole stream.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/capbuf.h"

/* xorshift64*: deterministic, so a failure names a seed that reproduces it. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void fill_random(char *buf, size_t len, uint64_t seed)
{
    uint64_t s = seed ? seed : 1;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)(rng_next(&s) >> 56);
}

/* Check the buffer's state against the first `total` bytes of `stream`. */
static void check_against_reference(const struct sbx_capbuf *b, const char *stream, size_t total,
                                    size_t cap, const char *what)
{
    size_t head_cap = cap / 2, tail_cap = cap - cap / 2;
    size_t exp_head = total < head_cap ? total : head_cap;
    size_t rest = total - exp_head;
    size_t exp_tail = rest < tail_cap ? rest : tail_cap;

    cr_assert_eq(b->total, (uint64_t)total, "%s: total", what);
    cr_assert_eq(sbx__capbuf_dropped(b), (uint64_t)(total - exp_head - exp_tail), "%s: dropped",
                 what);

    char *flat = NULL;
    size_t len = 0, head_len = 0;
    cr_assert_eq(sbx__capbuf_flatten(b, &flat, &len, &head_len), 0, "%s: flatten", what);
    cr_assert_eq(head_len, exp_head, "%s: head_len %zu, want %zu", what, head_len, exp_head);
    cr_assert_eq(len, exp_head + exp_tail, "%s: len %zu, want %zu", what, len, exp_head + exp_tail);
    cr_assert_eq(flat[len], '\0', "%s: not NUL-terminated", what);
    cr_assert_eq(memcmp(flat, stream, exp_head), 0, "%s: head differs", what);
    cr_assert_eq(memcmp(flat + exp_head, stream + total - exp_tail, exp_tail), 0,
                 "%s: tail differs", what);
    free(flat);
}

/* Feed `total` random bytes in chunks of `chunk` (0: random sizes up to 3 * cap + 2). */
static void run_stream(size_t cap, size_t chunk, size_t total, uint64_t seed)
{
    char what[96];
    snprintf(what, sizeof(what), "cap %zu chunk %zu total %zu seed %llu", cap, chunk, total,
             (unsigned long long)seed);
    char *stream = malloc(total + 1);
    cr_assert_not_null(stream);
    fill_random(stream, total, seed);

    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, cap), 0, "%s: init", what);
    uint64_t s = seed ^ 0x9e3779b97f4a7c15ull;
    size_t off = 0;
    while (off < total) {
        size_t n = chunk ? chunk : (size_t)(rng_next(&s) % (3 * cap + 3));
        if (n > total - off)
            n = total - off;
        size_t head_room = b.head_cap - b.head_len;
        size_t to_head = sbx__capbuf_append(&b, stream + off, n);
        cr_assert_eq(to_head, n < head_room ? n : head_room, "%s: append at %zu returned %zu", what,
                     off, to_head);
        off += n;
        check_against_reference(&b, stream, off, cap, what);
    }
    sbx__capbuf_done(&b);
    free(stream);
}

Test(capbuf, empty_buffer_flattens_to_empty_string)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 64), 0);
    char *flat = NULL;
    size_t len = 99, head_len = 99;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_eq(len, 0);
    cr_assert_eq(head_len, 0);
    cr_assert_str_eq(flat, "");
    cr_assert_eq(sbx__capbuf_dropped(&b), 0);
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, splits_cap_into_head_and_tail)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 11), 0);
    cr_assert_eq(b.head_cap, 5);
    cr_assert_eq(b.tail_cap, 6);
    sbx__capbuf_done(&b);
}

Test(capbuf, under_cap_keeps_everything_in_head)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 10), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "abc", 3), 3);
    cr_assert_eq(sbx__capbuf_append(&b, "de", 2), 2);
    char *flat;
    size_t len, head_len;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_str_eq(flat, "abcde");
    cr_assert_eq(head_len, 5);
    cr_assert_eq(b.total, 5);
    cr_assert_eq(sbx__capbuf_dropped(&b), 0);
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, head_then_tail_with_exact_dropped_count)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 8), 0); /* head 4, tail 4 */
    const char *s = "0123456789abcdefXYZ";
    /* "0123" to the head; the append reports that only 4 bytes went there. */
    cr_assert_eq(sbx__capbuf_append(&b, s, strlen(s)), 4);
    char *flat;
    size_t len, head_len;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_str_eq(flat, "0123fXYZ");
    cr_assert_eq(len, 8);
    cr_assert_eq(head_len, 4);
    cr_assert_eq(b.total, 19);
    cr_assert_eq(sbx__capbuf_dropped(&b), 11);
    free(flat);
    /* Once the head is full, appends report 0 bytes to the head. */
    cr_assert_eq(sbx__capbuf_append(&b, "!", 1), 0);
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_str_eq(flat, "0123XYZ!");
    cr_assert_eq(sbx__capbuf_dropped(&b), 12);
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, byte_by_byte_wraps_ring_in_order)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 6), 0); /* head 3, tail 3 */
    const char *s = "abcdefghijklmnop";
    for (size_t i = 0; s[i]; i++)
        sbx__capbuf_append(&b, s + i, 1);
    char *flat;
    size_t len, head_len;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_str_eq(flat, "abcnop");
    cr_assert_eq(sbx__capbuf_dropped(&b), 10);
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, cap_zero_keeps_nothing_but_counts)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 0), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "hello", 5), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "", 0), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "world!", 6), 0);
    cr_assert_eq(b.total, 11);
    cr_assert_eq(sbx__capbuf_dropped(&b), 11);
    char *flat;
    size_t len = 1, head_len = 1;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_eq(len, 0);
    cr_assert_eq(head_len, 0);
    cr_assert_str_eq(flat, "");
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, cap_one_keeps_only_the_last_byte)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 1), 0); /* head 0, tail 1 */
    cr_assert_eq(sbx__capbuf_append(&b, "abc", 3), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "d", 1), 0);
    char *flat;
    size_t len, head_len;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_str_eq(flat, "d");
    cr_assert_eq(head_len, 0);
    cr_assert_eq(b.total, 4);
    cr_assert_eq(sbx__capbuf_dropped(&b), 3);
    free(flat);
    sbx__capbuf_done(&b);
}

Test(capbuf, zero_length_append_changes_nothing)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 4), 0);
    cr_assert_eq(sbx__capbuf_append(&b, "", 0), 0);
    cr_assert_eq(sbx__capbuf_append(&b, NULL, 0), 0);
    cr_assert_eq(b.total, 0);
    cr_assert_eq(b.head_len + b.tail_len, 0);
    sbx__capbuf_done(&b);
}

Test(capbuf, huge_single_append)
{
    size_t total = 64u * 1024 * 1024 + 17;
    char *big = malloc(total);
    cr_assert_not_null(big);
    fill_random(big, total, 42);
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 1000), 0);
    cr_assert_eq(sbx__capbuf_append(&b, big, total), 500);
    check_against_reference(&b, big, total, 1000, "huge");
    cr_assert_eq(sbx__capbuf_dropped(&b), total - 1000);
    /* A second huge append after the ring was filled at an odd position. */
    sbx__capbuf_done(&b);
    cr_assert_eq(sbx__capbuf_init(&b, 7), 0);
    sbx__capbuf_append(&b, big, 5);
    sbx__capbuf_append(&b, big + 5, total - 5);
    check_against_reference(&b, big, total, 7, "huge after small");
    sbx__capbuf_done(&b);
    free(big);
}

Test(capbuf, done_twice_is_harmless)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 16), 0);
    sbx__capbuf_append(&b, "data", 4);
    sbx__capbuf_done(&b);
    sbx__capbuf_done(&b);
    cr_assert_null(b.head);
    cr_assert_null(b.tail);
}

Test(capbuf, fixed_chunk_sizes_match_reference)
{
    static const size_t caps[] = {1, 2, 3, 4, 5, 7, 8, 16, 31, 64, 100, 257};
    static const size_t chunks[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 32, 33, 64, 100, 255, 1000};
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
        for (size_t j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++)
            run_stream(caps[i], chunks[j], 5 * caps[i] + 3 * chunks[j] + 11, i * 131 + j + 1);
}

Test(capbuf, random_chunk_sizes_match_reference)
{
    for (uint64_t seed = 1; seed <= 400; seed++) {
        uint64_t s = seed;
        size_t cap = (size_t)(rng_next(&s) % 300);
        size_t total = (size_t)(rng_next(&s) % 4000);
        run_stream(cap, 0, total, seed);
    }
}

Test(capbuf, flatten_keeps_nul_bytes)
{
    struct sbx_capbuf b;
    cr_assert_eq(sbx__capbuf_init(&b, 6), 0);
    sbx__capbuf_append(&b, "a\0b\0c\0d\0e", 9);
    char *flat;
    size_t len, head_len;
    cr_assert_eq(sbx__capbuf_flatten(&b, &flat, &len, &head_len), 0);
    cr_assert_eq(len, 6);
    cr_assert_eq(memcmp(flat, "a\0bd\0e", 6), 0);
    free(flat);
    sbx__capbuf_done(&b);
}
