/* String vectors for argv and envp. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

void sbx__strv_init(struct sbx_strv *s, size_t max)
{
    memset(s, 0, sizeof(*s));
    s->max = max;
}

static int take(struct sbx_strv *s, char *copy)
{
    if (!copy)
        return -ENOMEM;
    if (s->n >= s->max) {
        free(copy);
        return -E2BIG;
    }
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->v, cap * sizeof(*v));
        if (!v) {
            free(copy);
            return -ENOMEM;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = copy;
    s->v[s->n] = NULL;
    return 0;
}

int sbx__strv_push(struct sbx_strv *s, const char *str)
{
    return take(s, strdup(str));
}

int sbx__strv_pushf(struct sbx_strv *s, const char *fmt, ...)
{
    char *copy = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&copy, fmt, ap);
    va_end(ap);
    return take(s, n < 0 ? NULL : copy);
}

void sbx__strv_done(struct sbx_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}
