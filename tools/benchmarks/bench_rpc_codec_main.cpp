// bench_rpc_codec alone, without the Python reference (for profiling):
//   bench_rpc_codec ITERATIONS NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_OUT
// prints one JSON line {"encode_s": ..., "decode_s": ..., "body_bytes": ...}.
#include <cstdio>
#include <cstdlib>

#include "bench_rpc_codec_api.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: bench_rpc_codec ITERATIONS NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_OUT\n");
    return 64;
  }
  void* codec = bench_codec_open(argv[2], argv[3], argv[4], argv[5]);
  if (codec == nullptr) return 1;
  const int iterations = std::atoi(argv[1]);
  const double encode_s = bench_codec_encode(codec, iterations);
  const double decode_s = bench_codec_decode(codec, iterations);
  const std::size_t body_bytes = bench_codec_body_bytes(codec);
  bench_codec_close(codec);
  if (encode_s < 0 || decode_s < 0) return 1;
  std::printf("{\"encode_s\": %.9f, \"decode_s\": %.9f, \"body_bytes\": %zu}\n", encode_s, decode_s, body_bytes);
  return 0;
}
