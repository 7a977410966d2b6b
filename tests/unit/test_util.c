/* Unit tests for util.c: the loopback check and the escaping of server
 * text for a terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util.h"

static void test_loopback_accepted(void **state)
{
    (void)state;
    const char *ok[] = {"localhost", "LocalHost", "::1", "[::1]", "127.0.0.1", "127.255.255.254",
                        "127.1.2.3", NULL};
    for (int i = 0; ok[i]; i++)
        if (!host_is_loopback(ok[i]))
            fail_msg("'%s' should be loopback", ok[i]);
}

static void test_loopback_refused(void **state)
{
    (void)state;
    /* octal, hex and short forms name other addresses to a resolver:
     * 0127.0.0.1 is 87.0.0.1 */
    const char *bad[] = {"0127.0.0.1", "127.0.0.01", "0x7f.0.0.1", "127.1", "127.0.1", "2130706433",
                         "127.0.0.1.", "127.0.0.256", "127.0.0.1 ", " 127.0.0.1", "+127.0.0.1",
                         "127.0.0.1x", "128.0.0.1", "127..0.1", "1270.0.0.1", "localhost.evil.com",
                         "", "::2", NULL};
    for (int i = 0; bad[i]; i++)
        if (host_is_loopback(bad[i]))
            fail_msg("'%s' should not be loopback", bad[i]);
}

static void test_printable_escapes_controls(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(str_printable(out, sizeof out, "plain text, 100%"), "plain text, 100%");
    assert_string_equal(str_printable(out, sizeof out, "\x1b[2J\x1b]0;owned\x07"),
                        "\\x1b[2J\\x1b]0;owned\\x07");
    assert_string_equal(str_printable(out, sizeof out, "a\rb\nc\td\x7f"), "a\\x0db\\x0ac\\x09d\\x7f");
    /* UTF-8 stays, but a C1 control (U+009B, CSI) and stray bytes do not */
    assert_string_equal(str_printable(out, sizeof out, "caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(str_printable(out, sizeof out, "\xc2\x9b" "31m"), "\\xc2\\x9b31m");
    assert_string_equal(str_printable(out, sizeof out, "\x9b\xff"), "\\x9b\\xff");
    assert_string_equal(str_printable(out, sizeof out, NULL), "");
}

static void test_printable_cuts_to_fit(void **state)
{
    (void)state;
    char out[12];
    assert_string_equal(str_printable(out, sizeof out, "abcdefghijklmnop"), "abcdefgh...");
    assert_string_equal(str_printable(out, sizeof out, "\x1b\x1b\x1b"), "\\x1b\\x1b...");
    char big[4 * 5 + 1];
    assert_string_equal(str_printable(big, sizeof big, "\x01\x02\x03\x04\x05"),
                        "\\x01\\x02\\x03\\x04\\x05");
}

/* The map against a plain array of what it should hold: random keys, keys
 * that share their low bits (one long cluster, wrapping around the end),
 * deletes in the middle of clusters, growth. */
static void test_hmap_matches_a_reference(void **state)
{
    (void)state;
    enum { N = 3000 };
    static uint64_t keys[N];
    static int present[N];
    static unsigned vals[N];
    struct hmap m;
    hmap_init(&m, sizeof(unsigned));
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        /* one key in four lands in the same home slots */
        keys[i] = i % 4 ? x : (x << 20) | 0xffff;
    }
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            if ((i + round) % 3 == 0 && present[i]) {
                hmap_del(&m, keys[i]);
                present[i] = 0;
            } else if ((i * 7 + round) % 5 != 0) {
                int added;
                unsigned *v = hmap_put(&m, keys[i], &added);
                assert_int_equal(added, !present[i]);
                if (!added)
                    assert_int_equal(*v, vals[i]);
                else
                    assert_int_equal(*v, 0);
                *v = vals[i] = (unsigned)(i * 31 + round);
                present[i] = 1;
            }
        }
        size_t count = 0;
        for (int i = 0; i < N; i++) {
            unsigned *v = hmap_get(&m, keys[i]);
            if (present[i]) {
                assert_non_null(v);
                assert_int_equal(*v, vals[i]);
                count++;
            } else {
                assert_null(v);
            }
        }
        assert_int_equal(m.n, count);
        size_t pos = 0, walked = 0;
        uint64_t k;
        while (hmap_next(&m, &pos, &k))
            walked++;
        assert_int_equal(walked, count);
    }
    /* key 0 is a key like any other */
    *(unsigned *)hmap_put(&m, 0, NULL) = 7;
    assert_int_equal(*(unsigned *)hmap_get(&m, 0), 7);
    hmap_del(&m, 0);
    assert_null(hmap_get(&m, 0));
    hmap_free(&m);
}

/* A hash that makes every key collide: the map must still tell them apart. */
static uint64_t one_hash(const void *p, size_t n)
{
    (void)p;
    (void)n;
    return 42;
}

/* Two keys of the same low bits: one home slot, two hashes. */
static uint64_t home_hash(const void *p, size_t n)
{
    return hash64(p, n) << 12;
}

/* A keyed map compares the key bytes: two distinct keys forced to one hash
 * are two entries (a permission the file names never stands for another),
 * whatever the order of puts, gets and deletes; the store of deleted keys
 * is reclaimed. Checked against a reference with every key colliding, and
 * with keys that share their home slot only. */
static void test_hmap_keys_kept_apart_on_collision(void **state)
{
    (void)state;
    struct hmap m;
    hmap_init_keys(&m, sizeof(int));
    m.hash = one_hash;
    int added;
    const char *a = "r\x1f" "acme\x1f" "api\x1f" "g\x1f" "developers";
    const char *b = "r\x1f" "acme\x1f" "api\x1f" "g\x1f" "contractors";
    *(int *)hmap_kput(&m, a, strlen(a), &added) = 1;
    assert_int_equal(added, 1);
    assert_null(hmap_kget(&m, b, strlen(b)));
    *(int *)hmap_kput(&m, b, strlen(b), &added) = 2;
    assert_int_equal(added, 1);
    assert_int_equal(m.n, 2);
    assert_int_equal(*(int *)hmap_kget(&m, a, strlen(a)), 1);
    assert_int_equal(*(int *)hmap_kget(&m, b, strlen(b)), 2);
    /* a prefix, the empty key, and a key with a NUL byte are keys too */
    assert_null(hmap_kget(&m, a, strlen(a) - 1));
    *(int *)hmap_kput(&m, "", 0, &added) = 3;
    assert_int_equal(added, 1);
    *(int *)hmap_kput(&m, "x\0y", 3, &added) = 4;
    assert_int_equal(added, 1);
    assert_null(hmap_kget(&m, "x\0z", 3));
    assert_int_equal(*(int *)hmap_kget(&m, "", 0), 3);
    hmap_kdel(&m, a, strlen(a));
    assert_null(hmap_kget(&m, a, strlen(a)));
    assert_int_equal(*(int *)hmap_kget(&m, b, strlen(b)), 2);
    assert_int_equal(*(int *)hmap_kget(&m, "x\0y", 3), 4);
    hmap_free(&m);

    /* against a reference: 600 keys, all of one hash, then of one home */
    for (int pass = 0; pass < 2; pass++) {
        enum { N = 600 };
        static char keys[N][24];
        static int present[N], vals[N];
        memset(present, 0, sizeof present);
        hmap_init_keys(&m, sizeof(int));
        m.hash = pass ? home_hash : one_hash;
        for (int i = 0; i < N; i++)
            snprintf(keys[i], sizeof keys[i], "key-%d", i * 7919);
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < N; i++) {
                size_t len = strlen(keys[i]);
                if ((i + round) % 3 == 0 && present[i]) {
                    hmap_kdel(&m, keys[i], len);
                    present[i] = 0;
                } else if ((i * 7 + round) % 5 != 0) {
                    int *v = hmap_kput(&m, keys[i], len, &added);
                    assert_int_equal(added, !present[i]);
                    if (!added)
                        assert_int_equal(*v, vals[i]);
                    *v = vals[i] = i * 31 + round;
                    present[i] = 1;
                }
            }
            size_t count = 0;
            for (int i = 0; i < N; i++) {
                int *v = hmap_kget(&m, keys[i], strlen(keys[i]));
                if (present[i]) {
                    assert_non_null(v);
                    assert_int_equal(*v, vals[i]);
                    count++;
                } else {
                    assert_null(v);
                }
            }
            assert_int_equal(m.n, count);
            /* the store holds the live keys, and deleted ones up to half */
            assert_true(m.keys.len - m.dead <= count * (4 + 24));
            assert_true(m.dead < 4096 || m.dead * 2 < m.keys.len);
        }
        hmap_free(&m);
    }
}

/* A message that does not fit says so: it ends in "...". */
static void test_msg_printf_marks_a_cut(void **state)
{
    (void)state;
    char out[10];
    assert_int_equal(msg_printf(out, sizeof out, "%s", "short"), 0);
    assert_string_equal(out, "short");
    assert_int_equal(msg_printf(out, sizeof out, "%s-%d", "a long message", 42), 1);
    assert_string_equal(out, "a long...");
    assert_int_equal(msg_printf(out, sizeof out, "%s", "123456789"), 0);
    assert_string_equal(out, "123456789");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_accepted),
        cmocka_unit_test(test_loopback_refused),
        cmocka_unit_test(test_printable_escapes_controls),
        cmocka_unit_test(test_printable_cuts_to_fit),
        cmocka_unit_test(test_hmap_matches_a_reference),
        cmocka_unit_test(test_hmap_keys_kept_apart_on_collision),
        cmocka_unit_test(test_msg_printf_marks_a_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
