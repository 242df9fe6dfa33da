#include "agent/cinder/cinder_json.h"

#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/rapidjson_strings.h"

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;


Result<rapidjson::Document> ParseObject(std::string_view body, std::string_view what) {
  auto doc = input::ParseBoundedJson(body, {input::kMaxHttpAnswerBytes});
  if (!doc.ok()) return Status::RemoteError(std::string(what) + " is not JSON (" + doc.error().message() + ")");
  if (!doc->IsObject()) return Status::RemoteError(std::string(what) + " is not a JSON object");
  return doc;
}

// A string member, "" when null or absent; kRemoteError for another type.
Result<std::string> StringField(const rapidjson::Value& object, const char* key, std::string_view what) {
  auto found = object.FindMember(key);
  if (found == object.MemberEnd() || found->value.IsNull()) return std::string();
  if (!found->value.IsString()) return Status::RemoteError(std::string(what) + ": \"" + key + "\" is not a string");
  return std::string(JsonStringView(found->value));
}

const rapidjson::Value* Envelope(const rapidjson::Document& doc, const char* key) {
  auto found = doc.FindMember(key);
  if (found == doc.MemberEnd() || !found->value.IsObject()) return nullptr;
  return &found->value;
}

std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  constexpr size_t kMax = 300;
  if (out.size() > kMax) out = out.substr(0, kMax) + "...";
  return out;
}

}  // namespace

std::string CreateAttachmentBody(std::string_view volume_id, std::string_view instance_uuid) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteJsonKey(w, "attachment");
  w.StartObject();
  WriteJsonKey(w, "volume_uuid");
  WriteJsonString(w, volume_id);
  WriteJsonKey(w, "connector");
  w.Null();
  WriteJsonKey(w, "instance_uuid");
  WriteJsonString(w, instance_uuid);
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::string> UpdateAttachmentBody(std::string_view connector_json, std::optional<std::string_view> mountpoint) {
  // Checked as refresh checks a connector file: the text goes out as it is,
  // so Cinder must read it as it reads here (no key twice).
  auto parsed = input::ParseBoundedJson(
      connector_json, {input::kMaxConnectorBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
  if (!parsed.ok()) return Status::InvalidInput("connector is not JSON (" + parsed.error().message() + ")");
  const rapidjson::Document& connector = *parsed;
  if (!connector.IsObject()) return Status::InvalidInput("connector is not a JSON object");
  // The connector text goes out as given; only the mountpoint is spliced in.
  std::string text(connector_json);
  if (mountpoint && !mountpoint->empty() && !connector.HasMember("mountpoint")) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    WriteJsonString(w, *mountpoint);
    const size_t close = text.rfind('}');
    std::string member = std::string(connector.ObjectEmpty() ? "" : ", ") + "\"mountpoint\": " + buffer.GetString();
    text.insert(close, member);
  }
  const size_t first = text.find_first_not_of(" \t\r\n");
  const size_t last = text.find_last_not_of(" \t\r\n");
  return "{\"attachment\": {\"connector\": " + text.substr(first, last - first + 1) + "}}";
}

namespace {

// One attachment of Cinder's detail view (alone or in a list).
Result<Attachment> AttachmentFromDetailView(const rapidjson::Value& a) {
  const std::string what = "attachment";
  Attachment out;
  BASE_TRY_ASSIGN(out.id, StringField(a, "id", what));
  if (out.id.empty()) return Status::RemoteError("attachment has no id");
  BASE_TRY_ASSIGN(out.status, StringField(a, "status", what));
  BASE_TRY_ASSIGN(out.instance, StringField(a, "instance", what));
  BASE_TRY_ASSIGN(out.volume_id, StringField(a, "volume_id", what));
  BASE_TRY_ASSIGN(out.attached_at, StringField(a, "attached_at", what));
  BASE_TRY_ASSIGN(out.detached_at, StringField(a, "detached_at", what));
  BASE_TRY_ASSIGN(out.attach_mode, StringField(a, "attach_mode", what));
  auto ci = a.FindMember("connection_info");
  if (ci != a.MemberEnd() && !ci->value.IsNull()) out.connection_info = CompactJsonText(ci->value);
  return out;
}

}  // namespace

Result<Attachment> ParseAttachmentResponse(std::string_view body) {
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseObject(body, "response"));
  const rapidjson::Value* a = Envelope(doc, "attachment");
  if (a == nullptr) return Status::RemoteError("response has no \"attachment\" object");
  return AttachmentFromDetailView(*a);
}

Result<std::vector<Attachment>> ParseAttachmentListResponse(std::string_view body) {
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseObject(body, "response"));
  auto list = doc.FindMember("attachments");
  if (list == doc.MemberEnd() || !list->value.IsArray()) {
    return Status::RemoteError("response has no \"attachments\" list");
  }
  std::vector<Attachment> out;
  for (const auto& item : list->value.GetArray()) {
    if (!item.IsObject()) return Status::RemoteError("an attachment in the list is not an object");
    BASE_TRY_ASSIGN(Attachment attachment, AttachmentFromDetailView(item));
    out.push_back(std::move(attachment));
  }
  return out;
}

namespace {

Result<Volume> VolumeFromView(const rapidjson::Value* v) {
  const std::string what = "volume";
  Volume out;
  BASE_TRY_ASSIGN(out.id, StringField(*v, "id", what));
  if (out.id.empty()) return Status::RemoteError("volume has no id");
  BASE_TRY_ASSIGN(out.status, StringField(*v, "status", what));
  auto multi = v->FindMember("multiattach");
  if (multi != v->MemberEnd() && !multi->value.IsNull()) {
    if (!multi->value.IsBool()) return Status::RemoteError("volume: \"multiattach\" is not a boolean");
    out.multiattach = multi->value.GetBool();
  }
  auto attachments = v->FindMember("attachments");
  if (attachments != v->MemberEnd() && !attachments->value.IsNull()) {
    if (!attachments->value.IsArray()) return Status::RemoteError("volume: \"attachments\" is not a list");
    for (const auto& item : attachments->value.GetArray()) {
      if (!item.IsObject()) return Status::RemoteError("volume: an attachment is not an object");
      Volume::AttachedTo to;
      BASE_TRY_ASSIGN(to.attachment_id, StringField(item, "attachment_id", "volume attachment"));
      BASE_TRY_ASSIGN(to.server_id, StringField(item, "server_id", "volume attachment"));
      BASE_TRY_ASSIGN(to.host_name, StringField(item, "host_name", "volume attachment"));
      out.attachment_ids.push_back(to.attachment_id);
      out.attached_to.push_back(std::move(to));
    }
  }
  out.attach_status = out.attachment_ids.empty() ? "detached" : "attached";  // Nova's derivation
  return out;
}

}  // namespace

Result<Volume> ParseVolumeResponse(std::string_view body) {
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseObject(body, "response"));
  const rapidjson::Value* v = Envelope(doc, "volume");
  if (v == nullptr) return Status::RemoteError("response has no \"volume\" object");
  return VolumeFromView(v);
}

Result<std::vector<Volume>> ParseVolumeListResponse(std::string_view body) {
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseObject(body, "response"));
  auto list = doc.FindMember("volumes");
  if (list == doc.MemberEnd() || !list->value.IsArray()) return Status::RemoteError("response has no \"volumes\" list");
  std::vector<Volume> out;
  for (const auto& item : list->value.GetArray()) {
    if (!item.IsObject()) return Status::RemoteError("a volume in the list is not an object");
    BASE_TRY_ASSIGN(Volume volume, VolumeFromView(&item));
    out.push_back(std::move(volume));
  }
  return out;
}

std::optional<ApiVersion> ParseApiVersion(std::string_view text) {
  ApiVersion v;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v.major);
  if (ec != std::errc() || p == end || *p != '.') return std::nullopt;
  auto [q, ec2] = std::from_chars(p + 1, end, v.minor);
  if (ec2 != std::errc() || q != end || p + 1 == q) return std::nullopt;
  return v;
}

Result<std::optional<ApiVersion>> ParseMaxVolumeApiVersion(std::string_view body) {
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseObject(body, "version document"));
  auto versions = doc.FindMember("versions");
  if (versions == doc.MemberEnd() || !versions->value.IsArray()) {
    return Status::RemoteError("version document has no \"versions\" list");
  }
  for (const auto& entry : versions->value.GetArray()) {
    if (!entry.IsObject()) continue;
    BASE_TRY_ASSIGN(std::string version, StringField(entry, "version", "version entry"));
    if (version.find("3.") == std::string::npos) continue;
    std::optional<ApiVersion> parsed = ParseApiVersion(version);
    if (!parsed) return Status::RemoteError("version document: \"" + OneLine(version) + "\" is not a version");
    return parsed;
  }
  return std::optional<ApiVersion>();
}

}  // namespace agent::cinder
