/* Plain C convolution and transposed convolution: the specification the oneDNN paths are tested against, and
 * the fallback for shapes oneDNN refuses. Spatial dims are handled as 3-D with leading 1s. */
#include "kernels/kernels.h"

#include <string.h>

typedef struct geom {
    int64_t in[3], out[3], k[3], s[3], dl[3], pl[3];
} geom;

static void to3(const k_conv_desc *d, geom *g)
{
    for (int i = 0; i < 3; i++) {
        g->in[i] = g->out[i] = g->k[i] = g->s[i] = g->dl[i] = 1;
        g->pl[i] = 0;
    }
    for (int i = 0; i < d->nsp; i++) {
        int j = 3 - d->nsp + i;
        g->in[j] = d->in[i];
        g->out[j] = d->out[i];
        g->k[j] = d->k[i];
        g->s[j] = d->stride[i];
        g->dl[j] = d->dil[i];
        g->pl[j] = d->pad_l[i];
    }
}

void k_f32_conv_ref(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y)
{
    geom g;
    to3(d, &g);
    int64_t og = d->c_out / d->group, ig = d->c_in / d->group;
    int64_t isz = g.in[0] * g.in[1] * g.in[2], osz = g.out[0] * g.out[1] * g.out[2], ksz = g.k[0] * g.k[1] * g.k[2];
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t oc = 0; oc < d->c_out; oc++) {
            int64_t grp = oc / og;
            float *yp = y + (n * d->c_out + oc) * osz;
            for (int64_t o0 = 0; o0 < g.out[0]; o0++)
                for (int64_t o1 = 0; o1 < g.out[1]; o1++)
                    for (int64_t o2 = 0; o2 < g.out[2]; o2++) {
                        double acc = b ? b[oc] : 0.0;
                        for (int64_t ic = 0; ic < ig; ic++) {
                            const float *xp = x + (n * d->c_in + grp * ig + ic) * isz;
                            const float *wp = w + (oc * ig + ic) * ksz;
                            for (int64_t k0 = 0; k0 < g.k[0]; k0++) {
                                int64_t i0 = o0 * g.s[0] - g.pl[0] + k0 * g.dl[0];
                                if (i0 < 0 || i0 >= g.in[0])
                                    continue;
                                for (int64_t k1 = 0; k1 < g.k[1]; k1++) {
                                    int64_t i1 = o1 * g.s[1] - g.pl[1] + k1 * g.dl[1];
                                    if (i1 < 0 || i1 >= g.in[1])
                                        continue;
                                    for (int64_t k2 = 0; k2 < g.k[2]; k2++) {
                                        int64_t i2 = o2 * g.s[2] - g.pl[2] + k2 * g.dl[2];
                                        if (i2 >= 0 && i2 < g.in[2])
                                            acc += (double)xp[(i0 * g.in[1] + i1) * g.in[2] + i2] *
                                                   wp[(k0 * g.k[1] + k1) * g.k[2] + k2];
                                    }
                                }
                            }
                        }
                        yp[(o0 * g.out[1] + o1) * g.out[2] + o2] = (float)acc;
                    }
        }
}

void k_f32_deconv_ref(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y)
{
    geom g;
    to3(d, &g);
    int64_t og = d->c_out / d->group, ig = d->c_in / d->group;
    int64_t isz = g.in[0] * g.in[1] * g.in[2], osz = g.out[0] * g.out[1] * g.out[2], ksz = g.k[0] * g.k[1] * g.k[2];
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t oc = 0; oc < d->c_out; oc++) {
            float *yp = y + (n * d->c_out + oc) * osz;
            for (int64_t i = 0; i < osz; i++)
                yp[i] = b ? b[oc] : 0.0f;
        }
    /* scatter: input position i contributes to output o = i*s - pad + k*dil */
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t ic = 0; ic < d->c_in; ic++) {
            int64_t grp = ic / ig;
            const float *xp = x + (n * d->c_in + ic) * isz;
            for (int64_t ocg = 0; ocg < og; ocg++) {
                int64_t oc = grp * og + ocg;
                float *yp = y + (n * d->c_out + oc) * osz;
                const float *wp = w + (ic * og + ocg) * ksz;
                for (int64_t i0 = 0; i0 < g.in[0]; i0++)
                    for (int64_t i1 = 0; i1 < g.in[1]; i1++)
                        for (int64_t i2 = 0; i2 < g.in[2]; i2++) {
                            float xv = xp[(i0 * g.in[1] + i1) * g.in[2] + i2];
                            for (int64_t k0 = 0; k0 < g.k[0]; k0++) {
                                int64_t o0 = i0 * g.s[0] - g.pl[0] + k0 * g.dl[0];
                                if (o0 < 0 || o0 >= g.out[0])
                                    continue;
                                for (int64_t k1 = 0; k1 < g.k[1]; k1++) {
                                    int64_t o1 = i1 * g.s[1] - g.pl[1] + k1 * g.dl[1];
                                    if (o1 < 0 || o1 >= g.out[1])
                                        continue;
                                    for (int64_t k2 = 0; k2 < g.k[2]; k2++) {
                                        int64_t o2 = i2 * g.s[2] - g.pl[2] + k2 * g.dl[2];
                                        if (o2 >= 0 && o2 < g.out[2])
                                            yp[(o0 * g.out[1] + o1) * g.out[2] + o2] +=
                                                xv * wp[(k0 * g.k[1] + k1) * g.k[2] + k2];
                                    }
                                }
                            }
                        }
            }
        }
}
