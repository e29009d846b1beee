/* lowering: convolution-buffer (CBUF) fit check and partial-H bands (reference/engine.md §1.4).
 *
 * Model (dlakit's simplification of nvdla/sw's ConvCoreNode::splitNodesInternal): the CBUF has 16 banks of
 * cbuf_bytes/16 each. Input data occupies whole banks: rows * W * ceil(C*bpe/32) * 32 bytes for `rows` input rows
 * (all channels; one 32-byte atom per pixel and channel surface). Weights occupy K*Cg*R*S*bpe bytes rounded up to
 * 128, in whole banks; one kernel group is 32 (INT8) or 16 (FP16) kernels.
 *   1. full input + all weights fit                 -> one op, weights resident;
 *   2. full input + two kernel groups fit            -> one op; the hardware streams kernel groups through the
 *                                                      weight banks ("ping-pong split-K", kg_stream = 1);
 *   3. otherwise partial-H: the largest band of output rows whose input rows (with the kernel's overlap of
 *      ekh - stride rows between bands) fit beside the weights (all of them, else two kernel groups) -> one
 *      CONV + SDP op pair per band;
 *   4. not even one output row beside one kernel group -> DLA_ERR_UNSUPPORTED naming the sizes.
 * Orin's DLA buffer size is not published; dlakit uses nv_full's 512 KB (16 x 32 KB) as the default
 * (LW_CBUF_ORIN), and the size is a parameter so smaller configurations (nv_small: 128 KB) can be modelled.
 */
#include "compiler/lower.h"

static int banks_for(uint64_t bytes, uint64_t bank) { return (int)((bytes + bank - 1) / bank); }

void lw_band_rows(int o0, int o1, int pt, int sy, int ekh, int H, int *in0, int *in1, int *pad_t, int *pad_b)
{
    int first = o0 * sy - pt, last = (o1 - 1) * sy - pt + ekh; /* input rows [first, last) */
    *pad_t = first < 0 ? -first : 0;
    *pad_b = last > H ? last - H : 0;
    *in0 = first < 0 ? 0 : first;
    *in1 = last > H ? H : last;
}

dla_status lw_tile_plan(const ir_node *n, uint32_t cbuf_bytes, int bpe, int C, int H, int W, int K, int Cg, int R,
                        int S, int sy, int ekh, int OH, lw_tile *t)
{
    uint64_t bank = cbuf_bytes / LW_CBUF_BANKS;
    uint64_t row_bytes = (uint64_t)W * (((uint64_t)C * bpe + 31) / 32) * 32;
    uint64_t wbytes = ((uint64_t)K * Cg * R * S * bpe + 127) / 128 * 128;
    int atomk = bpe == 1 ? 32 : 16, kg = K < atomk ? K : atomk;
    uint64_t kgbytes = ((uint64_t)kg * Cg * R * S * bpe + 127) / 128 * 128;
    int wb = banks_for(wbytes, bank), kgb = 2 * banks_for(kgbytes, bank);
    t->n_bands = 1;
    t->band_rows = OH;
    t->kg_stream = 0;
    t->weight_banks = wb;
    t->data_banks = banks_for(row_bytes * (uint64_t)H, bank);
    if (t->data_banks + wb <= LW_CBUF_BANKS)
        return DLA_OK;
    if (t->data_banks + kgb <= LW_CBUF_BANKS) {
        t->kg_stream = 1;
        t->weight_banks = kgb;
        return DLA_OK;
    }
    /* partial-H: weights resident if they leave room for one output row, else streamed */
    int min_rows = ekh < H ? ekh : H, min_data = banks_for(row_bytes * (uint64_t)min_rows, bank);
    int wuse = wb;
    if (min_data + wb > LW_CBUF_BANKS) {
        wuse = kgb;
        t->kg_stream = 1;
    }
    if (min_data + wuse > LW_CBUF_BANKS)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                             "convolution does not fit the %u-byte convolution buffer: one output row needs %d data "
                             "banks and two kernel groups %d weight banks (of %d)", cbuf_bytes, min_data, wuse,
                             LW_CBUF_BANKS);
    uint64_t avail = (uint64_t)(LW_CBUF_BANKS - wuse) * bank;
    int rows_in = (int)(avail / row_bytes);
    if (rows_in > H)
        rows_in = H;
    int band = rows_in >= ekh ? (rows_in - ekh) / sy + 1 : 1;
    if (band < 1)
        band = 1;
    if (band > OH)
        band = OH;
    t->band_rows = band;
    t->n_bands = (OH + band - 1) / band;
    t->weight_banks = wuse;
    t->data_banks = banks_for(row_bytes * (uint64_t)((band - 1) * sy + ekh), bank);
    return DLA_OK;
}
