/* perf: cycle and traffic model of one engine operation.
 *
 * CONV (reference engine.md §1.3): an atomic op multiplies atom_c input channels by atom_k kernels for one output
 * point in one cycle; a stripe is 16..32 atomic ops with the weights held (shorter stripes still cost 16 cycles:
 * the time to load the next weights); every (C-atom, kernel tap, kernel group) runs all stripes of the output.
 *     cycles = ceil(Cg/atom_c) * R * S * kernel_groups * sum_stripes max(len, min_stripe)
 * with the work of a core split over its conv pipes (kernel groups or, when there are fewer groups than pipes,
 * output stripes). Image input (a 1..4-channel first layer) packs the kernel width into the channels
 * (NVDLA's channel pre-extension): ceil(C*S/atom_c) * R. Grouped convs: one group at a time on NVDLA v1; on Orin
 * (group_pack) the groups whose kernels share one atomic-K block are computed together (block diagonal), so a
 * depthwise conv costs ceil(C/atom_k) * R * S * stripes. FP16 divides the rate by fp16_ratio. 2:4 sparse INT8
 * convs with more than 64 input channels per group skip half the C atoms (their weight traffic is unchanged: the
 * DLA-SW FAQ says sparsity gains only on math-bound convs). mac_eff (fitted) is the fraction of this ideal rate a
 * pipe sustains.
 *
 * DRAM traffic of a conv (NVDLA's spreadsheet, engine.md §1.8): input X and weights W once when both fit the
 * convolution buffer; otherwise, if the smallest input window (min(R+1, H) rows) is smaller than one kernel
 * group's weights, the input is cut into chunks of (CBUF - one kernel group) and all weights are read per chunk,
 * else the weights are cut into chunks of (CBUF - smallest window) and the input is read per chunk. The
 * compiler's partial-H bands are separate ops: each re-reads the weights (the re-fetch of split layers).
 * With stride_fold (nv_full, Xavier: the spreadsheet's convention) a strided conv's input, window and weights are
 * counted with the stride folded into the channels: ceil16(C*sx*sy) channels, ceil(H/sy) x ceil(W/sx) input,
 * ceil(R/sy) x ceil(S/sx) taps. */
#include "perf/perf.h"

#include <math.h>

static double bpe_of(int prec) { return prec == ENG_INT8 ? 1.0 : 2.0; }

/* Bytes of a cube in memory (0 for on-the-fly cubes). */
static double cube_bytes(const eng_cube *c)
{
    if (c->mem_type == ENG_MEM_HW)
        return 0;
    if (c->layout == ENG_LAYOUT_FEATURE) {
        double bpe = bpe_of(c->precision);
        double surf = ceil(c->channel * bpe / ENG_ATOM_BYTES);
        return surf * ENG_ATOM_BYTES * (double)c->width * c->height;
    }
    return c->size;
}

static double cube_elems(const eng_cube *c) { return (double)c->channel * c->width * c->height; }

/* sum over the stripes of n outputs of max(len, min): stripes of max_stripe, the last one shorter */
static double stripe_cycles(const perf_hw *hw, double n)
{
    double mx = hw->v[PERF_P_MAX_STRIPE] >= 1 ? hw->v[PERF_P_MAX_STRIPE] : 32;
    double mn = hw->v[PERF_P_MIN_STRIPE];
    if (n <= 0)
        return 0;
    double full = floor(n / mx), rest = n - full * mx;
    return full * fmax(mx, mn) + (rest > 0 ? fmax(rest, mn) : 0);
}

static int image_mode(const eng_conv_op *c)
{
    return c->src.layout == ENG_LAYOUT_HWC4 || c->src.layout == ENG_LAYOUT_LINEAR || c->src.channel <= 4;
}

int perf_conv_sparse_eligible(const perf_hw *hw, const eng_conv_op *c)
{
    int groups = c->groups ? c->groups : 1;
    return hw->v[PERF_P_SPARSE] > 0 && c->in_precision == ENG_INT8 && c->src.channel / groups > 64;
}

double perf_conv_cycles(const perf_hw *hw, const eng_conv_op *c, int sparse)
{
    double atom_c = hw->v[PERF_P_ATOM_C], atom_k = hw->v[PERF_P_ATOM_K];
    double pipes = hw->v[PERF_P_PIPES] >= 1 ? hw->v[PERF_P_PIPES] : 1;
    double G = c->groups ? c->groups : 1;
    double C = c->src.channel, K = c->out_channel, R = c->kernel_h, S = c->kernel_w;
    double Cg = floor(C / G), Kg = floor(K / G);
    if (Cg < 1)
        Cg = 1;
    if (Kg < 1)
        Kg = 1;
    double c_eff = sparse ? 2 * atom_c : atom_c;
    double c_atoms, kgroups, taps = R * S;
    if (G <= 1) {
        kgroups = ceil(K / atom_k);
        if (image_mode(c)) {
            c_atoms = ceil(C * S / atom_c);
            taps = R;
        } else {
            c_atoms = ceil(C / c_eff);
        }
    } else if (hw->v[PERF_P_GROUP_PACK] > 0 && Kg < atom_k) {
        double span = fmin(G, floor(atom_k / Kg)); /* groups per atomic-K block */
        kgroups = ceil(G / span);
        c_atoms = ceil(span * Cg / c_eff);
    } else {
        kgroups = G * ceil(Kg / atom_k);
        c_atoms = ceil(Cg / c_eff);
    }
    double outputs = (double)c->out_width * c->out_height;
    /* split over the pipes: by kernel groups, or by output stripes — whichever balances better */
    double by_k = ceil(kgroups / pipes) * stripe_cycles(hw, outputs);
    double by_s = kgroups * stripe_cycles(hw, ceil(outputs / pipes));
    double cycles = c_atoms * taps * fmin(by_k, by_s);
    if (c->in_precision != ENG_INT8 && hw->v[PERF_P_FP16_RATIO] > 0)
        cycles /= hw->v[PERF_P_FP16_RATIO];
    if (hw->v[PERF_P_MAC_EFF] > 0)
        cycles /= hw->v[PERF_P_MAC_EFF];
    return cycles;
}

double perf_conv_traffic(const perf_hw *hw, const eng_conv_op *c, int sparse, double *weight_bytes)
{
    double bpe = bpe_of(c->in_precision);
    double X = cube_bytes(&c->src);
    double W = c->weight.size;
    if (W <= 0)
        W = (double)c->out_channel * (c->src.channel / (c->groups ? c->groups : 1)) * c->kernel_h * c->kernel_w * bpe;
    double sx = c->stride_x ? c->stride_x : 1, sy = c->stride_y ? c->stride_y : 1;
    double H = c->src.height, rows = fmin(c->kernel_h + 1.0, H), Y = -1;
    if (hw->v[PERF_P_STRIDE_FOLD] > 0 && sx * sy > 1 && !image_mode(c)) {
        /* the spreadsheet's strided conv: the stride folded into the channels (EN 1.8) */
        double Cf = ceil(c->src.channel * sx * sy / 16.0) * 16.0, G = c->groups ? c->groups : 1;
        H = ceil(c->src.height / sy);
        rows = fmin(c->kernel_h + 1.0, H);
        X = Cf * H * ceil(c->src.width / sx) * bpe;
        Y = Cf * rows * ceil(c->src.width / sx) * bpe;
        W = Cf / G * ceil(c->kernel_h / sy) * ceil(c->kernel_w / sx) * c->out_channel * bpe;
    }
    (void)sparse; /* 2:4 weights move as many bytes as dense ones: "gains only on math-bound convs" (DLA-SW FAQ,
                   * orin-perf.md 4.1) leaves no room for a weight-traffic saving on memory-bound ones */
    double cbuf = hw->v[PERF_P_CBUF_KB] * 1024.0;
    double reads_w = 1, reads_x = 1;
    if (X + W > cbuf) {
        if (Y < 0)
            Y = c->src.layout == ENG_LAYOUT_FEATURE ? ceil(c->src.channel * bpe / ENG_ATOM_BYTES) *
                ENG_ATOM_BYTES * c->src.width * rows : X * rows / fmax(1.0, H);
        double K = c->out_channel ? c->out_channel : 1;
        double AA = W * fmin(1.0, hw->v[PERF_P_ATOM_K] / K);
        if (Y < AA)
            reads_w = ceil(X / fmax(cbuf - AA, cbuf / 8));
        else
            reads_x = ceil(W / fmax(cbuf - Y, cbuf / 8));
    }
    if (weight_bytes)
        *weight_bytes = W * reads_w;
    return X * reads_x + W * reads_w;
}

static double bdma_bytes(const eng_bdma_op *b)
{
    double t = 0;
    for (int i = 0; i < b->num_transfers && i < ENG_BDMA_MAX_TRANSFERS; i++) {
        const eng_bdma_transfer *x = &b->transfers[i];
        t += (double)x->line_size * (x->line_repeat ? x->line_repeat : 1) * (x->surface_repeat ? x->surface_repeat : 1);
    }
    return t;
}

static double rate(const perf_hw *hw, int p) { return hw->v[p] > 0 ? hw->v[p] : 1; }

void perf_op_cost_of(const perf_hw *hw, const eng_op *op, perf_sparsity sp, perf_op_cost *out)
{
    out->cycles = out->dram_bytes = out->weight_bytes = 0;
    out->macs = 0;
    out->sparse = out->fused = 0;
    switch (op->type) {
    case ENG_OP_CONV: {
        const eng_conv_op *c = &op->u.conv;
        int G = c->groups ? c->groups : 1;
        out->macs = (int64_t)c->out_width * c->out_height * c->out_channel * (c->src.channel / G) * c->kernel_h *
                    c->kernel_w;
        int sparse = perf_conv_sparse_eligible(hw, c) &&
                     (sp == PERF_SPARSE_FORCE || (sp == PERF_SPARSE_ENABLE && c->sparse));
        out->sparse = sparse;
        out->cycles = perf_conv_cycles(hw, c, sparse);
        out->dram_bytes = perf_conv_traffic(hw, c, sparse, &out->weight_bytes);
        out->dram_bytes += cube_bytes(&c->dst);
        break;
    }
    case ENG_OP_SDP: {
        const eng_sdp_op *s = &op->u.sdp;
        out->fused = s->src.mem_type == ENG_MEM_HW;
        double elems = s->dst.mem_type == ENG_MEM_HW ? cube_elems(&s->src) : cube_elems(&s->dst);
        if (elems <= 0)
            elems = cube_elems(&s->src);
        out->cycles = elems / rate(hw, PERF_P_SDP_EPC);
        out->dram_bytes = cube_bytes(&s->src) + cube_bytes(&s->dst);
        if (s->x1.enable)
            out->dram_bytes += cube_bytes(&s->x1_data);
        if (s->x2.enable)
            out->dram_bytes += cube_bytes(&s->x2_data);
        if (s->y.enable)
            out->dram_bytes += cube_bytes(&s->y_data);
        break;
    }
    case ENG_OP_PDP: {
        const eng_pdp_op *p = &op->u.pdp;
        out->fused = p->src.mem_type == ENG_MEM_HW;
        out->cycles = cube_elems(&p->src) / rate(hw, PERF_P_PDP_EPC);
        out->dram_bytes = cube_bytes(&p->src) + cube_bytes(&p->dst);
        break;
    }
    case ENG_OP_CDP: {
        const eng_cdp_op *d = &op->u.cdp;
        out->cycles = cube_elems(&d->src) / rate(hw, PERF_P_CDP_EPC);
        out->dram_bytes = cube_bytes(&d->src) + cube_bytes(&d->dst);
        break;
    }
    case ENG_OP_RUBIK: {
        const eng_rubik_op *r = &op->u.rubik;
        double in = cube_bytes(&r->src), o = cube_bytes(&r->dst);
        out->cycles = fmax(in, o) / rate(hw, PERF_P_RUBIK_BPC);
        out->dram_bytes = in + o;
        break;
    }
    case ENG_OP_BDMA: {
        double b = bdma_bytes(&op->u.bdma);
        out->cycles = b / rate(hw, PERF_P_BDMA_BPC);
        out->dram_bytes = 2 * b;
        break;
    }
    default:
        break;
    }
}
