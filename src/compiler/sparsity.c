/* compiler: 2:4 structured sparsity of INT8 convolution weights — the mode, the eligibility rule, pruning and the
 * pattern check (sparsity.h has the rules). */
#include "compiler/sparsity.h"
#include "base/base.h"

#include <math.h>
#include <string.h>

dla_status cc_parse_sparsity(const char *s, cc_sparsity *out)
{
    *out = CC_SPARSITY_DISABLE;
    if (!s || !*s || strcmp(s, "disable") == 0)
        return DLA_OK;
    if (strcmp(s, "enable") == 0)
        *out = CC_SPARSITY_ENABLE;
    else if (strcmp(s, "force") == 0)
        *out = CC_SPARSITY_FORCE;
    else
        return base_error(DLA_ERR_INVALID_ARG, "--sparsity=%s: expected disable, enable or force", s);
    return DLA_OK;
}

const char *cc_sparsity_name(cc_sparsity s)
{
    return s == CC_SPARSITY_FORCE ? "force" : s == CC_SPARSITY_ENABLE ? "enable" : "disable";
}

cc_sparsity cc_sparse_for_platform(cc_sparsity requested, cc_platform p)
{
    return p == CC_ORIN ? requested : CC_SPARSITY_DISABLE;
}

int cc_sparse_eligible(cc_platform p, cc_prec prec, int cg)
{
    return p == CC_ORIN && prec == CC_PREC_INT8 && cg > CC_SPARSE_MIN_CG;
}

cc_sparsity cc_sparse_conv_mode(cc_sparsity mode, cc_prec prec, int cg)
{
    return prec == CC_PREC_INT8 && cg > CC_SPARSE_MIN_CG ? mode : CC_SPARSITY_DISABLE;
}

/* Keeps the two largest |v| of the n (<= 4) values at v[0], v[step], ...; ties go to the lower index. */
static int prune_group(double *v, size_t step, int n)
{
    if (n <= 2)
        return 0;
    int a = -1, b = -1;
    for (int i = 0; i < n; i++) {
        double m = fabs(v[(size_t)i * step]);
        if (a < 0 || m > fabs(v[(size_t)a * step])) {
            b = a;
            a = i;
        } else if (b < 0 || m > fabs(v[(size_t)b * step])) {
            b = i;
        }
    }
    int zeroed = 0;
    for (int i = 0; i < n; i++)
        if (i != a && i != b && v[(size_t)i * step] != 0) {
            v[(size_t)i * step] = 0;
            zeroed++;
        }
    return zeroed;
}

int64_t cc_sparse_prune(double *w, int K, int Cg, int rs)
{
    int64_t zeroed = 0;
    size_t per_k = (size_t)Cg * rs;
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < Cg; c0 += 4)
            for (int t = 0; t < rs; t++)
                zeroed += prune_group(w + (size_t)k * per_k + (size_t)c0 * rs + t, (size_t)rs,
                                      Cg - c0 < 4 ? Cg - c0 : 4);
    return zeroed;
}

int cc_sparse_is_2to4(const int8_t *q, int K, int Cg, int rs)
{
    size_t per_k = (size_t)Cg * rs;
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < Cg; c0 += 4)
            for (int t = 0; t < rs; t++) {
                const int8_t *g = q + (size_t)k * per_k + (size_t)c0 * rs + t;
                int n = Cg - c0 < 4 ? Cg - c0 : 4, nz = 0;
                for (int i = 0; i < n; i++)
                    nz += g[(size_t)i * rs] != 0;
                if (nz > 2)
                    return 0;
            }
    return 1;
}

