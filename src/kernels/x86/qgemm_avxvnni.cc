// The AVX-VNNI integer micro-kernels (x86/qgemm_tile_x86.h): vpdpbusd and vpdpwssd in their
// VEX (ymm) form, on CPUs with VNNI but without AVX-512 (Alder Lake and later cores, Zen 5's
// client parts): four exact u8 x s8 products a lane in one instruction instead of vpmaddubsw +
// vpmaddwd + vpaddd. 6 rows x 16 columns: 12 accumulators, 2 panel registers and a broadcast,
// of the 16 ymm. Compiled with -mavx2 -mfma -mavxvnni only, chosen by x86/isa_tables.cc where
// the CPU reports avxvnni.
#include "kernels/x86/qgemm_tile_x86.h"

namespace edgewm {

namespace {

struct AvxVnniOps : YmmRegs {
  static Reg dot_c4(Reg acc, Reg u, Reg s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
  static Reg dot_c2(Reg acc, Reg a, Reg b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
};
using Tiles = QTileSet<AvxVnniOps, kQTileRowsAvxVnni, kQTileRowsAvxVnni>;

}  // namespace

extern const QGemmMicro kQGemmMicroAvxVnni[3] = {
    {"qgemm_u8s8_6x16c4__avxvnni", QOperands::kU8S8, kQTileRowsAvxVnni, 16, 4, Tiles::u8s8},
    {"qgemm_s8u8_6x16c4__avxvnni", QOperands::kS8U8, kQTileRowsAvxVnni, 16, 4, Tiles::s8u8},
    {"qgemm_s16_6x16c2__avxvnni", QOperands::kS16, kQTileRowsAvxVnni, 16, 2, Tiles::s16},
};

}  // namespace edgewm
