/* loadable: CRC-32/IEEE (reflected polynomial 0xEDB88320), table-driven, eight bytes per step.
 * The test checks the standard value crc32("123456789") = 0xCBF43926 and the byte-at-a-time result on odd lengths. */
#include "loadable/loadable.h"

#include <threads.h>


/* Slicing-by-8: tab[0] is the byte-at-a-time table (for each byte, 8 shift/xor steps with the polynomial);
 * tab[k][b] is the CRC of byte b followed by k zero bytes, so eight bytes are folded per step with eight lookups.
 * Built once (call_once: loadables are read from several threads). */
static uint32_t tab[8][256];
static once_flag tab_once = ONCE_FLAG_INIT;

static void tab_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        tab[0][b] = c;
    }
    for (int k = 1; k < 8; k++)
        for (uint32_t b = 0; b < 256; b++)
            tab[k][b] = (tab[k - 1][b] >> 8) ^ tab[0][tab[k - 1][b] & 0xFF];
}

uint32_t ldb_crc32(uint32_t crc, const void *data, size_t size)
{
    call_once(&tab_once, tab_init);
    const uint8_t *p = data;
    crc = ~crc;
    for (; size >= 8; size -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = tab[7][lo & 0xFF] ^ tab[6][(lo >> 8) & 0xFF] ^ tab[5][(lo >> 16) & 0xFF] ^ tab[4][lo >> 24] ^
              tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
    }
    for (; size; size--, p++)
        crc = tab[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

void ldb_reseal(void *bytes, size_t size)
{
    uint8_t *p = bytes;
    if (!p || size < LDB_HEADER_SIZE)
        return;
    ldb_wr32(p + LDB_CRC_OFFSET, ldb_crc32(0, p + LDB_CRC_START, size - LDB_CRC_START));
}
