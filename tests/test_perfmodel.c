/* Performance model (src/perf): hand-computed conv cycles, memory- vs math-bound layers, 2:4 sparsity only where
 * it can help, two cores sharing DRAM, power-mode scaling, hardware table lookups. Parameters that the fit may
 * change are pinned with perf_hw_override, so these expectations do not move with a recalibration. */
#include "check.h"

#include "perf/perf.h"

#include <string.h>

static eng_conv_op conv(int C, int K, int R, int S, int P, int Q, int prec)
{
    eng_conv_op c;
    memset(&c, 0, sizeof c);
    c.in_precision = c.out_precision = (uint8_t)prec;
    c.stride_x = c.stride_y = 1;
    c.kernel_w = (uint8_t)S;
    c.kernel_h = (uint8_t)R;
    c.groups = 1;
    c.out_width = (uint16_t)Q;
    c.out_height = (uint16_t)P;
    c.out_channel = (uint16_t)K;
    c.src.layout = ENG_LAYOUT_FEATURE;
    c.src.precision = (uint8_t)prec;
    c.src.channel = (uint16_t)C;
    c.src.width = (uint16_t)(Q + S - 1);
    c.src.height = (uint16_t)(P + R - 1);
    double bpe = prec == ENG_INT8 ? 1 : 2;
    c.weight.layout = ENG_LAYOUT_WEIGHT;
    c.weight.size = (uint32_t)(K * C * R * S * bpe);
    c.dst.mem_type = ENG_MEM_HW;
    return c;
}

/* A CONV op followed by its fused SDP writing the output to DRAM. */
static void conv_layer(eng_op ops[2], eng_conv_op c)
{
    memset(ops, 0, 2 * sizeof *ops);
    ops[0].type = ENG_OP_CONV;
    ops[0].u.conv = c;
    ops[1].type = ENG_OP_SDP;
    eng_sdp_op *s = &ops[1].u.sdp;
    s->src.mem_type = ENG_MEM_HW;
    s->src.channel = c.out_channel;
    s->src.width = c.out_width;
    s->src.height = c.out_height;
    s->dst = s->src;
    s->dst.mem_type = ENG_MEM_DRAM;
    s->dst.layout = ENG_LAYOUT_FEATURE;
    s->dst.precision = c.out_precision;
}

static perf_hw hw_of(const char *platform, const char *mode, const char *over)
{
    perf_hw hw;
    CHECK_OK(perf_hw_get(platform, mode, &hw));
    if (over)
        CHECK_OK(perf_hw_override(&hw, over));
    return hw;
}

#define PINNED "cbuf_kb=1024,dram_eff=0.5,sdp_epc=64,pdp_epc=32,op_falcon_cyc=100,layer_us=0,port_bpc=1000," \
               "mac_eff=1,band_falcon_cyc=100"

static void test_conv_cycles(void)
{
    perf_hw nv = hw_of("nv_full", NULL, NULL);
    /* nv_full 64x32 atoms, one pipe: ceil(128/64) * 3*3 * ceil(64/32) * (32 + 32) = 2 * 9 * 2 * 64 = 2304 */
    eng_conv_op c = conv(128, 64, 3, 3, 8, 8, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 2304, 0);
    /* 25 outputs: one stripe of 25 */
    c = conv(128, 64, 3, 3, 5, 5, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 2 * 9 * 2 * 25, 0);
    /* 9 outputs: a stripe shorter than 16 still costs 16 (weight loading) */
    c = conv(128, 64, 3, 3, 3, 3, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 2 * 9 * 2 * 16, 0);
    /* 70 outputs: 32 + 32 + max(6, 16) */
    c = conv(128, 64, 3, 3, 7, 10, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 2 * 9 * 2 * 80, 0);
    /* channel padding: C = 65 costs as 128, K = 33 as 64 */
    c = conv(65, 33, 1, 1, 8, 8, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 2 * 1 * 2 * 64, 0);
    /* FP16 at half the MACs: twice the cycles */
    c = conv(128, 64, 3, 3, 8, 8, ENG_FP16);
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 4608, 0);
    /* depthwise on nv_full: one group at a time: 32 groups x 1 x 9 x 1 x 64 */
    c = conv(32, 32, 3, 3, 8, 8, ENG_INT8);
    c.groups = 32;
    CHECK_NEAR(perf_conv_cycles(&nv, &c, 0), 32 * 9 * 64, 0);

    /* Orin: two pipes of 64x64. K = 64 is one kernel group, so the pipes split the stripes: 2 * 9 * 1 * 32 */
    perf_hw orin = hw_of("orin", "MAXN", "mac_eff=1"); /* the ideal atom/stripe count */
    c = conv(128, 64, 3, 3, 8, 8, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&orin, &c, 0), 576, 0);
    /* K = 128: one kernel group per pipe: 2 * 9 * 1 * 64 */
    c = conv(128, 128, 3, 3, 8, 8, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&orin, &c, 0), 1152, 0);
    /* depthwise packs 64 channels per atomic on Orin: 1 * 9 * 1 * 32 */
    c = conv(64, 64, 3, 3, 8, 8, ENG_INT8);
    c.groups = 64;
    CHECK_NEAR(perf_conv_cycles(&orin, &c, 0), 9 * 32, 0);
    /* image input (3 channels, 7x7): the kernel width packed into the channels: ceil(21/64) * 7 rows */
    c = conv(3, 64, 7, 7, 8, 8, ENG_INT8);
    CHECK_NEAR(perf_conv_cycles(&orin, &c, 0), 1 * 7 * 1 * 32, 0);
}

static void test_traffic(void)
{
    perf_hw nv = hw_of("nv_full", NULL, NULL);
    /* everything fits the 512 KB buffer: input + weights once */
    eng_conv_op c = conv(64, 64, 3, 3, 8, 8, ENG_INT8);
    double wb;
    double X = 64.0 * 10 * 10, W = 64.0 * 64 * 9;
    CHECK_NEAR(perf_conv_traffic(&nv, &c, 0, &wb), X + W, 0);
    CHECK_NEAR(wb, W, 0);
    /* weights of 512x512x3x3 = 2.36 MB do not fit; the smallest input window (4 rows) is smaller than one kernel
     * group's weights (32 kernels = 147 KB): input chunks of CBUF - 147 KB, all weights per chunk */
    c = conv(512, 512, 3, 3, 14, 14, ENG_INT8);
    X = 512.0 * 16 * 16;
    W = 512.0 * 512 * 9;
    double AA = W * 32 / 512, reads = ceil(X / (512 * 1024 - AA));
    CHECK_NEAR(perf_conv_traffic(&nv, &c, 0, &wb), X + reads * W, 0);
    CHECK(reads == 1);
    /* a big input with small weights: the input is re-read once per weight chunk only when weights exceed */
    c = conv(64, 64, 3, 3, 254, 254, ENG_INT8);
    X = 64.0 * 256 * 256; /* 4 MB: does not fit */
    W = 64.0 * 64 * 9;
    /* min window 4 rows x 256 x 64 = 64 KB > one kernel group (18 KB): weights chunks: ceil(W / (CBUF - 64K)) = 1 */
    CHECK_NEAR(perf_conv_traffic(&nv, &c, 0, &wb), X + W, 0);
}

static void test_bounds_and_sparsity(void)
{
    perf_hw hw = hw_of("orin", "MAXN", PINNED);
    perf_options o = {.cores = 1, .sparsity = PERF_SPARSE_FORCE};
    eng_op ops[2];
    /* 1x1, 64 -> 64 on 56x56: conv 1568 cycles, but the fused SDP (64 elements/cycle) needs 3136: the
     * pipeline runs at 3136 cycles (1.96 us); 200 KB in + 200 KB out at 102.4 GB/s take 3.96 us: memory */
    conv_layer(ops, conv(64, 64, 1, 1, 56, 56, ENG_INT8));
    ops[0].u.conv.src.width = ops[0].u.conv.src.height = 56;
    perf_layer L;
    memset(&L, 0, sizeof L);
    perf_layer_cost(&hw, &o, ops, 0, 2, &L);
    CHECK(L.bound == PERF_BOUND_MEMORY);
    CHECK_NEAR(L.math_us, 3136 / 1600.0, 1e-9);
    CHECK_NEAR(L.bytes, 2 * 64.0 * 3136 + 4096, 0);
    CHECK_NEAR(L.mem_us, L.bytes / (204.8 * 0.5 * 1000), 1e-9);
    CHECK(L.sparse_convs == 0); /* C = 64 is not eligible */
    CHECK_NEAR(L.time_us, L.mem_us, 1e-9);

    /* 3x3, 256 -> 256 on 14x14: 4 C atoms x 9 taps x min(2 kernel groups per pipe x stripes(196) = 2 x 208,
     * 4 kernel groups x stripes(98) = 4 x 112) = 14976 cycles (9.36 us) vs 705536 B (6.89 us): math */
    eng_conv_op big = conv(256, 256, 3, 3, 14, 14, ENG_INT8);
    conv_layer(ops, big);
    perf_options dense = {.cores = 1, .sparsity = PERF_SPARSE_DISABLE};
    perf_layer D, S;
    memset(&D, 0, sizeof D);
    memset(&S, 0, sizeof S);
    perf_layer_cost(&hw, &dense, ops, 0, 2, &D);
    perf_layer_cost(&hw, &o, ops, 0, 2, &S);
    CHECK_NEAR(D.math_us, 4 * 9 * 2 * 208 / 1600.0, 1e-9);
    CHECK_NEAR(D.bytes, 256.0 * 16 * 16 + 256.0 * 256 * 9 + 256.0 * 196, 0);
    CHECK(D.bound == PERF_BOUND_MATH);
    CHECK(S.sparse_convs == 1);
    CHECK_NEAR(S.math_us, D.math_us / 2, 1e-9); /* half the C atoms */
    CHECK(S.bytes == D.bytes);                  /* 2:4 weights move as many bytes (math-bound gains only) */
    CHECK(S.time_us < D.time_us);
    /* the memory-bound layer gains nothing even with eligible channels */
    conv_layer(ops, conv(128, 128, 1, 1, 56, 56, ENG_INT8));
    ops[0].u.conv.src.width = ops[0].u.conv.src.height = 56;
    memset(&D, 0, sizeof D);
    memset(&S, 0, sizeof S);
    perf_layer_cost(&hw, &dense, ops, 0, 2, &D);
    perf_layer_cost(&hw, &o, ops, 0, 2, &S);
    CHECK(D.bound == PERF_BOUND_MEMORY);
    CHECK(S.sparse_convs == 1);
    CHECK_NEAR(S.time_us, D.time_us, 1e-9);
    /* FP16 and hardware without sparsity: never sparse */
    eng_conv_op f = conv(256, 256, 3, 3, 14, 14, ENG_FP16);
    CHECK(!perf_conv_sparse_eligible(&hw, &f));
    perf_hw xav = hw_of("xavier", "MAXN", NULL);
    CHECK(!perf_conv_sparse_eligible(&xav, &big));
    CHECK(perf_conv_sparse_eligible(&hw, &big));

    /* the sparse gain grows as the power mode lowers compute per byte: at MAXN the sparse layer becomes
     * memory-bound (4.68 us math < 4.73 us memory), at 15W it stays math-bound (full 2x) */
    perf_hw lo = hw_of("orin", "15W", PINNED);
    conv_layer(ops, big);
    perf_layer a, b, c2, d;
    memset(&a, 0, sizeof a), memset(&b, 0, sizeof b), memset(&c2, 0, sizeof c2), memset(&d, 0, sizeof d);
    perf_layer_cost(&hw, &dense, ops, 0, 2, &a);
    perf_layer_cost(&hw, &o, ops, 0, 2, &b);
    perf_layer_cost(&lo, &dense, ops, 0, 2, &c2);
    perf_layer_cost(&lo, &o, ops, 0, 2, &d);
    CHECK(a.time_us / b.time_us < c2.time_us / d.time_us - 0.01);
    CHECK(b.bound == PERF_BOUND_MEMORY && d.bound == PERF_BOUND_MATH);
}

static void test_cores_and_modes(void)
{
    perf_hw hw = hw_of("orin", "MAXN", PINNED);
    int lim = -1;
    /* 100 us alone, 5 MB per inference: two cores need 10 MB / 102.4 GB/s = 97.7 us < 100: not DRAM-limited */
    CHECK_NEAR(perf_cores_time(&hw, 100, 5e6, 2, &lim), 100, 1e-9);
    CHECK(lim == 0);
    /* 20 MB: two cores need 390.6 us of DRAM: each inference takes that long, rate < 2x one core */
    double one = perf_cores_time(&hw, 100, 20e6, 1, &lim);
    double two = perf_cores_time(&hw, 100, 20e6, 2, &lim);
    CHECK(lim == 1);
    CHECK_NEAR(two, 40e6 / (102.4 * 1000), 1e-6);
    CHECK(2 / two < 2 * (1 / one));

    /* per layer, a core running beside another gets 1 / (1 + dram_share) of the DRAM: memory-bound layers slow
     * down, math-bound ones do not */
    perf_hw sh = hw_of("orin", "MAXN", PINNED ",dram_share=0.5");
    perf_options o1 = {.cores = 1}, o2 = {.cores = 2};
    eng_op mops[2];
    conv_layer(mops, conv(64, 64, 1, 1, 56, 56, ENG_INT8));
    mops[0].u.conv.src.width = mops[0].u.conv.src.height = 56;
    perf_layer m1, m2;
    memset(&m1, 0, sizeof m1), memset(&m2, 0, sizeof m2);
    perf_layer_cost(&sh, &o1, mops, 0, 2, &m1);
    perf_layer_cost(&sh, &o2, mops, 0, 2, &m2);
    CHECK_NEAR(m2.mem_us, 1.5 * m1.mem_us, 1e-9);
    CHECK_NEAR(m2.math_us, m1.math_us, 1e-12);

    /* power modes: a math-bound layer scales with the DLA clock, a memory-bound one with the DRAM */
    perf_hw lo = hw_of("orin", "15W", PINNED);
    CHECK_NEAR(hw.v[PERF_P_CLK_MHZ], 1600, 0);
    CHECK_NEAR(lo.v[PERF_P_CLK_MHZ], 614.4, 0);
    CHECK_NEAR(lo.v[PERF_P_DRAM_GBS], 136.5, 0);
    perf_options dense = {.cores = 1};
    eng_op ops[2];
    conv_layer(ops, conv(256, 256, 3, 3, 14, 14, ENG_INT8));
    perf_layer a, b;
    memset(&a, 0, sizeof a), memset(&b, 0, sizeof b);
    perf_layer_cost(&hw, &dense, ops, 0, 2, &a);
    perf_layer_cost(&lo, &dense, ops, 0, 2, &b);
    CHECK_NEAR(b.math_us / a.math_us, 1600 / 614.4, 1e-9);
    CHECK_NEAR(b.mem_us / a.mem_us, 204.8 / 136.5, 1e-9);
    /* the per-core memory interface limits at low clocks: 64 B/cycle at 614.4 MHz = 39.3 GB/s < 68 GB/s */
    perf_hw port = hw_of("orin", "15W", "dram_eff=0.5,port_bpc=64");
    perf_layer c3;
    memset(&c3, 0, sizeof c3);
    perf_layer_cost(&port, &dense, ops, 0, 2, &c3);
    CHECK_NEAR(c3.mem_us, c3.bytes / (64 * 614.4), 1e-9);
    /* programming overlaps execution: 2 ops x 100 cycles at 294.4 MHz = 0.68 us hidden behind a long layer */
    CHECK_NEAR(b.overhead_us, 0, 1e-12);
}

static void test_tables(void)
{
    perf_hw hw;
    CHECK_OK(perf_hw_get("orin", "30W", &hw));
    CHECK(!strcmp(hw.mode, "30W"));
    CHECK_NEAR(hw.v[PERF_P_CLK_MHZ], 1369.6, 0);
    CHECK(hw.src[PERF_P_CLK_MHZ] == PERF_MEASURED);
    CHECK(hw.src[PERF_P_DRAM_EFF] == PERF_FITTED);
    CHECK_OK(perf_hw_get("orin", "maxn", &hw)); /* case-insensitive */
    CHECK_OK(perf_hw_get("nv_full", "10GB", &hw));
    CHECK_NEAR(hw.v[PERF_P_DRAM_GBS], 10, 0);
    CHECK_STATUS(perf_hw_get("orin", "20W", &hw), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "20W") && strstr(dla_last_error(), "15W"));
    CHECK_STATUS(perf_hw_get("tpu", NULL, &hw), DLA_ERR_INVALID_ARG);
    CHECK_OK(perf_hw_get("orin", NULL, &hw));
    CHECK_STATUS(perf_hw_override(&hw, "nosuch=1"), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(perf_hw_override(&hw, "dram_eff=abc"), DLA_ERR_INVALID_ARG);
    CHECK_OK(perf_hw_override(&hw, "dram_eff=0.25,cbuf_kb=64"));
    CHECK_NEAR(hw.v[PERF_P_DRAM_EFF], 0.25, 0);
    CHECK_NEAR(hw.v[PERF_P_CBUF_KB], 64, 0);
    for (int p = 0; p < PERF_P_COUNT; p++)
        CHECK(perf_param_name(p) && perf_param_find(perf_param_name(p)) == p && hw.cite[p]);
    perf_result *r = NULL;
    CHECK_STATUS(perf_predict("garbage", 7, &hw, NULL, &r), DLA_ERR_FORMAT);
    CHECK(r == NULL);
}

/* Programming: a layer's ops are programmed at op_falcon_cyc each, later partial-H bands and the later images of
 * a batch at band_falcon_cyc; programming overlaps execution, so it only shows when it is longer. */
static void test_programming(void)
{
    perf_hw hw = hw_of("orin", "MAXN", "cbuf_kb=1024,dram_eff=0.5,sdp_epc=64,op_falcon_cyc=7296,"
                       "band_falcon_cyc=729.6,layer_us=1,port_bpc=1000,mac_eff=1");
    /* a tiny conv (16 outputs): math and memory well under the 2 x 10 us of programming its two ops */
    eng_op ops[6];
    conv_layer(ops, conv(64, 64, 1, 1, 4, 4, ENG_INT8));
    perf_options o = {.cores = 1, .batch = 1};
    perf_layer L;
    memset(&L, 0, sizeof L);
    perf_layer_cost(&hw, &o, ops, 0, 2, &L);
    CHECK(L.bound == PERF_BOUND_OVERHEAD);
    CHECK_NEAR(L.time_us, 20.0 + 1.0, 1e-9); /* 2 ops x 7296 / 729.6 MHz + layer_us */
    /* the same conv in three partial-H bands: the first band's two ops at the full cost, the other four at
     * the band cost (1 us each) */
    conv_layer(ops, conv(64, 64, 1, 1, 4, 4, ENG_INT8));
    conv_layer(ops + 2, conv(64, 64, 1, 1, 4, 4, ENG_INT8));
    conv_layer(ops + 4, conv(64, 64, 1, 1, 4, 4, ENG_INT8));
    for (int b = 0; b < 3; b++) {
        ops[2 * b].u.conv.split_index = (uint16_t)b;
        ops[2 * b].u.conv.split_count = 3;
    }
    memset(&L, 0, sizeof L);
    perf_layer_cost(&hw, &o, ops, 0, 6, &L);
    CHECK_NEAR(L.time_us, 20.0 + 4.0 + 1.0, 1e-9);
    /* batch 4: the first image pays 20 us, the three replays 2 us each; the layer reports the mean per image */
    perf_options b4 = {.cores = 1, .batch = 4};
    memset(&L, 0, sizeof L);
    perf_layer_cost(&hw, &b4, ops, 0, 2, &L);
    CHECK_NEAR(L.time_us, (20.0 + 3 * 2.0) / 4 + 1.0, 1e-9);
}

/* nv_full counts a strided conv's traffic as the NVDLA spreadsheet does (stride folded into the channels);
 * Orin does not. mac_eff divides the conv cycles. */
static void test_stride_fold_and_mac_eff(void)
{
    perf_hw nv = hw_of("nv_full", NULL, NULL), orin = hw_of("orin", "MAXN", PINNED);
    /* 1x1 stride 2, 256 -> 512 on a 28x28 input (14x14 out): folded C = 1024, input 1024 x 14 x 14, weights
     * 1024 x 1 x 1 x 512 (four times the unfolded 256 x 512) */
    eng_conv_op c = conv(256, 512, 1, 1, 14, 14, ENG_INT8);
    c.stride_x = c.stride_y = 2;
    c.src.width = c.src.height = 28;
    double wb = 0;
    CHECK_NEAR(perf_conv_traffic(&nv, &c, 0, &wb), 1024.0 * 14 * 14 + 1024.0 * 512, 0);
    CHECK_NEAR(wb, 1024.0 * 512, 0);
    CHECK_NEAR(perf_conv_traffic(&orin, &c, 0, &wb), 256.0 * 28 * 28 + 256.0 * 512, 0);
    double full = perf_conv_cycles(&orin, &c, 0);
    perf_hw slow = hw_of("orin", "MAXN", PINNED ",mac_eff=0.8");
    CHECK_NEAR(perf_conv_cycles(&slow, &c, 0), full / 0.8, 1e-6);
}

int main(void)
{
    test_conv_cycles();
    test_traffic();
    test_bounds_and_sparsity();
    test_cores_and_modes();
    test_tables();
    test_programming();
    test_stride_fold_and_mac_eff();
    return check_failures ? 1 : 0;
}
