// Uuid4: random (version 4) UUIDs written as Python's uuid module writes
// them, for the identifiers oslo.messaging and Nova put in messages
// (_msg_id, _unique_id, reply queue names, request ids).
//
// The randomness is always the caller's: each function draws two values from
// the generator it is given and nothing else, so a seeded generator gives
// the same ids again (tests), and nothing here keeps state. Safe from several
// threads as long as each uses its own generator.
#pragma once

#include <random>
#include <string>

namespace rpc {

// uuid.uuid4().hex: 32 lowercase hex digits.
std::string NewUuid4Hex(std::mt19937_64& rng);

// str(uuid.uuid4()): 8-4-4-4-12 lowercase hex digits.
std::string NewUuid4(std::mt19937_64& rng);

}  // namespace rpc
