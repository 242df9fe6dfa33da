// The C API of tools/benchmarks/bench_rpc_codec.cpp (libbench_rpc_codec.so),
// for rpc_codec_reference.py (ctypes) and bench_rpc_codec_main.cpp.
#pragma once

#include <cstddef>

extern "C" {

// Loads the instance from the cell database of NOVA_CONF, encodes the
// remove_volume_connection message once, checks that it decodes, and writes
// it to BODY_OUT. nullptr (with a message on stderr) on failure.
void* bench_codec_open(const char* nova_conf, const char* instance_uuid, const char* volume_id,
                       const char* body_out);
// Seconds per encode / decode of that message, timed over `iterations`
// after one warm-up; negative when one of them failed.
double bench_codec_encode(void* codec, int iterations);
double bench_codec_decode(void* codec, int iterations);
std::size_t bench_codec_body_bytes(void* codec);
void bench_codec_close(void* codec);

}  // extern "C"
