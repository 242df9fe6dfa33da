// The text form of `bdm-agent trace decode`: one block per entry
// (message_decode.h), for a person at a terminal. The first line says
// where and what ("#3 13:40:01.123456789 publish nova compute.c1 call
// remove_volume_connection v6.0"), the next lines the ids, the context, and
// the args, result, failure or payload as indented JSON; a reply names its
// call and the latency. Control characters in names are escaped
// (terminal_text.h); JSON values are written as JSON in ASCII (AsciiJson,
// as show writes it). The --json form is the entry itself, one compact
// ASCII JSON object a line.
//
// AppendDecodeText appends the same block to `out` (what `trace decode`
// prints, without a string per entry). Pure functions; safe from any thread.
#pragma once

#include <string>

#include <rapidjson/document.h>

#include "agent/trace/ascii_json.h"

namespace agent::trace {

std::string DecodeText(const rapidjson::Value& entry);

void AppendDecodeText(const rapidjson::Value& entry, JsonOutput& out);

}  // namespace agent::trace
