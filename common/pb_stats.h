/*
 * pb_stats.h -- summaries and comparisons of measured samples: the median
 * with a distribution-free confidence interval, paired differences, and the
 * two-sided Mann-Whitney U test. Pure functions, no I/O; a sample is one
 * independent measurement (one round = one fresh process).
 */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stddef.h>

#define PB_CI_LEVEL 0.95     /* coverage wanted of the median's confidence interval */
#define PB_NOISY_REL 0.10    /* an interval wider than this share of |median| is noisy */
#define PB_MWU_EXACT_MAX 30  /* both samples at most this and untied: exact U test */
#define PB_HL_MAX_PAIRS (1u << 22) /* more pairs than this: no Hodges-Lehmann estimate */

/* A sample's median with a confidence interval for it by order statistics:
 * [x_(k), x_(n+1-k)] with the largest k whose coverage, P(k <= B(n,1/2) <= n-k),
 * is at least PB_CI_LEVEL. Below n = 6 no k reaches it: the interval is then
 * [min, max], whose true coverage 1 - 2^(1-n) ci_level reports (0.9375 at
 * n = 5, 0.5 at n = 2); callers that need 95 % compare ci_level. */
struct pb_dist {
    size_t n;              /* samples */
    double median, min, max;
    double ci_lo, ci_hi;   /* the interval (both the value itself when n = 1) */
    double ci_level;       /* its coverage actually achieved: 0 <= ci_level < 1 */
    int ci_ok;             /* an interval exists: n >= 2 */
    int noisy;             /* ci_ok and ci_hi - ci_lo > PB_NOISY_REL * |median| */
};

/* Median of n values (sorted in place); 0 when n is 0. NaN-free input expected. */
double pb_median(double *v, size_t n);

/* Summarise v[0..n) (not changed) into *out. 0 ok; -1 (and *out zeroed) when n
 * is 0, a value is NaN or infinite, or memory runs out. */
int pb_dist_of(const double *v, size_t n, struct pb_dist *out);

/* The same for the paired differences a[i] - b[i] (net cost: backend round i
 * minus null round i). -1 also when a difference overflows to infinity. */
int pb_dist_paired_diff(const double *a, const double *b, size_t n, struct pb_dist *out);

/* 1 when 0 lies in [ci_lo, ci_hi] or there is no interval (zero cannot be
 * ruled out), 0 when the interval excludes it. Read ci_level for its coverage. */
int pb_dist_includes_zero(const struct pb_dist *d);

/* The outcome of comparing sample b (new) against sample a (base). */
struct pb_shift {
    double u;          /* Mann-Whitney U of b: pairs with b_j > a_i, ties counting 1/2 */
    double p_value;    /* two-sided */
    int exact;         /* p from the exact distribution of U (else normal approximation) */
    double ratio;      /* median(b) / median(a); NaN when median(a) is 0 */
    double hl_shift;   /* Hodges-Lehmann: median of all b_j - a_i; NaN past PB_HL_MAX_PAIRS */
    int significant;   /* p_value < alpha */
    int changed;       /* significant and |median(b) - median(a)| > min_effect * |median(a)|,
                        * i.e. |ratio - 1| > min_effect for a positive base */
};

/* Two-sided Mann-Whitney U test of a against b, with effect sizes. The p-value
 * is exact (U's distribution counted) when na, nb <= PB_MWU_EXACT_MAX and no
 * value is tied, else the normal approximation with tie and continuity
 * corrections. Small samples cannot reach a small p (na = nb = 3: never below
 * 0.1), so they are never significant at alpha = 0.05: see pb_mwu_min_p.
 * 0 ok; -1 when a side is empty, a value is not finite, alpha is not in (0, 1),
 * min_effect is negative or NaN, or memory runs out. */
int pb_compare_samples(const double *a, size_t na, const double *b, size_t nb, double alpha,
                       double min_effect, struct pb_shift *out);

/* The smallest p-value pb_compare_samples can give untied samples of these
 * sizes (one wholly above the other); when it is not below alpha, no change can
 * be detected ("too few rounds"). 1 when a size is 0. */
double pb_mwu_min_p(size_t na, size_t nb);

#endif /* PB_STATS_H */
