// The msgpack side of trace_file.h, for the units that hold msgpack objects
// (trace_file.cpp, trace_reader.cpp): the decoding limits and the
// conversions from an unpacked object. Not for use outside rpc/.
#pragma once

#include <msgpack.hpp>

#include "base/result.h"
#include "rpc/trace_file.h"

namespace rpc::detail {

// The limits every trace unpacker runs with (trace_file.h's bounds).
msgpack::unpack_limit TraceUnpackLimit();

base::Result<TraceHeader> TraceHeaderFromObject(const msgpack::object& object);
base::Result<TraceRecord> TraceRecordFromObject(const msgpack::object& object);

}  // namespace rpc::detail
