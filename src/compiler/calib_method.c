/* Calibrators: from a histogram of |x| (n_bins bins over [0, hist_max]) to a threshold amax.
 *
 * max        amax = max |x| (no histogram needed).
 * percentile amax = the value below which p % of all elements lie (exact zeros included, as pytorch-quantization's
 *            percentile calibrator counts them), interpolated linearly inside the bin where the p-th fraction
 *            falls.
 * entropy    after TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", GTC 2017), in our
 *            own formulation:
 *              for each candidate i = 128 .. n_bins (threshold = i bin widths):
 *                P = bins 0 .. i-1, with the mass of every bin >= i added to bin i-1 (what saturation does);
 *                Q = bins 0 .. i-1 merged into 128 equal groups (group j = bins [j*i/128, (j+1)*i/128)), then
 *                    expanded back: each group's total spread evenly over its bins that were nonzero (empty bins
 *                    stay empty — quantization does not invent values where there were none);
 *                D(i) = KL(P || Q) over the normalised distributions (a bin with P > 0 and Q = 0 — the
 *                    saturated last bin when it held no values of its own — makes D(i) infinite: skipped);
 *              amax = i* x bin width, i* = argmin D (ties go to the larger i, i.e. less clipping).
 *            Exact zeros are left out of the histogram: they quantize exactly at every scale, so they carry no
 *            information about the threshold (and a ReLU output's huge zero count would swamp bin 0).
 *            With 128 levels over an unsigned |x| histogram this models the 127 positive INT8 levels plus 0.
 *            Cost O(n_bins^2) per tensor (about 2 M multiply-adds and logs at 2048 bins).
 */
#include "compiler/calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ENTROPY_LEVELS 128

const char *cc_calib_method_name(cc_calib_method m)
{
    switch (m) {
    case CC_CALIB_MAX: return "max";
    case CC_CALIB_PERCENTILE: return "percentile";
    case CC_CALIB_ENTROPY: return "entropy";
    }
    return "?";
}

dla_status cc_calib_parse_method(const char *spec, cc_calib_method *method, double *percentile)
{
    *percentile = 99.99;
    if (!spec || strcmp(spec, "max") == 0) {
        *method = CC_CALIB_MAX;
        return DLA_OK;
    }
    if (strcmp(spec, "entropy") == 0) {
        *method = CC_CALIB_ENTROPY;
        return DLA_OK;
    }
    if (strncmp(spec, "percentile", 10) == 0 && (spec[10] == '\0' || spec[10] == ':')) {
        *method = CC_CALIB_PERCENTILE;
        if (spec[10] == ':') {
            char *end;
            double p = strtod(spec + 11, &end);
            if (end == spec + 11 || *end || !(p > 0 && p <= 100))
                return base_error(DLA_ERR_INVALID_ARG,
                                  "calibration method '%s': the percentile must be a number in (0, 100]", spec);
            *percentile = p;
        }
        return DLA_OK;
    }
    return base_error(DLA_ERR_INVALID_ARG,
                      "unknown calibration method '%s' (expected max, percentile[:P] or entropy)", spec);
}

static void hist_range(uint64_t *hist, int n_bins, double hist_max, const float *x, size_t n, uint64_t *n_zeros)
{
    double k = hist_max > 0 ? n_bins / hist_max : 0;
    uint64_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)x[i]);
        if (a == 0) {
            zeros++;
            continue;
        }
        if (a != a) /* NaN */
            continue;
        double b = a * k;
        int bin = b >= n_bins ? n_bins - 1 : (int)b;
        hist[bin]++;
    }
    *n_zeros += zeros;
}

void cc_hist_add_f32(uint64_t *hist, int n_bins, double hist_max, const float *x, size_t n, uint64_t *n_zeros,
                     int n_threads)
{
    if (n_threads <= 1 || n < ((size_t)1 << 16)) {
        hist_range(hist, n_bins, hist_max, x, n, n_zeros);
        return;
    }
    uint64_t *local = calloc((size_t)n_threads * (size_t)n_bins, sizeof *local);
    uint64_t *zeros = calloc((size_t)n_threads, sizeof *zeros);
    if (!local || !zeros) { /* no scratch: do it on one thread */
        free(local);
        free(zeros);
        hist_range(hist, n_bins, hist_max, x, n, n_zeros);
        return;
    }
    size_t chunk = (n + (size_t)n_threads - 1) / (size_t)n_threads;
#pragma omp parallel for num_threads(n_threads)
    for (int t = 0; t < n_threads; t++) {
        size_t lo = (size_t)t * chunk, hi = lo + chunk < n ? lo + chunk : n;
        if (lo < hi)
            hist_range(local + (size_t)t * (size_t)n_bins, n_bins, hist_max, x + lo, hi - lo, &zeros[t]);
    }
    for (int t = 0; t < n_threads; t++) {
        for (int b = 0; b < n_bins; b++)
            hist[b] += local[(size_t)t * (size_t)n_bins + (size_t)b];
        *n_zeros += zeros[t];
    }
    free(local);
    free(zeros);
}

double cc_calib_percentile(const uint64_t *hist, int n_bins, double hist_max, uint64_t n_zeros, double percentile)
{
    double total = (double)n_zeros;
    for (int b = 0; b < n_bins; b++)
        total += (double)hist[b];
    if (total <= 0 || hist_max <= 0)
        return 0;
    double target = percentile / 100.0 * total, cum = (double)n_zeros, w = hist_max / n_bins;
    if (target <= cum)
        return 0;
    for (int b = 0; b < n_bins; b++) {
        double c = (double)hist[b];
        if (c > 0 && cum + c >= target)
            return (b + (target - cum) / c) * w;
        cum += c;
    }
    return hist_max;
}

/* D(i) for candidate i (see the file comment); INFINITY when Q misses mass that P has. q is scratch (i). */
static double divergence(const uint64_t *hist, int i, double outliers, double *q)
{
    double p_sum = outliers, q_sum = 0;
    for (int j = 0; j < ENTROPY_LEVELS; j++) {
        int lo = (int)((int64_t)j * i / ENTROPY_LEVELS), hi = (int)((int64_t)(j + 1) * i / ENTROPY_LEVELS);
        double total = 0;
        int nonzero = 0;
        for (int k = lo; k < hi; k++) {
            total += (double)hist[k];
            nonzero += hist[k] != 0;
        }
        double each = nonzero ? total / nonzero : 0;
        for (int k = lo; k < hi; k++)
            q[k] = hist[k] ? each : 0;
        q_sum += total;
    }
    for (int k = 0; k < i; k++)
        p_sum += (double)hist[k];
    if (p_sum <= 0 || q_sum <= 0)
        return INFINITY;
    double d = 0;
    for (int k = 0; k < i; k++) {
        double p = (double)hist[k] + (k == i - 1 ? outliers : 0);
        if (p <= 0)
            continue;
        if (q[k] <= 0)
            return INFINITY;
        p /= p_sum;
        d += p * log(p / (q[k] / q_sum));
    }
    return d;
}

double cc_calib_entropy(const uint64_t *hist, int n_bins, double hist_max)
{
    if (hist_max <= 0 || n_bins < ENTROPY_LEVELS)
        return hist_max;
    double *q = malloc(sizeof *q * (size_t)n_bins);
    if (!q)
        return hist_max; /* no scratch: fall back to max, never fail calibration on it */
    /* suffix[i] = mass in bins >= i */
    double *suffix = malloc(sizeof *suffix * (size_t)(n_bins + 1));
    if (!suffix) {
        free(q);
        return hist_max;
    }
    suffix[n_bins] = 0;
    for (int b = n_bins - 1; b >= 0; b--)
        suffix[b] = suffix[b + 1] + (double)hist[b];
    int best = n_bins;
    double best_d = INFINITY;
    for (int i = ENTROPY_LEVELS; i <= n_bins; i++) {
        if (suffix[i] > 0 && hist[i - 1] == 0)
            continue; /* saturated mass in an empty last bin: Q = 0 where P > 0, infinite D */
        double d = divergence(hist, i, suffix[i], q);
        if (isfinite(d) && d <= best_d) {
            best_d = d;
            best = i;
        }
    }
    free(q);
    free(suffix);
    return best * (hist_max / n_bins);
}
