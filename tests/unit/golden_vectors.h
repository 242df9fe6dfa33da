// The golden wire vectors captured from a real Nova (tests/vectors), for the
// unit tests that decode, re-encode or compare against them. Found through
// $BDM_VECTORS_DIR, else tests/vectors in the repository (found from this
// file's path or the working directory). A missing directory fails the
// calling test; it is never a skip.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rpc_test {

std::string ReadBytes(const std::filesystem::path& path);

// The repository root (the directory holding rpc/envelope.h), or empty.
std::filesystem::path RepoRoot();

std::filesystem::path GoldenVectorsDir();

// Every publish/deliver event carrying a body in the vector files whose name
// ends in `suffix`, as JSON text with a "vector" key naming the file.
std::vector<std::string> GoldenEvents(std::string_view suffix);

}  // namespace rpc_test
