/*
 * stats.c -- medians with order-statistic confidence intervals, paired
 * differences, and the Mann-Whitney U test with Hodges-Lehmann shift.
 *
 * The exact U distribution (no ties) is the coefficient list of the Gaussian
 * binomial [na+nb choose m]_q: built as prod (1 - q^(nb+i)) / (1 - q^i) in
 * 64-bit integers, every intermediate is itself a Gaussian binomial, so the
 * counts stay exact (at most C(60,30) < 2^57).
 */
#include "pb_stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PB_LN2 0.69314718055994530942

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

double pb_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- median and its interval ------------------------------------------------- */

/* The largest rank k (1-based, k >= 1) with P(k <= B(n,1/2) <= n-k) >= PB_CI_LEVEL,
 * or 1 when none reaches it; *level = that coverage, 1 - 2 P(B <= k-1). */
static size_t ci_rank(size_t n, double *level)
{
    double lp = -(double)n * PB_LN2; /* log P(B = 0) */
    double tail = exp(lp);           /* P(B <= k-1) */
    size_t k = 1;
    for (;;) {
        lp += log((double)(n - k + 1) / (double)k); /* log P(B = k) */
        double next = tail + exp(lp);               /* P(B <= k) */
        if (1 - 2 * next < PB_CI_LEVEL)
            break;
        tail = next;
        k++;
    }
    *level = 1 - 2 * tail;
    return k;
}

/* Fill *out from the sorted s[0..n), n >= 1. */
static void dist_of_sorted(const double *s, size_t n, double median, struct pb_dist *out)
{
    out->n = n;
    out->median = median;
    out->min = s[0];
    out->max = s[n - 1];
    size_t k = ci_rank(n, &out->ci_level);
    out->ci_lo = s[k - 1];
    out->ci_hi = s[n - k];
    out->ci_ok = n >= 2;
    out->noisy = out->ci_ok && out->ci_hi - out->ci_lo > PB_NOISY_REL * fabs(median);
}

int pb_dist_of(const double *v, size_t n, struct pb_dist *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > SIZE_MAX / sizeof(double) || !all_finite(v, n))
        return -1;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return -1;
    memcpy(s, v, n * sizeof *s);
    double median = pb_median(s, n);
    dist_of_sorted(s, n, median, out);
    free(s);
    return 0;
}

int pb_dist_paired_diff(const double *a, const double *b, size_t n, struct pb_dist *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > SIZE_MAX / sizeof(double))
        return -1;
    double *d = malloc(n * sizeof *d);
    if (!d)
        return -1;
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] - b[i]; /* NaN or infinite when either is, or on overflow */
    int rc = pb_dist_of(d, n, out);
    free(d);
    return rc;
}

int pb_dist_includes_zero(const struct pb_dist *d)
{
    return !d->ci_ok || (d->ci_lo <= 0 && 0 <= d->ci_hi);
}

/* ---- Mann-Whitney U ------------------------------------------------------------ */

struct ranked {
    double v;
    size_t i;
};

static int by_v(const void *x, const void *y)
{
    double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;
    return a < b ? -1 : a > b;
}

/* Twice the rank sum of the pooled values tagged i >= na (sample b), mid-ranks
 * for ties; *ties = sum over tie groups of t^3 - t. tmp holds n entries. */
static long long doubled_rank_sum_b(struct ranked *tmp, size_t n, size_t na, double *ties)
{
    qsort(tmp, n, sizeof *tmp, by_v);
    long long r2 = 0;
    *ties = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo;
        while (hi + 1 < n && tmp[hi + 1].v == tmp[lo].v)
            hi++;
        for (size_t k = lo; k <= hi; k++)
            if (tmp[k].i >= na)
                r2 += (long long)(lo + hi + 2); /* 2 x mid-rank of lo+1 .. hi+1 */
        double t = (double)(hi - lo + 1);
        *ties += t * t * t - t;
        lo = hi + 1;
    }
    return r2;
}

/* Exact two-sided p of an integer U for untied samples, na, nb <= PB_MWU_EXACT_MAX:
 * c[u] = the number of the C(na+nb, na) splits whose U is u. */
static double exact_p(size_t na, size_t nb, size_t u)
{
    int64_t c[PB_MWU_EXACT_MAX * (PB_MWU_EXACT_MAX + 1) + 1] = {1};
    size_t m = na < nb ? na : nb, o = na + nb - m, deg = 0;
    for (size_t i = 1; i <= m; i++) {
        size_t top = deg + o + i;
        for (size_t e = top; e >= o + i; e--) /* times (1 - q^(o+i)) */
            c[e] -= c[e - o - i];
        for (size_t e = i; e <= top; e++) /* divided by (1 - q^i): c[deg+o+1..top] -> 0 */
            c[e] += c[e - i];
        deg += o;
    }
    size_t lo = u < na * nb - u ? u : na * nb - u;
    uint64_t tail = 0, total = 0;
    for (size_t e = 0; e <= deg; e++) {
        total += (uint64_t)c[e];
        tail += e <= lo ? (uint64_t)c[e] : 0;
    }
    double p = 2.0 * (double)tail / (double)total;
    return p < 1 ? p : 1;
}

/* Two-sided p of U by the normal approximation, tie and continuity corrected. */
static double normal_p(double u, size_t na, size_t nb, double ties)
{
    double n = (double)(na + nb), mu = (double)na * (double)nb / 2;
    double var = (double)na * (double)nb / 12 * ((n + 1) - ties / (n * (n - 1)));
    double d = fabs(u - mu) - 0.5;
    if (var <= 0 || d <= 0)
        return 1;
    return erfc(d / sqrt(var) / sqrt(2.0));
}

double pb_mwu_min_p(size_t na, size_t nb)
{
    if (na == 0 || nb == 0)
        return 1;
    if (na <= PB_MWU_EXACT_MAX && nb <= PB_MWU_EXACT_MAX)
        return exact_p(na, nb, 0);
    return normal_p(0, na, nb, 0);
}

/* U of b and the two-sided p into out; tmp holds na + nb entries. */
static void mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                         struct ranked *tmp, struct pb_shift *out)
{
    for (size_t i = 0; i < na; i++)
        tmp[i] = (struct ranked){a[i], i};
    for (size_t j = 0; j < nb; j++)
        tmp[na + j] = (struct ranked){b[j], na + j};
    double ties;
    long long u2 = doubled_rank_sum_b(tmp, na + nb, na, &ties) - (long long)(nb * (nb + 1));
    out->u = (double)u2 / 2;
    out->exact = ties == 0 && na <= PB_MWU_EXACT_MAX && nb <= PB_MWU_EXACT_MAX;
    out->p_value = out->exact ? exact_p(na, nb, (size_t)(u2 / 2)) : normal_p(out->u, na, nb, ties);
}

/* Median of all b_j - a_i; NaN when there are too many pairs or no memory. */
static double hodges_lehmann(const double *a, size_t na, const double *b, size_t nb)
{
    if (na > PB_HL_MAX_PAIRS / nb)
        return NAN;
    double *d = malloc(na * nb * sizeof *d);
    if (!d)
        return NAN;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = b[j] - a[i];
    double m = pb_median(d, na * nb);
    free(d);
    return m;
}

/* Medians of a and b, using scratch (na + nb doubles). */
static void medians(const double *a, size_t na, const double *b, size_t nb, double *scratch,
                    double *ma, double *mb)
{
    memcpy(scratch, a, na * sizeof *a);
    *ma = pb_median(scratch, na);
    memcpy(scratch, b, nb * sizeof *b);
    *mb = pb_median(scratch, nb);
}

int pb_compare_samples(const double *a, size_t na, const double *b, size_t nb, double alpha,
                       double min_effect, struct pb_shift *out)
{
    memset(out, 0, sizeof *out);
    if (na == 0 || nb == 0 || na > SIZE_MAX / 64 || nb > SIZE_MAX / 64 ||
        !all_finite(a, na) || !all_finite(b, nb) || !(alpha > 0 && alpha < 1) ||
        !(min_effect >= 0))
        return -1;
    struct ranked *tmp = malloc((na + nb) * sizeof *tmp);
    double *scratch = malloc((na + nb) * sizeof *scratch);
    if (!tmp || !scratch) {
        free(tmp);
        free(scratch);
        return -1;
    }
    mann_whitney(a, na, b, nb, tmp, out);
    double ma, mb;
    medians(a, na, b, nb, scratch, &ma, &mb);
    free(tmp);
    free(scratch);
    out->ratio = ma != 0 ? mb / ma : NAN;
    out->hl_shift = hodges_lehmann(a, na, b, nb);
    out->significant = out->p_value < alpha;
    out->changed = out->significant && fabs(mb - ma) > min_effect * fabs(ma);
    return 0;
}
