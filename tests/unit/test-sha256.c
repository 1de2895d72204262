/* SHA-256 against the FIPS 180-4 / NIST test vectors, including a million 'a's fed unevenly. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/sha256.h"

static void check(const char *msg, size_t len, const char *want)
{
    struct sbx_sha256 s;
    char hex[65];
    sbx__sha256_init(&s);
    sbx__sha256_update(&s, msg, len);
    sbx__sha256_hex(&s, hex);
    cr_assert_str_eq(hex, want);
}

Test(sha256, nist_vectors)
{
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, million_a_in_uneven_pieces)
{
    static char a[1000000];
    memset(a, 'a', sizeof(a));
    struct sbx_sha256 s;
    char hex[65];
    sbx__sha256_init(&s);
    size_t done = 0, step = 1;
    while (done < sizeof(a)) {
        size_t n = step < sizeof(a) - done ? step : sizeof(a) - done;
        sbx__sha256_update(&s, a + done, n);
        done += n;
        step = step * 7 % 1000 + 1;
    }
    sbx__sha256_hex(&s, hex);
    cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
