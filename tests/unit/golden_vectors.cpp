#include "tests/unit/golden_vectors.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include <doctest/doctest.h>

namespace fs = std::filesystem;

namespace rpc_test {

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The directory holding rpc/envelope.h: found from this file's compile-time
// path (absolute, or relative to the build directory) or by walking up from
// the working directory.
fs::path RepoRoot() {
  std::vector<fs::path> candidates = {fs::path(__FILE__).parent_path() / ".." / ".."};
  for (fs::path dir = fs::current_path();; dir = dir.parent_path()) {
    candidates.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  for (const fs::path& candidate : candidates) {
    std::error_code error;
    if (fs::exists(candidate / "rpc" / "envelope.h", error)) return fs::weakly_canonical(candidate);
  }
  return {};
}

// $BDM_VECTORS_DIR, else tests/vectors in the repository.
fs::path GoldenVectorsDir() {
  if (const char* dir = std::getenv("BDM_VECTORS_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const fs::path root = RepoRoot(); !root.empty()) return root / "tests" / "vectors";
  return {};
}

// Every publish/deliver event carrying a body in the vector files whose name
// ends in `suffix`, as JSON text; "vector" names the file. Fails the calling
// test when the vectors cannot be found or nothing matches.
std::vector<std::string> GoldenEvents(std::string_view suffix) {
  const fs::path dir = GoldenVectorsDir();
  INFO("golden vectors not found at \"", dir.string(),
       "\"; set BDM_VECTORS_DIR or run from the repository");
  std::error_code error;
  REQUIRE(fs::is_directory(dir, error));
  std::vector<std::string> events;
  std::set<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.insert(entry.path());
    }
  }
  for (const fs::path& file : files) {
    rapidjson::Document document;
    document.Parse(ReadBytes(file).c_str());
    REQUIRE_FALSE(document.HasParseError());
    for (const char* list : {"publish", "deliver", "events"}) {
      if (!document.HasMember(list)) continue;
      for (auto& event : document[list].GetArray()) {
        if (!event.HasMember("body_raw")) continue;
        event.AddMember("vector", rapidjson::Value(file.filename().string().c_str(), document.GetAllocator()),
                        document.GetAllocator());
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        event.Accept(writer);
        events.emplace_back(buffer.GetString(), buffer.GetSize());
      }
    }
  }
  REQUIRE_FALSE(events.empty());
  return events;
}

}  // namespace rpc_test
