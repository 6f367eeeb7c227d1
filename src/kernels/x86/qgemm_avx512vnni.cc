// The AVX-512 VNNI integer micro-kernels (x86/qgemm_tile_x86.h): vpdpbusd adds four u8 x s8
// products into each int32 lane in one instruction, exactly (no 16-bit pair sums, so any s8
// weights are exact), and vpdpwssd two s16 x s16 products: a quarter of the AVX2 byte kernel's
// instructions per multiply-add and twice its width. 12 rows x 16 columns (one zmm a row):
// twelve independent sums cover the instruction's latency on two ports. Compiled with the
// AVX-512 + VNNI flags only, chosen by x86/isa_tables.cc where the CPU reports avx512_vnni.
#include "kernels/x86/qgemm_tile_x86.h"

namespace edgewm {

namespace {

struct Avx512VnniOps : ZmmRegs {
  static Reg dot_c4(Reg acc, Reg u, Reg s) { return _mm512_dpbusd_epi32(acc, u, s); }
  static Reg dot_c2(Reg acc, Reg a, Reg b) { return _mm512_dpwssd_epi32(acc, a, b); }
};
using Tiles = QTileSet<Avx512VnniOps, kQTileRowsAvx512, kQTileRowsAvx512>;

}  // namespace

extern const QGemmMicro kQGemmMicroAvx512Vnni[3] = {
    {"qgemm_u8s8_12x16c4__avx512vnni", QOperands::kU8S8, kQTileRowsAvx512, 16, 4, Tiles::u8s8},
    {"qgemm_s8u8_12x16c4__avx512vnni", QOperands::kS8U8, kQTileRowsAvx512, 16, 4, Tiles::s8u8},
    {"qgemm_s16_12x16c2__avx512vnni", QOperands::kS16, kQTileRowsAvx512, 16, 2, Tiles::s16},
};

}  // namespace edgewm
