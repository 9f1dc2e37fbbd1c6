/* test_stats.c -- medians with confidence intervals, paired differences, and the
 * Mann-Whitney comparison, each against values found another way: binomial
 * coverage by Pascal's triangle, p-values by enumerating every split, by the
 * textbook recurrence, and by scipy 1.10.1 (the commands are quoted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pb_stats.h"

#define REF_MAX_N 1000

/* ---- independent references ---------------------------------------------------- */

/* P(k <= B(n,1/2) <= n-k) by summing row n of Pascal's triangle, each row halved. */
static double ref_coverage(size_t n, size_t k)
{
    static double row[REF_MAX_N + 1];
    assert_true(n <= REF_MAX_N);
    row[0] = 1;
    for (size_t r = 1; r <= n; r++) {
        row[r] = row[r - 1] / 2;
        for (size_t j = r - 1; j >= 1; j--)
            row[j] = (row[j] + row[j - 1]) / 2;
        row[0] /= 2;
    }
    double c = 0;
    for (size_t j = k; j + k <= n; j++)
        c += row[j];
    return c;
}

/* U of b (pairs b_j > a_i, ties 1/2) by counting pairs. */
static double ref_u(const double *a, size_t na, const double *b, size_t nb)
{
    double u = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            u += b[j] > a[i] ? 1 : b[j] == a[i] ? 0.5 : 0;
    return u;
}

/* Two-sided permutation p: the share of all splits of the pooled values into
 * na + nb whose U is as far from na*nb/2 as the observed one (na + nb <= 20). */
static double ref_enumerated_p(const double *a, size_t na, const double *b, size_t nb)
{
    double pool[20], x[20], y[20];
    size_t n = na + nb;
    assert_true(n <= 20);
    memcpy(pool, a, na * sizeof *a);
    memcpy(pool + na, b, nb * sizeof *b);
    double mu = (double)na * (double)nb / 2, dev = fabs(ref_u(a, na, b, nb) - mu);
    double hits = 0, total = 0;
    for (uint32_t mask = 0; mask < (1u << n); mask++) {
        size_t nx = 0, ny = 0;
        for (size_t i = 0; i < n; i++) {
            if (mask >> i & 1)
                y[ny++] = pool[i];
            else
                x[nx++] = pool[i];
        }
        if (ny != nb)
            continue;
        total++;
        hits += fabs(ref_u(x, nx, y, ny) - mu) >= dev;
    }
    return hits / total;
}

/* P(U <= u) for untied samples by f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u),
 * all counts divided by C(m+n, m) as they go (probabilities, in doubles). */
static double ref_recurrence_cdf(size_t na, size_t nb, size_t u)
{
    enum { M = 31, U = 901 };
    static double f[M][M][U]; /* f[m][n][u] = P(U = u | m, n) */
    memset(f, 0, sizeof f);
    for (size_t m = 0; m <= na; m++)
        for (size_t n = 0; n <= nb; n++)
            for (size_t v = 0; v <= m * n; v++) {
                if (m == 0 || n == 0) {
                    f[m][n][v] = v == 0;
                    continue;
                }
                double top_a = (double)m / (double)(m + n); /* largest value is an a */
                f[m][n][v] = (1 - top_a) * (v >= m ? f[m][n - 1][v - m] : 0) +
                             top_a * f[m - 1][n][v];
            }
    double c = 0;
    for (size_t v = 0; v <= u; v++)
        c += f[na][nb][v];
    return c;
}

/* A fixed pseudo-random sequence (64-bit LCG), values in [0, 1). */
static double next_unit(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

/* ---- median and its interval ------------------------------------------------- */

static void median_odd_and_even_leave_input_alone(void **state)
{
    (void)state;
    double odd[] = {5, 1, 3, 9, 7};
    struct pb_dist d;
    assert_int_equal(pb_dist_of(odd, 5, &d), 0);
    assert_true(d.median == 5 && d.min == 1 && d.max == 9 && d.n == 5);
    assert_true(odd[0] == 5 && odd[1] == 1); /* not sorted in place */
    double even[] = {4, 1, 3, 2};
    assert_int_equal(pb_dist_of(even, 4, &d), 0);
    assert_true(d.median == 2.5);
    double v[] = {4, 1, 3, 2};
    assert_true(pb_median(v, 4) == 2.5);
    assert_true(pb_median(v, 0) == 0);
}

/* v = a permutation of 1..n (7 is prime to every n used), so x_(r) = r. */
static void fill_ranks(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (double)((i * 7) % n + 1);
}

static void check_ci_ranks(size_t n, size_t want_k)
{
    static double v[REF_MAX_N];
    fill_ranks(v, n);
    struct pb_dist d;
    assert_int_equal(pb_dist_of(v, n, &d), 0);
    size_t k = (size_t)d.ci_lo;
    assert_true(d.ci_lo == (double)want_k);
    assert_true(d.ci_hi == (double)(n + 1 - k)); /* symmetric ranks */
    double cov = ref_coverage(n, k);
    assert_true(cov >= PB_CI_LEVEL);
    assert_true(ref_coverage(n, k + 1) < PB_CI_LEVEL); /* one rank narrower falls short */
    assert_close(d.ci_level, cov, 1e-9);
    assert_int_equal(d.ci_ok, 1);
}

static void ci_ranks_are_the_narrowest_reaching_95(void **state)
{
    (void)state;
    check_ci_ranks(6, 1);  /* [min, max], 1 - 2/64 = 0.96875 */
    check_ci_ranks(10, 2); /* 1 - 2 * 11/1024 = 0.978515625 */
    check_ci_ranks(20, 6);
    check_ci_ranks(50, 18);
    check_ci_ranks(1000, 469);
    double v[10];
    fill_ranks(v, 10);
    struct pb_dist d;
    assert_int_equal(pb_dist_of(v, 10, &d), 0);
    assert_close(d.ci_level, 0.978515625, 1e-12);
}

static void below_six_the_interval_is_min_max_at_its_true_level(void **state)
{
    (void)state;
    for (size_t n = 2; n <= 5; n++) {
        double v[5] = {30, 10, 50, 20, 40};
        struct pb_dist d;
        assert_int_equal(pb_dist_of(v, n, &d), 0);
        assert_true(d.ci_lo == d.min && d.ci_hi == d.max);
        assert_close(d.ci_level, 1 - ldexp(1, 1 - (int)n), 1e-12);
        assert_close(d.ci_level, ref_coverage(n, 1), 1e-12);
        assert_true(d.ci_level < PB_CI_LEVEL);
        assert_int_equal(d.ci_ok, 1);
    }
}

static void no_or_one_sample(void **state)
{
    (void)state;
    double v[] = {42};
    struct pb_dist d;
    assert_int_equal(pb_dist_of(v, 0, &d), -1);
    assert_int_equal(pb_dist_of(v, 1, &d), 0);
    assert_true(d.median == 42 && d.ci_lo == 42 && d.ci_hi == 42 && d.n == 1);
    assert_int_equal(d.ci_ok, 0);
    assert_int_equal(d.noisy, 0);
    assert_true(d.ci_level == 0);
    assert_int_equal(pb_dist_includes_zero(&d), 1); /* nothing rules zero out */
}

static void rejects_nan_and_infinity(void **state)
{
    (void)state;
    struct pb_dist d;
    for (size_t at = 0; at < 7; at++) {
        double v[7] = {1, 2, 3, 4, 5, 6, 7};
        v[at] = NAN;
        assert_int_equal(pb_dist_of(v, 7, &d), -1);
        assert_true(d.n == 0 && d.ci_ok == 0);
        v[at] = -INFINITY;
        assert_int_equal(pb_dist_of(v, 7, &d), -1);
    }
    double a[] = {1, 2, 3}, b[] = {1, NAN, 3};
    assert_int_equal(pb_dist_paired_diff(a, b, 3, &d), -1);
    assert_int_equal(pb_dist_paired_diff(b, a, 3, &d), -1);
    double big[] = {DBL_MAX, 1, 1}, neg[] = {-DBL_MAX, 0, 0}; /* difference overflows */
    assert_int_equal(pb_dist_paired_diff(big, neg, 3, &d), -1);
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, 0.05, &s), -1);
    assert_int_equal(pb_compare_samples(b, 3, a, 3, 0.05, 0.05, &s), -1);
}

static void noisy_when_interval_wider_than_tenth_of_median(void **state)
{
    (void)state;
    /* n = 10: ranks 2 and 9; median 100. */
    double v[] = {1, 95, 98, 99, 100, 100, 101, 102, 105, 200};
    struct pb_dist d;
    assert_int_equal(pb_dist_of(v, 10, &d), 0);
    assert_true(d.ci_lo == 95 && d.ci_hi == 105 && d.median == 100);
    assert_int_equal(d.noisy, 0); /* width 10 = 0.10 x 100: not wider */
    v[8] = 105.5;
    assert_int_equal(pb_dist_of(v, 10, &d), 0);
    assert_int_equal(d.noisy, 1);
    double z[] = {-1, 0, 0, 0, 1, 2}; /* median 0, any width is noisy */
    assert_int_equal(pb_dist_of(z, 6, &d), 0);
    assert_int_equal(d.noisy, 1);
    double same[] = {3, 3, 3, 3, 3, 3};
    assert_int_equal(pb_dist_of(same, 6, &d), 0);
    assert_int_equal(d.noisy, 0);
}

static void paired_difference_of_rounds(void **state)
{
    (void)state;
    double a[] = {10, 11, 12, 13, 14, 15}, b[] = {1, 1, 2, 2, 3, 3};
    struct pb_dist d; /* differences 9 10 10 11 11 12 */
    assert_int_equal(pb_dist_paired_diff(a, b, 6, &d), 0);
    assert_true(d.median == 10.5 && d.ci_lo == 9 && d.ci_hi == 12 && d.n == 6);
    assert_close(d.ci_level, 0.96875, 1e-12);
    assert_int_equal(pb_dist_includes_zero(&d), 0);
    assert_true(a[0] == 10 && b[0] == 1);
    /* Rounds that swing together: each sample's spread is wide, the pairs' is not. */
    double hi[] = {51, 11, 31, 91, 71, 21, 81, 41, 61, 101};
    double lo[] = {50, 10, 30, 90, 70, 20, 80, 40, 60, 100};
    assert_int_equal(pb_dist_paired_diff(hi, lo, 10, &d), 0);
    assert_true(d.median == 1 && d.ci_lo == 1 && d.ci_hi == 1);
    assert_int_equal(pb_dist_includes_zero(&d), 0);
    double c[] = {-2, 5, -1, 3, 0.5, 1}, z[6] = {0};
    assert_int_equal(pb_dist_paired_diff(c, z, 6, &d), 0);
    assert_true(d.ci_lo == -2 && d.ci_hi == 5);
    assert_int_equal(pb_dist_includes_zero(&d), 1);
    assert_int_equal(pb_dist_paired_diff(a, b, 0, &d), -1);
}

/* ---- Mann-Whitney -------------------------------------------------------------- */

static void exact_p_matches_enumeration(void **state)
{
    (void)state;
    static const size_t sizes[][2] = {{1, 1}, {1, 6}, {2, 3}, {3, 3}, {4, 4}, {3, 7},
                                      {5, 5}, {6, 4}, {7, 8}, {8, 8}, {2, 12}};
    uint64_t seed = 1;
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        for (int rep = 0; rep < 4; rep++) {
            size_t na = sizes[t][0], nb = sizes[t][1];
            double a[16], b[16];
            for (size_t i = 0; i < na; i++)
                a[i] = next_unit(&seed);
            for (size_t j = 0; j < nb; j++)
                b[j] = next_unit(&seed) + 0.15 * rep; /* from overlapping to apart */
            struct pb_shift s;
            assert_int_equal(pb_compare_samples(a, na, b, nb, 0.05, 0, &s), 0);
            assert_int_equal(s.exact, 1);
            assert_true(s.u == ref_u(a, na, b, nb));
            assert_close(s.p_value, ref_enumerated_p(a, na, b, nb), 1e-12);
        }
    }
}

static void exact_p_at_the_size_limit(void **state)
{
    (void)state;
    /* a = 0, 2, ..., 58; b = 11, 13, ..., 69: U = 600. scipy:
     * mannwhitneyu(arange(30.)*2+11, arange(30.)*2, method='exact').pvalue */
    double a[30], b[30];
    for (int i = 0; i < 30; i++) {
        a[i] = 2.0 * i;
        b[i] = 2.0 * i + 11;
    }
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 30, b, 30, 0.05, 0, &s), 0);
    assert_int_equal(s.exact, 1);
    assert_true(s.u == 600);
    assert_close(s.p_value, 0.02633196030257938, 1e-12);
    assert_close(s.p_value, 2 * (1 - ref_recurrence_cdf(30, 30, 599)), 1e-9);
    /* Wholly apart: 2 / C(60, 30) = 2 / 118264581564861424, counted without rounding. */
    for (int i = 0; i < 30; i++)
        b[i] = 100.0 + i;
    assert_int_equal(pb_compare_samples(a, 30, b, 30, 0.05, 0, &s), 0);
    assert_close(s.p_value, 2 / 118264581564861424.0, 1e-12);
    /* Unequal sizes against the recurrence, one either side of the mean. */
    double c[12];
    for (int i = 0; i < 12; i++)
        c[i] = 2.0 * i + 9;
    assert_int_equal(pb_compare_samples(a, 30, c, 12, 0.05, 0, &s), 0);
    assert_true(s.u == ref_u(a, 30, c, 12));
    assert_close(s.p_value, 2 * ref_recurrence_cdf(30, 12, (size_t)s.u), 1e-9);
}

static void exact_small_cases_by_hand(void **state)
{
    (void)state;
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, 0, &s), 0);
    assert_true(s.u == 9);
    assert_close(s.p_value, 0.1, 1e-12); /* 2 of the 20 splits are this far */
    assert_int_equal(s.significant, 0);
    assert_int_equal(pb_compare_samples(b, 3, a, 3, 0.05, 0, &s), 0);
    assert_true(s.u == 0);
    assert_close(s.p_value, 0.1, 1e-12);
    /* scipy: mannwhitneyu(b, a, method='exact') = 46, 0.04009324009324009 */
    double x[] = {1.5, 3.2, 4.1, 6.0, 7.7, 9.9, 12.0, 13.3};
    double y[] = {5.1, 8.0, 11.1, 14.2, 15.5, 16.0, 17.4};
    assert_int_equal(pb_compare_samples(x, 8, y, 7, 0.05, 0, &s), 0);
    assert_true(s.u == 46);
    assert_close(s.p_value, 0.04009324009324009, 1e-12);
    assert_int_equal(s.significant, 1);
    double m[] = {1, 2, 3, 4}, n[] = {1.5, 2.5, 3.5, 4.5}; /* U = 1 + 2 + 3 + 4 */
    assert_int_equal(pb_compare_samples(m, 4, n, 4, 0.05, 0, &s), 0);
    assert_true(s.u == 10);
    assert_close(s.p_value, ref_enumerated_p(m, 4, n, 4), 1e-12);
}

static void ties_use_the_corrected_normal_approximation(void **state)
{
    (void)state;
    /* scipy: mannwhitneyu([3,4,4,5,5,6], [1,2,2,3,3,3,4], method='asymptotic')
     * = 38.5, 0.012999854364387305 */
    double a[] = {1, 2, 2, 3, 3, 3, 4}, b[] = {3, 4, 4, 5, 5, 6};
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 7, b, 6, 0.05, 0, &s), 0);
    assert_int_equal(s.exact, 0);
    assert_true(s.u == 38.5 && s.u == ref_u(a, 7, b, 6));
    assert_close(s.p_value, 0.012999854364387305, 1e-9);
    double same[] = {10, 10, 10};
    assert_int_equal(pb_compare_samples(same, 3, same, 3, 0.05, 0, &s), 0);
    assert_true(s.p_value == 1 && s.u == 4.5);
    assert_int_equal(s.significant, 0);
}

static void normal_approximation_for_forty(void **state)
{
    (void)state;
    /* a = 0..39, b = a + 7.5: U = 33*8 + 528 + 7*40 = 1072, mean 800, var 10800.
     * scipy: mannwhitneyu(b, a, method='asymptotic') = 1072, 0.008988007122138847 */
    double a[40], b[40];
    for (int i = 0; i < 40; i++) {
        a[i] = i;
        b[i] = i + 7.5;
    }
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 40, b, 40, 0.05, 0, &s), 0);
    assert_int_equal(s.exact, 0);
    assert_true(s.u == 1072);
    assert_close(s.p_value, 0.008988007122138847, 1e-9);
    assert_close(s.p_value, erfc((272.0 - 0.5) / sqrt(10800.0) / sqrt(2.0)), 1e-12);
    /* scipy: mannwhitneyu(arange(35.)*1.1+3.3, arange(40.), method='asymptotic')
     * = 787, 0.35828750778062324 */
    double c[35];
    for (int j = 0; j < 35; j++)
        c[j] = j * 1.1 + 3.3;
    assert_int_equal(pb_compare_samples(a, 40, c, 35, 0.05, 0, &s), 0);
    assert_true(s.u == 787);
    assert_close(s.p_value, 0.35828750778062324, 1e-9);
    assert_int_equal(s.significant, 0);
}

static void smallest_attainable_p(void **state)
{
    (void)state;
    assert_close(pb_mwu_min_p(3, 3), 0.1, 1e-12);
    assert_true(pb_mwu_min_p(3, 3) >= 0.05); /* three rounds a side never detect a change */
    assert_close(pb_mwu_min_p(5, 5), 2.0 / 252, 1e-12);
    assert_close(pb_mwu_min_p(1, 1), 1, 1e-12);
    /* scipy: mannwhitneyu(arange(1., 61), [0.], method='asymptotic') = 60, 0.09383863903410998 */
    assert_close(pb_mwu_min_p(1, 60), 0.09383863903410998, 1e-9);
    assert_true(pb_mwu_min_p(0, 5) == 1);
    static const size_t sizes[][2] = {{3, 3}, {4, 6}, {30, 30}, {1, 60}, {40, 40}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        double a[60], b[60];
        size_t na = sizes[t][0], nb = sizes[t][1];
        for (size_t i = 0; i < na; i++)
            a[i] = (double)i;
        for (size_t j = 0; j < nb; j++)
            b[j] = 1000.0 + (double)j;
        struct pb_shift s;
        assert_int_equal(pb_compare_samples(a, na, b, nb, 0.05, 0, &s), 0);
        assert_close(s.p_value, pb_mwu_min_p(na, nb), 1e-12);
    }
}

static void changed_needs_significance_and_effect(void **state)
{
    (void)state;
    double a[40], b[40];
    for (int i = 0; i < 40; i++) {
        a[i] = 100 + i * 0.01;
        b[i] = a[i] + 0.2; /* significant, 0.2 % slower */
    }
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 40, b, 40, 0.05, 0.05, &s), 0);
    assert_int_equal(s.significant, 1);
    assert_close(s.ratio, 100.395 / 100.195, 1e-12);
    assert_int_equal(s.changed, 0); /* below the 5 % that matters */
    assert_int_equal(pb_compare_samples(a, 40, b, 40, 0.05, 0.001, &s), 0);
    assert_int_equal(s.changed, 1);
    assert_int_equal(pb_compare_samples(b, 40, a, 40, 0.05, 0.001, &s), 0);
    assert_int_equal(s.changed, 1); /* faster counts too */
    assert_true(s.ratio < 1);
    double x[] = {1, 2, 3}, y[] = {10, 20, 30}; /* ten times slower, p = 0.1 */
    assert_int_equal(pb_compare_samples(x, 3, y, 3, 0.05, 0.05, &s), 0);
    assert_true(s.ratio == 10);
    assert_int_equal(s.significant, 0);
    assert_int_equal(s.changed, 0);
    assert_int_equal(pb_compare_samples(x, 3, y, 3, 0.2, 0.05, &s), 0);
    assert_int_equal(s.changed, 1); /* at alpha = 0.2 it is both */
    for (int i = 0; i < 40; i++) { /* a negative base (a net cost below the null's) */
        a[i] = -a[i];
        b[i] = -b[i];
    }
    assert_int_equal(pb_compare_samples(a, 40, b, 40, 0.05, 0.05, &s), 0);
    assert_int_equal(s.significant, 1);
    assert_int_equal(s.changed, 0); /* 0.2 % of |median| is still small */
    assert_int_equal(pb_compare_samples(a, 40, b, 40, 0.05, 0.001, &s), 0);
    assert_int_equal(s.changed, 1);
}

static void ratio_and_hodges_lehmann_shift(void **state)
{
    (void)state;
    /* b_j - a_i: 4 3 2 / 6 5 4 / 19 18 17, sorted 2 3 4 4 5 6 17 18 19: median 5 */
    double a[] = {1, 2, 3}, b[] = {5, 7, 20};
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, 0, &s), 0);
    assert_true(s.hl_shift == 5);
    assert_true(s.ratio == 3.5);
    double z[] = {-1, 0, 1, -0.5, 0.5}, w[] = {10, 11, 12, 13, 14}; /* base median 0 */
    assert_int_equal(pb_compare_samples(z, 5, w, 5, 0.05, 0.05, &s), 0);
    assert_true(isnan(s.ratio));
    assert_int_equal(s.significant, 1); /* p = 2/252 */
    assert_int_equal(s.changed, 1);     /* from 0, any difference is an effect */
    assert_true(s.hl_shift == 12);
}

static void rejects_bad_arguments(void **state)
{
    (void)state;
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    struct pb_shift s;
    assert_int_equal(pb_compare_samples(a, 0, b, 3, 0.05, 0, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 0, 0.05, 0, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0, 0, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 1, 0, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, NAN, 0, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, -0.1, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, NAN, &s), -1);
    assert_int_equal(pb_compare_samples(a, 3, b, 3, 0.05, 0, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(median_odd_and_even_leave_input_alone),
        cmocka_unit_test(ci_ranks_are_the_narrowest_reaching_95),
        cmocka_unit_test(below_six_the_interval_is_min_max_at_its_true_level),
        cmocka_unit_test(no_or_one_sample),
        cmocka_unit_test(rejects_nan_and_infinity),
        cmocka_unit_test(noisy_when_interval_wider_than_tenth_of_median),
        cmocka_unit_test(paired_difference_of_rounds),
        cmocka_unit_test(exact_p_matches_enumeration),
        cmocka_unit_test(exact_p_at_the_size_limit),
        cmocka_unit_test(exact_small_cases_by_hand),
        cmocka_unit_test(ties_use_the_corrected_normal_approximation),
        cmocka_unit_test(normal_approximation_for_forty),
        cmocka_unit_test(smallest_attainable_p),
        cmocka_unit_test(changed_needs_significance_and_effect),
        cmocka_unit_test(ratio_and_hodges_lehmann_shift),
        cmocka_unit_test(rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
