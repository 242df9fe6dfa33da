#include "rpc/uuid4.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace rpc {
namespace {

// A random version 4 UUID written at `out`: its 32 hex digits, in the 8-4-4-
// 4-12 groups of str(uuid) when `dashed`; returns the end.
char* WriteUuid4(std::mt19937_64& rng, char* out, bool dashed) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (std::size_t i = 0; i < 8; ++i, bits >>= 8) bytes[half * 8 + i] = static_cast<std::uint8_t>(bits);
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) *out++ = '-';
    *out++ = kHex[bytes[i] >> 4];
    *out++ = kHex[bytes[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string NewUuid4Hex(std::mt19937_64& rng) {
  char text[32];
  return std::string(text, static_cast<std::size_t>(WriteUuid4(rng, text, false) - text));
}

std::string NewUuid4(std::mt19937_64& rng) {
  char text[36];
  return std::string(text, static_cast<std::size_t>(WriteUuid4(rng, text, true) - text));
}

}  // namespace rpc
