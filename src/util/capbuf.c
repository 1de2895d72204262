/*
 * Capped head+tail buffer for untrusted output. Invariant: head_len <= head_cap,
 * tail_len <= tail_cap, and head_len + tail_len + dropped == total. The tail only starts to
 * fill once the head is full, so the head is always the true beginning of the stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/capbuf.h"

int sbx__capbuf_init(struct sbx_capbuf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->head_cap = cap / 2;
    b->tail_cap = cap - b->head_cap;
    if (b->head_cap) {
        b->head = malloc(b->head_cap);
        if (!b->head)
            return -ENOMEM;
    }
    if (b->tail_cap) {
        b->tail = malloc(b->tail_cap);
        if (!b->tail) {
            free(b->head);
            b->head = NULL;
            return -ENOMEM;
        }
    }
    return 0;
}

void sbx__capbuf_done(struct sbx_capbuf *b)
{
    free(b->head);
    free(b->tail);
    memset(b, 0, sizeof(*b));
}

static void tail_append(struct sbx_capbuf *b, const char *data, size_t len)
{
    if (!b->tail_cap)
        return;
    if (len >= b->tail_cap) { /* only the last tail_cap bytes can survive */
        memcpy(b->tail, data + len - b->tail_cap, b->tail_cap);
        b->tail_pos = 0;
        b->tail_len = b->tail_cap;
        return;
    }
    size_t first = MIN(len, b->tail_cap - b->tail_pos);
    memcpy(b->tail + b->tail_pos, data, first);
    memcpy(b->tail, data + first, len - first);
    b->tail_pos = (b->tail_pos + len) % b->tail_cap;
    b->tail_len = MIN(b->tail_len + len, b->tail_cap);
}

size_t sbx__capbuf_append(struct sbx_capbuf *b, const char *data, size_t len)
{
    size_t to_head = MIN(len, b->head_cap - b->head_len);
    if (to_head) {
        memcpy(b->head + b->head_len, data, to_head);
        b->head_len += to_head;
    }
    if (len > to_head)
        tail_append(b, data + to_head, len - to_head);
    b->total += len;
    return to_head;
}

uint64_t sbx__capbuf_dropped(const struct sbx_capbuf *b)
{
    return b->total - b->head_len - b->tail_len;
}

int sbx__capbuf_flatten(const struct sbx_capbuf *b, char **ret, size_t *ret_len,
                        size_t *ret_head_len)
{
    size_t len = b->head_len + b->tail_len;
    char *out = malloc(len + 1);
    if (!out)
        return -ENOMEM;
    if (b->head_len)
        memcpy(out, b->head, b->head_len);
    /* The ring's oldest byte is at tail_pos once it has wrapped, else at 0. */
    size_t start = b->tail_len == b->tail_cap ? b->tail_pos : 0;
    size_t first = MIN(b->tail_len, b->tail_cap - start);
    if (first)
        memcpy(out + b->head_len, b->tail + start, first);
    if (b->tail_len > first)
        memcpy(out + b->head_len + first, b->tail, b->tail_len - first);
    out[len] = '\0';
    *ret = out;
    *ret_len = len;
    *ret_head_len = b->head_len;
    return 0;
}
