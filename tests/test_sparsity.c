/* 2:4 structured sparsity (src/compiler/sparsity.c): pruning hand-made weights (the two largest |w| of each group
 * of 4 consecutive input channels kept, ties to the lower channel, negatives by magnitude, tails of C = 65/66/67,
 * several kernel taps interleaved in memory, grouped-conv layouts) against hand-written expectations and against
 * a sort-based reference; the 2:4 check on INT8 weights; the eligibility rule (INT8 only, C/groups > 64, Orin
 * only); the --sparsity values. */
#include "check.h"
#include "compiler/sparsity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void expect(const double *got, const double *want, int n)
{
    for (int i = 0; i < n; i++)
        CHECK(got[i] == want[i]);
}

/* One group of 4 (K = 1, rs = 1). */
static void test_groups_of_four(void)
{
    struct {
        double w[4], want[4];
        int zeroed;
    } cases[] = {
        {{1, -3, 2, 0.5}, {0, -3, 2, 0}, 2},
        {{1, 1, 1, 1}, {1, 1, 0, 0}, 2},           /* all tied: the two lowest channels */
        {{-2, 2, 1, 2}, {-2, 2, 0, 0}, 2},         /* |-2| ties 2: the lower channels win */
        {{0.5, -2, 0.5, 2}, {0, -2, 0, 2}, 2},
        {{-5, -1, -4, -3}, {-5, 0, -4, 0}, 2},     /* negatives by magnitude */
        {{0, 0, 7, 0}, {0, 0, 7, 0}, 0},           /* already 2:4: nothing zeroed */
        {{0, 3, 0, -3}, {0, 3, 0, -3}, 0},
        {{1, 0, 2, 3}, {0, 0, 2, 3}, 1},           /* a zero among the dropped ones is not counted */
        {{0, 0, 0, 0}, {0, 0, 0, 0}, 0},
        {{-0.25, 0.25, 0.125, -0.25}, {-0.25, 0.25, 0, 0}, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double w[4];
        memcpy(w, cases[i].w, sizeof w);
        CHECK(cc_sparse_prune(w, 1, 4, 1) == cases[i].zeroed);
        expect(w, cases[i].want, 4);
    }
}

/* Kernel taps interleave in memory ([Cg][rs]): the groups run along C with stride rs, never along r, s. */
static void test_taps(void)
{
    /* K = 1, Cg = 4, rs = 2: tap 0 = {4, 3, 2, 1}, tap 1 = {1, 2, 3, 4} */
    double w[8] = {4, 1, 3, 2, 2, 3, 1, 4};
    double want[8] = {4, 0, 3, 0, 0, 3, 0, 4};
    CHECK(cc_sparse_prune(w, 1, 4, 2) == 4);
    expect(w, want, 8);
    /* 3 non-zeros contiguous in memory, but in one channel's 3 taps: 2:4 along C */
    int8_t q[12] = {5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(cc_sparse_is_2to4(q, 1, 4, 3) == 1);
    int8_t q2[12] = {5, 0, 0, 5, 0, 0, 5, 0, 0, 0, 0, 0}; /* tap 0 of channels 0, 1, 2 */
    CHECK(cc_sparse_is_2to4(q2, 1, 4, 3) == 0);
}

/* Tails: C = 65 (1 left over), 66 (2), 67 (3: pruned to its two largest). K = 2 to check both kernels. */
static void test_tails(void)
{
    for (int cg = 65; cg <= 67; cg++) {
        int K = 2;
        double *w = malloc(sizeof(double) * (size_t)K * cg);
        if (!w)
            return;
        for (int k = 0; k < K; k++)
            for (int c = 0; c < cg; c++)
                w[k * cg + c] = 1.0 + c + 100 * k; /* every weight non-zero; within a group the last two are largest */
        int64_t z = cc_sparse_prune(w, K, cg, 1);
        int tail = cg - 64, tail_zeroed = tail == 3 ? 1 : 0;
        CHECK(z == (int64_t)K * (16 * 2 + tail_zeroed));
        for (int k = 0; k < K; k++) {
            for (int c = 0; c < 64; c++)
                CHECK(w[k * cg + c] == (c % 4 >= 2 ? 1.0 + c + 100 * k : 0.0));
            if (tail == 3) { /* channels 64, 65, 66: 66 and 65 are the largest */
                CHECK(w[k * cg + 64] == 0);
                CHECK(w[k * cg + 65] == 66.0 + 100 * k && w[k * cg + 66] == 67.0 + 100 * k);
            } else {
                for (int c = 64; c < cg; c++)
                    CHECK(w[k * cg + c] == 1.0 + c + 100 * k);
            }
        }
        free(w);
    }
    /* the check on tails: 3 non-zeros in a tail of 3 are not 2:4, 2 in a tail of 2 are */
    int8_t q67[67], q66[66];
    memset(q67, 0, sizeof q67);
    memset(q66, 0, sizeof q66);
    q67[64] = q67[65] = 1;
    CHECK(cc_sparse_is_2to4(q67, 1, 67, 1) == 1);
    q67[66] = -1;
    CHECK(cc_sparse_is_2to4(q67, 1, 67, 1) == 0);
    q66[64] = q66[65] = 127;
    CHECK(cc_sparse_is_2to4(q66, 1, 66, 1) == 1);
}

/* A sort-based reference: order the group's channels by (|w| descending, channel ascending), keep the first 2. */
static void ref_prune(double *w, int K, int Cg, int rs)
{
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < Cg; c0 += 4)
            for (int t = 0; t < rs; t++) {
                int n = Cg - c0 < 4 ? Cg - c0 : 4, idx[4] = {0, 1, 2, 3};
                double *g = w + (size_t)k * Cg * rs + (size_t)c0 * rs + t;
                for (int i = 0; i < n; i++) /* insertion sort, stable */
                    for (int j = i; j > 0; j--) {
                        double a = fabs(g[idx[j - 1] * rs]), b = fabs(g[idx[j] * rs]);
                        if (b > a) {
                            int x = idx[j];
                            idx[j] = idx[j - 1];
                            idx[j - 1] = x;
                        }
                    }
                for (int i = 2; i < n; i++)
                    g[idx[i] * rs] = 0;
            }
}

/* Grouped-conv layouts ([K][C/groups][R][S]: each output channel's own Cg channels) and random weights with many
 * ties (values from a small set), against the reference. */
static void test_random_vs_reference(void)
{
    const int shapes[][3] = {{6, 67, 9}, {8, 72, 1}, {4, 66, 4}, {3, 65, 3}, {2, 130, 25}};
    unsigned seed = 12345;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int K = shapes[s][0], Cg = shapes[s][1], rs = shapes[s][2];
        size_t n = (size_t)K * Cg * rs;
        double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
        int8_t *q = malloc(n);
        if (!a || !b || !q)
            return;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i] = b[i] = (double)((int)((seed >> 16) % 9) - 4) * 0.5; /* -2 .. 2: ties everywhere */
        }
        cc_sparse_prune(a, K, Cg, rs);
        ref_prune(b, K, Cg, rs);
        int same = 1;
        for (size_t i = 0; i < n; i++) {
            same &= a[i] == b[i];
            q[i] = (int8_t)(a[i] * 2);
        }
        CHECK(same);
        CHECK(cc_sparse_is_2to4(q, K, Cg, rs) == 1);
        /* pruning is idempotent */
        CHECK(cc_sparse_prune(a, K, Cg, rs) == 0);
        /* one more non-zero in a pruned group breaks the pattern */
        for (size_t i = 0; i < n; i++)
            if (q[i] == 0 && (i / (size_t)rs) % (size_t)Cg < (size_t)(Cg / 4 * 4)) {
                q[i] = 3;
                break;
            }
        CHECK(cc_sparse_is_2to4(q, K, Cg, rs) == 0);
        free(a);
        free(b);
        free(q);
    }
}

static void test_eligibility(void)
{
    CHECK(cc_sparse_eligible(CC_ORIN, CC_PREC_INT8, 65) == 1);
    CHECK(cc_sparse_eligible(CC_ORIN, CC_PREC_INT8, 64) == 0);
    CHECK(cc_sparse_eligible(CC_ORIN, CC_PREC_INT8, 1) == 0);
    CHECK(cc_sparse_eligible(CC_ORIN, CC_PREC_FP16, 512) == 0);
    CHECK(cc_sparse_eligible(CC_XAVIER, CC_PREC_INT8, 512) == 0);
    CHECK(cc_sparse_for_platform(CC_SPARSITY_FORCE, CC_ORIN) == CC_SPARSITY_FORCE);
    CHECK(cc_sparse_for_platform(CC_SPARSITY_ENABLE, CC_ORIN) == CC_SPARSITY_ENABLE);
    CHECK(cc_sparse_for_platform(CC_SPARSITY_FORCE, CC_XAVIER) == CC_SPARSITY_DISABLE);
    CHECK(cc_sparse_for_platform(CC_SPARSITY_ENABLE, CC_XAVIER) == CC_SPARSITY_DISABLE);
    CHECK(cc_sparse_conv_mode(CC_SPARSITY_FORCE, CC_PREC_INT8, 65) == CC_SPARSITY_FORCE);
    CHECK(cc_sparse_conv_mode(CC_SPARSITY_ENABLE, CC_PREC_INT8, 256) == CC_SPARSITY_ENABLE);
    CHECK(cc_sparse_conv_mode(CC_SPARSITY_FORCE, CC_PREC_INT8, 64) == CC_SPARSITY_DISABLE);
    CHECK(cc_sparse_conv_mode(CC_SPARSITY_FORCE, CC_PREC_FP16, 256) == CC_SPARSITY_DISABLE);
    CHECK(cc_sparse_conv_mode(CC_SPARSITY_DISABLE, CC_PREC_INT8, 256) == CC_SPARSITY_DISABLE);
}

static void test_parse(void)
{
    cc_sparsity s = CC_SPARSITY_FORCE;
    CHECK_OK(cc_parse_sparsity(NULL, &s));
    CHECK(s == CC_SPARSITY_DISABLE);
    CHECK_OK(cc_parse_sparsity("", &s));
    CHECK(s == CC_SPARSITY_DISABLE);
    CHECK_OK(cc_parse_sparsity("disable", &s));
    CHECK(s == CC_SPARSITY_DISABLE);
    CHECK_OK(cc_parse_sparsity("enable", &s));
    CHECK(s == CC_SPARSITY_ENABLE);
    CHECK_OK(cc_parse_sparsity("force", &s));
    CHECK(s == CC_SPARSITY_FORCE);
    const char *bad[] = {"Force", "on", "2:4", "enabled"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(cc_parse_sparsity(bad[i], &s) == DLA_ERR_INVALID_ARG);
        CHECK(s == CC_SPARSITY_DISABLE);
        CHECK(strstr(dla_last_error(), "--sparsity") && strstr(dla_last_error(), bad[i]) &&
              strstr(dla_last_error(), "disable, enable or force"));
    }
    CHECK(strcmp(cc_sparsity_name(CC_SPARSITY_FORCE), "force") == 0);
    CHECK(strcmp(cc_sparsity_name(CC_SPARSITY_ENABLE), "enable") == 0);
    CHECK(strcmp(cc_sparsity_name(CC_SPARSITY_DISABLE), "disable") == 0);
}

int main(void)
{
    test_groups_of_four();
    test_taps();
    test_tails();
    test_random_vs_reference();
    test_eligibility();
    test_parse();
    return TEST_RESULT();
}
