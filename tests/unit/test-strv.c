/*
 * Unit tests for src/util/strv.c: owned copies, NULL termination after every push, the hard
 * cap on entries (-E2BIG, leaving the vector unchanged), and formatted pushes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/strv.h"

Test(strv, init_is_empty)
{
    struct sbx_strv s;
    memset(&s, 0xa5, sizeof(s));
    sbx__strv_init(&s, 5);
    cr_assert_null(s.v);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(s.max, 5);
    sbx__strv_done(&s);
}

Test(strv, push_copies_and_terminates)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 16);
    char word[] = "hello";
    cr_assert_eq(sbx__strv_push(&s, word), 0);
    word[0] = 'J'; /* the vector holds its own copy */
    cr_assert_eq(sbx__strv_push(&s, ""), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.v[0], "hello");
    cr_assert_str_eq(s.v[1], "");
    cr_assert_null(s.v[2]);
    cr_assert_neq(s.v[0], word);
    sbx__strv_done(&s);
    cr_assert_null(s.v);
    cr_assert_eq(s.n, 0);
}

Test(strv, null_terminated_after_every_push_across_growth)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 1000);
    for (int i = 0; i < 300; i++) {
        cr_assert_eq(sbx__strv_pushf(&s, "arg-%d", i), 0);
        cr_assert_eq(s.n, (size_t)i + 1);
        cr_assert_null(s.v[s.n], "not NULL-terminated after %d pushes", i + 1);
        cr_assert_geq(s.cap, s.n + 1);
    }
    char want[32];
    for (int i = 0; i < 300; i++) {
        snprintf(want, sizeof(want), "arg-%d", i);
        cr_assert_str_eq(s.v[i], want);
    }
    sbx__strv_done(&s);
}

Test(strv, max_cap_is_e2big_and_keeps_contents)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 3);
    cr_assert_eq(sbx__strv_push(&s, "a"), 0);
    cr_assert_eq(sbx__strv_push(&s, "b"), 0);
    cr_assert_eq(sbx__strv_pushf(&s, "%c", 'c'), 0);
    cr_assert_eq(sbx__strv_push(&s, "d"), -E2BIG);
    cr_assert_eq(sbx__strv_pushf(&s, "%s", "e"), -E2BIG);
    cr_assert_eq(s.n, 3);
    cr_assert_str_eq(s.v[2], "c");
    cr_assert_null(s.v[3]);
    sbx__strv_done(&s);
}

Test(strv, max_zero_refuses_first_push)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 0);
    cr_assert_eq(sbx__strv_push(&s, "a"), -E2BIG);
    cr_assert_eq(s.n, 0);
    sbx__strv_done(&s);
}

Test(strv, max_exactly_at_growth_boundary)
{
    /* The first allocation holds 8 slots (7 entries + NULL); max 8 needs exactly one growth. */
    struct sbx_strv s;
    sbx__strv_init(&s, 8);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(sbx__strv_pushf(&s, "%d", i), 0);
    cr_assert_eq(sbx__strv_push(&s, "x"), -E2BIG);
    cr_assert_null(s.v[8]);
    cr_assert_str_eq(s.v[7], "7");
    sbx__strv_done(&s);
}

Test(strv, pushf_formats_long_strings)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 4);
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cr_assert_eq(sbx__strv_pushf(&s, "K=%s|%d|%s", big, -7, "end"), 0);
    cr_assert_eq(strlen(s.v[0]), 2 + (sizeof(big) - 1) + 7);
    cr_assert_eq(strncmp(s.v[0], "K=xxx", 5), 0);
    cr_assert_str_eq(s.v[0] + 2 + sizeof(big) - 1, "|-7|end");
    cr_assert_null(s.v[1]);
    sbx__strv_done(&s);
}

Test(strv, done_on_never_used_and_twice)
{
    struct sbx_strv s;
    sbx__strv_init(&s, 2);
    sbx__strv_done(&s);
    sbx__strv_done(&s);
    cr_assert_null(s.v);
}
