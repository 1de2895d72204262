/*
 * A capped output buffer: keeps the first `cap/2` bytes (head) and the last `cap - cap/2`
 * bytes (tail, a ring) of a stream of any length, and counts everything. Memory is bounded by
 * `cap` from birth, whatever the writer does.
 */
#ifndef SBX_UTIL_CAPBUF_H
#define SBX_UTIL_CAPBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

struct sbx_capbuf {
    char *head;
    size_t head_cap, head_len;
    char *tail;                          /* ring */
    size_t tail_cap, tail_len, tail_pos; /* tail_pos: where the next byte goes */
    uint64_t total;
};

/* 0 or -ENOMEM. cap 0 keeps nothing but still counts. */
SBX_INTERNAL int sbx__capbuf_init(struct sbx_capbuf *b, size_t cap);
SBX_INTERNAL void sbx__capbuf_done(struct sbx_capbuf *b);

/* Append; returns how many of the first bytes of `data` went to the head (the caller may
 * forward exactly those live). */
SBX_INTERNAL size_t sbx__capbuf_append(struct sbx_capbuf *b, const char *data, size_t len);

/* Bytes dropped so far (neither in head nor in tail). */
SBX_INTERNAL uint64_t sbx__capbuf_dropped(const struct sbx_capbuf *b);

/* Copy head then tail (in order) into a new NUL-terminated buffer; 0 or -ENOMEM. */
SBX_INTERNAL int sbx__capbuf_flatten(const struct sbx_capbuf *b, char **ret, size_t *ret_len,
                                     size_t *ret_head_len);

#endif
