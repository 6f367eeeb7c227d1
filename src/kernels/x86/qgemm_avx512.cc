// The AVX-512 BW integer micro-kernels (x86/qgemm_tile_x86.h) for CPUs without VNNI
// (Skylake-SP): the AVX2 instructions on zmm, 16 columns a register, 12 rows a tile.
// vpmaddubsw adds its two u8 x s8 products in saturating 16 bits, exact for the pair-safe
// weights the packers guarantee. Compiled with the AVX-512 flags only, chosen by
// x86/isa_tables.cc where the CPU has AVX-512 without VNNI.
#include "kernels/x86/qgemm_tile_x86.h"

namespace edgewm {

namespace {

struct Avx512BwOps : ZmmRegs {
  static Reg dot_c4(Reg acc, Reg u, Reg s) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
  }
  static Reg dot_c2(Reg acc, Reg a, Reg b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
};
using Tiles = QTileSet<Avx512BwOps, kQTileRowsAvx512, kQTileRowsAvx512>;

}  // namespace

extern const QGemmMicro kQGemmMicroAvx512Bw[3] = {
    {"qgemm_u8s8_12x16c4__avx512bw", QOperands::kU8S8, kQTileRowsAvx512, 16, 4, Tiles::u8s8},
    {"qgemm_s8u8_12x16c4__avx512bw", QOperands::kS8U8, kQTileRowsAvx512, 16, 4, Tiles::s8u8},
    {"qgemm_s16_12x16c2__avx512bw", QOperands::kS16, kQTileRowsAvx512, 16, 2, Tiles::s16},
};

}  // namespace edgewm
