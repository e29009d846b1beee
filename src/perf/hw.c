/* perf: hardware descriptions as data — Orin DLA per power mode, Xavier DLA, NVDLA nv_full. Every value carries
 * its provenance (reference/orin-perf.md = OP, reference/engine.md = EN). The FITTED values are the output of
 * bench/perf_fit.py on the calibration table of orin-perf.md §2 (docs/perf-model.md has the fit and its errors). */
#include "perf/perf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const param_names[PERF_P_COUNT] = {
    "clk_mhz", "falcon_mhz", "pipes", "atom_c", "atom_k", "fp16_ratio", "min_stripe", "max_stripe",
    "group_pack", "sparse", "cbuf_kb", "dram_gbs", "dram_eff", "port_bpc", "sdp_epc", "pdp_epc", "cdp_epc",
    "rubik_bpc", "bdma_bpc", "op_falcon_cyc", "layer_us", "task_us", "host_task_us", "cores", "dram_share",
    "band_falcon_cyc", "stride_fold", "mac_eff",
};

const char *perf_param_name(int p) { return p >= 0 && p < PERF_P_COUNT ? param_names[p] : NULL; }

int perf_param_find(const char *name)
{
    for (int p = 0; p < PERF_P_COUNT; p++)
        if (strcmp(param_names[p], name) == 0)
            return p;
    return -1;
}

const char *perf_src_name(int src)
{
    static const char *const n[] = {"measured", "derived", "fitted", "assumed"};
    return src >= 0 && src < 4 ? n[src] : "?";
}

#define M PERF_MEASURED
#define D PERF_DERIVED
#define F PERF_FITTED
#define A PERF_ASSUMED

static void set(perf_hw *hw, int p, double v, int src, const char *cite)
{
    hw->v[p] = v;
    hw->src[p] = (uint8_t)src;
    hw->cite[p] = cite;
}

/* ---- Orin DLA (2nd generation) ---------------------------------------------------------------------------- */
/* Fitted on the 12 calibration points (6 networks x MAXN/15W, 2 cores, INT8) and the README's sparse trend by
 * bench/perf_fit.py --fit (docs/perf-model.md). */
#define ORIN_CBUF_KB 400.2
#define ORIN_DRAM_EFF 0.6671
#define ORIN_SDP_EPC 115.9
#define ORIN_OP_FALCON_CYC 5425.0
#define ORIN_LAYER_US 2.069
#define ORIN_TASK_US 16.71
#define ORIN_PORT_BPC 256.0
#define ORIN_DRAM_SHARE 1.0
#define ORIN_PDP_EPC 64.47
#define ORIN_BAND_FALCON_CYC 666.9
#define ORIN_MAC_EFF 0.8894

static void orin_common(perf_hw *hw)
{
    set(hw, PERF_P_PIPES, 2, M, "OP/dla-facts 1.8: cuDLA layer statistics name two CPIPEs per core");
    set(hw, PERF_P_ATOM_C, 64, A, "per pipe 64x64 so that 2 pipes x 64 x 64 = 8192 INT8 MAC/cycle (OP 4.3, "
        "derived); 64-wide as nv_full (EN 1.2); 128-wide atoms would waste the 64-channel ResNet-34 stage the "
        "15W point shows running near peak");
    set(hw, PERF_P_ATOM_K, 64, A, "see atom_c");
    set(hw, PERF_P_FP16_RATIO, 512.0 / 8192.0, A, "OP 4.3: FP16 below Xavier's 1024 MAC/cycle; 512 assumed "
        "(FP16 convolutions run on RUBIK, dla-facts 1.8)");
    set(hw, PERF_P_MIN_STRIPE, 16, M, "EN 1.3: 16 cycles to load the next weights");
    set(hw, PERF_P_MAX_STRIPE, 32, M, "EN 1.3: CACC holds 32 atomic results");
    set(hw, PERF_P_GROUP_PACK, 1, A, "Orin brief (OP 4.1): native depthwise convolution");
    set(hw, PERF_P_SPARSE, 1, M, "OP 4.1: 2:4 sparse INT8 convs with C > 64");
    set(hw, PERF_P_CBUF_KB, ORIN_CBUF_KB, F, "OP 4.1: CBUF size not published ('larger local buffer')");
    set(hw, PERF_P_DRAM_EFF, ORIN_DRAM_EFF, F, "calibration table OP 2");
    set(hw, PERF_P_PORT_BPC, ORIN_PORT_BPC, A, "not limiting (the shared DRAM is): a 64 B/cycle port would make 15W more memory-bound, against the README's larger sparse gains at low power");
    set(hw, PERF_P_SDP_EPC, ORIN_SDP_EPC, F, "nv_full 16 (EN 1.2) scaled by the MAC array; fitted");
    set(hw, PERF_P_PDP_EPC, ORIN_PDP_EPC, F, "nv_full 8 (EN 1.2) x 4 as the start; fitted");
    set(hw, PERF_P_CDP_EPC, 32, A, "nv_full 8 (EN 1.2) x 4");
    set(hw, PERF_P_RUBIK_BPC, 64, A, "one 512-bit beat per cycle");
    set(hw, PERF_P_BDMA_BPC, 64, A, "BDMA 512-bit interface (EN 1.1)");
    set(hw, PERF_P_OP_FALCON_CYC, ORIN_OP_FALCON_CYC, F, "calibration table OP 2");
    set(hw, PERF_P_LAYER_US, ORIN_LAYER_US, F, "calibration table OP 2");
    set(hw, PERF_P_TASK_US, ORIN_TASK_US, F, "calibration table OP 2");
    set(hw, PERF_P_HOST_TASK_US, 100, A, "jetson_dla_tutorial (OP 2): GPU islands halve a small CNN's rate");
    set(hw, PERF_P_CORES, 2, M, "OP 4.1: two DLA cores");
    set(hw, PERF_P_DRAM_SHARE, ORIN_DRAM_SHARE, F, "calibration table OP 2 (all points run 2 cores)");
    set(hw, PERF_P_BAND_FALCON_CYC, ORIN_BAND_FALCON_CYC, F, "calibration table OP 2; the cuDLA trace of the "
        "ResNet-34 stem (OP 2: 0.70 ms for a conv that dlakit cuts into 128 bands) bounds it");
    set(hw, PERF_P_STRIDE_FOLD, 0, A, "dlakit's loadables keep strided convs unfolded; Orin's fetch is not published");
    set(hw, PERF_P_MAC_EFF, ORIN_MAC_EFF, F, "calibration table OP 2");
}

static void orin_mode(perf_hw *hw, const char *mode)
{
    orin_common(hw);
    if (strcmp(mode, "MAXN") == 0) {
        set(hw, PERF_P_CLK_MHZ, 1600, D, "OP 4.3: 105 sparse TOPS / (2 DLA x 8192 x 2 x 2)");
        set(hw, PERF_P_FALCON_MHZ, 729.6, A, "OP 4.2: uncapped at MAXN; taken as the 50W cap");
        set(hw, PERF_P_DRAM_GBS, 204.8, D, "OP 4.2: EMC 3199 MHz x 2 x 32 B");
    } else if (strcmp(mode, "50W") == 0 || strcmp(mode, "30W") == 0) {
        set(hw, PERF_P_CLK_MHZ, 1369.6, M, "OP 4.2: nvpmodel P3701 DLA core cap");
        set(hw, PERF_P_FALCON_MHZ, 729.6, M, "OP 4.2: nvpmodel P3701 DLA Falcon cap");
        set(hw, PERF_P_DRAM_GBS, 204.8, D, "OP 4.2: EMC uncapped (3199 MHz)");
    } else { /* 15W */
        set(hw, PERF_P_CLK_MHZ, 614.4, M, "OP 4.2: nvpmodel P3701 DLA core cap");
        set(hw, PERF_P_FALCON_MHZ, 294.4, M, "OP 4.2: nvpmodel P3701 DLA Falcon cap");
        set(hw, PERF_P_DRAM_GBS, 136.5, D, "OP 4.2: EMC 2133 MHz x 2 x 32 B");
    }
}

/* ---- Xavier DLA (1st generation, nv_full-sized) ----------------------------------------------------------- */
static void xavier_mode(perf_hw *hw, const char *mode)
{
    orin_common(hw); /* fixed costs, efficiencies: assumed as Orin's fitted values */
    set(hw, PERF_P_PIPES, 1, A, "one conv pipe of nv_full size");
    set(hw, PERF_P_ATOM_C, 64, D, "OP 4.3: 2048 INT8 MAC/cycle = nv_full's 64x32 (EN 1.2)");
    set(hw, PERF_P_ATOM_K, 32, D, "OP 4.3 / EN 1.2");
    set(hw, PERF_P_FP16_RATIO, 0.5, D, "OP 4.3: 1024 FP16 MAC/cycle (nv_full ratio)");
    set(hw, PERF_P_GROUP_PACK, 0, A, "no native depthwise (Orin brief lists it as new)");
    set(hw, PERF_P_SPARSE, 0, M, "OP 4.4: no sparsity");
    set(hw, PERF_P_CBUF_KB, 512, A, "nv_full's 512 KB (EN 1.2)");
    set(hw, PERF_P_SDP_EPC, 16, M, "nv_full X1/X2 16 elem/cycle (EN 1.2)");
    set(hw, PERF_P_PDP_EPC, 8, M, "nv_full PDP 8 (EN 1.2)");
    set(hw, PERF_P_CDP_EPC, 8, M, "nv_full CDP 8 (EN 1.2)");
    set(hw, PERF_P_FALCON_MHZ, 729.6, A, "as Orin");
    set(hw, PERF_P_STRIDE_FOLD, 1, A, "NVDLA v1 as the spreadsheet counts it (EN 1.8)");
    if (strcmp(mode, "MAXN") == 0) {
        set(hw, PERF_P_CLK_MHZ, 1395.2, M, "OP 4.2: nvpmodel t194 / jetson_benchmarks --dla_freq");
        set(hw, PERF_P_DRAM_GBS, 136.5, D, "LPDDR4x 2133 MHz x 2 x 32 B");
    } else if (strcmp(mode, "30W") == 0) {
        set(hw, PERF_P_CLK_MHZ, 1050, M, "OP 4.2: nvpmodel t194");
        set(hw, PERF_P_DRAM_GBS, 102.4, D, "OP 4.2: EMC cap 1600 MHz x 2 x 32 B");
    } else if (strcmp(mode, "15W") == 0) {
        set(hw, PERF_P_CLK_MHZ, 750, M, "OP 4.2: nvpmodel t194");
        set(hw, PERF_P_DRAM_GBS, 85.2, D, "OP 4.2: EMC cap 1331.2 MHz x 2 x 32 B");
    } else { /* 10W */
        set(hw, PERF_P_CLK_MHZ, 550, M, "OP 4.2: nvpmodel t194");
        set(hw, PERF_P_DRAM_GBS, 68.2, D, "OP 4.2: EMC cap 1065.6 MHz x 2 x 32 B");
    }
}

/* ---- NVDLA nv_full at 1 GHz: the open performance spreadsheet's configuration (EN 1.8) -------------------- */
static void nvfull_mode(perf_hw *hw, const char *mode)
{
    set(hw, PERF_P_CLK_MHZ, 1000, M, "EN 1.8: spreadsheet / primer at 1 GHz");
    set(hw, PERF_P_FALCON_MHZ, 1000, A, "no microcontroller in the spreadsheet");
    set(hw, PERF_P_PIPES, 1, M, "EN 1.2");
    set(hw, PERF_P_ATOM_C, 64, M, "EN 1.2: nv_full.spec 64x32");
    set(hw, PERF_P_ATOM_K, 32, M, "EN 1.2");
    set(hw, PERF_P_FP16_RATIO, 0.5, M, "EN 1.2: 1024 FP16 MAC");
    set(hw, PERF_P_MIN_STRIPE, 16, M, "EN 1.3");
    set(hw, PERF_P_MAX_STRIPE, 32, M, "EN 1.3");
    set(hw, PERF_P_GROUP_PACK, 0, M, "EN 1.2: no depthwise mode");
    set(hw, PERF_P_SPARSE, 0, M, "NVDLA v1");
    set(hw, PERF_P_CBUF_KB, 512, M, "EN 1.2: 16 banks x 32 KB");
    set(hw, PERF_P_DRAM_GBS, strcmp(mode, "10GB") == 0 ? 10 : 20, M, "EN 1.8: spreadsheet 10 GB/s, primer 20");
    set(hw, PERF_P_DRAM_EFF, 1.0, M, "EN 1.8: the spreadsheet divides by the nominal bandwidth");
    set(hw, PERF_P_PORT_BPC, 64, M, "EN 1.2: 512-bit primary memory interface");
    set(hw, PERF_P_SDP_EPC, 16, M, "EN 1.2");
    set(hw, PERF_P_PDP_EPC, 8, M, "EN 1.2");
    set(hw, PERF_P_CDP_EPC, 8, M, "EN 1.2");
    set(hw, PERF_P_RUBIK_BPC, 64, A, "one 512-bit beat per cycle");
    set(hw, PERF_P_BDMA_BPC, 64, M, "EN 1.1: 512-bit interface");
    set(hw, PERF_P_OP_FALCON_CYC, 0, M, "EN 1.8: the spreadsheet has no fixed costs");
    set(hw, PERF_P_LAYER_US, 0, M, "EN 1.8");
    set(hw, PERF_P_TASK_US, 0, M, "EN 1.8");
    set(hw, PERF_P_HOST_TASK_US, 0, M, "EN 1.8");
    set(hw, PERF_P_CORES, 1, M, "one core");
    set(hw, PERF_P_DRAM_SHARE, 0, M, "one core");
    set(hw, PERF_P_BAND_FALCON_CYC, 0, M, "EN 1.8");
    set(hw, PERF_P_STRIDE_FOLD, 1, M, "EN 1.8: X, Y and AB of a strided conv use ceil16(C*s*s), ceil(H/s), ceil(R/s)");
    set(hw, PERF_P_MAC_EFF, 1, M, "EN 1.8: the spreadsheet's MAC cycles are ideal");
}

static const struct {
    const char *platform;
    const char *modes[5];
    void (*fill)(perf_hw *, const char *);
} platforms[] = {
    {"orin", {"MAXN", "50W", "30W", "15W", NULL}, orin_mode},
    {"xavier", {"MAXN", "30W", "15W", "10W", NULL}, xavier_mode},
    {"nv_full", {"20GB", "10GB", NULL}, nvfull_mode},
};

const char *perf_hw_list(void)
{
    return "orin: MAXN 50W 30W 15W; xavier: MAXN 30W 15W 10W; nv_full: 20GB 10GB";
}

dla_status perf_hw_get(const char *platform, const char *mode, perf_hw *out)
{
    memset(out, 0, sizeof *out);
    if (!platform)
        platform = "orin";
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++) {
        if (strcmp(platforms[i].platform, platform) != 0)
            continue;
        const char *m = mode ? mode : platforms[i].modes[0];
        for (int j = 0; platforms[i].modes[j]; j++) {
            if (strcasecmp(platforms[i].modes[j], m) == 0) {
                snprintf(out->platform, sizeof out->platform, "%s", platforms[i].platform);
                snprintf(out->mode, sizeof out->mode, "%s", platforms[i].modes[j]);
                platforms[i].fill(out, platforms[i].modes[j]);
                return DLA_OK;
            }
        }
        return base_error(DLA_ERR_INVALID_ARG, "power mode '%s' does not exist on %s (modes: %s)", m, platform,
                          perf_hw_list());
    }
    return base_error(DLA_ERR_INVALID_ARG, "unknown platform '%s' (platforms: %s)", platform, perf_hw_list());
}

dla_status perf_hw_override(perf_hw *hw, const char *spec)
{
    const char *s = spec;
    while (s && *s) {
        const char *eq = strchr(s, '='), *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        if (!eq || eq > end)
            return base_error(DLA_ERR_INVALID_ARG, "parameter override '%.*s': expected name=value", (int)(end - s),
                              s);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
        int p = perf_param_find(name);
        if (p < 0)
            return base_error(DLA_ERR_INVALID_ARG, "unknown performance-model parameter '%s'", name);
        char *vend;
        double v = strtod(eq + 1, &vend);
        if (vend != end || !(v >= 0))
            return base_error(DLA_ERR_INVALID_ARG, "parameter %s: value '%.*s' is not a number >= 0", name,
                              (int)(end - eq - 1), eq + 1);
        set(hw, p, v, F, "override");
        s = *end ? end + 1 : end;
    }
    return DLA_OK;
}
