// Splitting text that is already in Python's format, without checking it
// again (rpc/python_json_scan_internal.h).
#include "rpc/python_json_scan_internal.h"

namespace rpc::python_json_internal {
namespace {

// Skips the rest of a string literal (p after its opening quote); nullptr
// when it does not end. In text in Python's format only '"' and '\\' matter.
const char* SkipPythonString(const char* p, const char* end, bool& escaped) {
  for (;;) {
    p = FindQuoteOrBackslash(p, end);
    if (p == end) return nullptr;
    if (*p == '"') return p + 1;
    if (end - p < 2) return nullptr;
    escaped = true;
    p += 2;
  }
}

// Skips one value of text in Python's format at p; nullptr when the text does
// not have that shape. Does not check what it skips.
const char* SkipPythonValue(const char* p, const char* end, JsonKind& kind, bool& escaped) {
  if (p == end) return nullptr;
  escaped = false;
  switch (*p) {
    case '"':
      kind = JsonKind::kString;
      return SkipPythonString(p + 1, end, escaped);
    case '{':
    case '[': {
      kind = *p == '{' ? JsonKind::kObject : JsonKind::kArray;
      std::size_t depth = 0;
      for (;;) {
        p = FindStructural(p, end);
        if (p == end) return nullptr;
        const char c = *p++;
        if (c == '"') {
          bool inner_escaped = false;
          p = SkipPythonString(p, end, inner_escaped);
          if (p == nullptr) return nullptr;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (--depth == 0) {
          return p;
        }
      }
    }
    default: {
      kind = *p == 't' || *p == 'f' ? JsonKind::kBool : *p == 'n' ? JsonKind::kNull : JsonKind::kNumber;
      while (p != end && *p != ',' && *p != '}' && *p != ']') ++p;
      return p;
    }
  }
}

void Add(const CanonicalItem& item, std::vector<CanonicalItem>& items) { items.push_back(item); }

void Add(const CanonicalItem& item, std::vector<JsonMemberView>& items) {
  items.push_back(JsonMemberView{item.key, item.key_escaped, item.kind, item.json, item.value_escaped});
}

template <typename Item>
bool Split(std::string_view json, JsonKind& root, std::vector<Item>& items) {
  const char* p = json.data();
  const char* const end = p + json.size();
  if (p == end || (*p != '{' && *p != '[')) return false;
  const bool object = *p == '{';
  const char close = object ? '}' : ']';
  root = object ? JsonKind::kObject : JsonKind::kArray;
  ++p;
  if (p != end && *p == close) return p + 1 == end;
  for (;;) {
    CanonicalItem item;
    if (object) {
      const char* key = p;
      JsonKind kind = JsonKind::kNull;
      p = SkipPythonValue(p, end, kind, item.key_escaped);
      if (p == nullptr || kind != JsonKind::kString || end - p < 2 || p[0] != ':' || p[1] != ' ') return false;
      item.key = std::string_view(key + 1, static_cast<std::size_t>(p - key - 2));
      p += 2;
    }
    const char* value = p;
    p = SkipPythonValue(p, end, item.kind, item.value_escaped);
    if (p == nullptr || p == value || p == end) return false;
    item.json = std::string_view(value, static_cast<std::size_t>(p - value));
    Add(item, items);
    if (*p == close) return p + 1 == end;
    if (end - p < 2 || p[0] != ',' || p[1] != ' ') return false;
    p += 2;
  }
}

}  // namespace

bool SplitPythonFormat(std::string_view json, JsonKind& root, std::vector<CanonicalItem>& items) {
  return Split(json, root, items);
}

bool SplitPythonFormat(std::string_view json, JsonKind& root, std::vector<JsonMemberView>& items) {
  return Split(json, root, items);
}

}  // namespace rpc::python_json_internal
