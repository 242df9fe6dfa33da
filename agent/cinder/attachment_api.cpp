#include "agent/cinder/attachment_api.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/rapidjson_strings.h"

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;
using rapidjson::Value;

Value StringValue(std::string_view text, rapidjson::Document::AllocatorType& alloc) {
  return Value(text.data(), JsonLength(text), alloc);
}

// Sets object[key] = value, keeping the first position of a repeated key as
// Python's json.loads does.
void Put(Value& object, std::string_view key, Value value, rapidjson::Document::AllocatorType& alloc) {
  auto found = object.FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
  if (found != object.MemberEnd()) {
    found->value = std::move(value);
  } else {
    object.AddMember(StringValue(key, alloc), value, alloc);
  }
}

}  // namespace

Result<std::string> NovaConnectionInfo(const Attachment& attachment, std::string_view volume_id) {
  const std::string context = "connection_info of attachment " + attachment.id;
  if (!attachment.connection_info) return Status::Corrupt(context + ": Cinder returned none");
  auto parsed = input::ParseBoundedJson(*attachment.connection_info, {input::kMaxConnectionInfoBytes});
  if (!parsed.ok()) return Status::Corrupt(context + ": not JSON (" + parsed.error().message() + ")");
  rapidjson::Document& ci = *parsed;
  if (!ci.IsObject()) return Status::Corrupt(context + ": not a JSON object");
  if (ci.ObjectEmpty()) return Status::Corrupt(context + ": empty (the attachment has no connection)");

  rapidjson::Document out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  Value driver_volume_type(rapidjson::kNullType);
  Value data(rapidjson::kObjectType);
  for (auto& member : ci.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (key == "attachment_id") continue;
    if (key == "driver_volume_type") {
      driver_volume_type.CopyFrom(member.value, alloc);
      continue;
    }
    Put(data, key, Value(member.value, alloc), alloc);
  }
  // A repeated key counts once, with its last value (json.loads).
  out.AddMember("driver_volume_type", driver_volume_type, alloc);
  out.AddMember("data", data, alloc);
  out.AddMember("status", StringValue(attachment.status, alloc), alloc);
  out.AddMember("instance",
                attachment.instance.empty() ? Value(rapidjson::kNullType) : StringValue(attachment.instance, alloc),
                alloc);
  out.AddMember("attached_at", StringValue(attachment.attached_at, alloc), alloc);
  out.AddMember("detached_at", StringValue(attachment.detached_at, alloc), alloc);
  out.AddMember("volume_id", StringValue(attachment.volume_id, alloc), alloc);
  out.AddMember("serial", StringValue(volume_id, alloc), alloc);

  return CompactJsonText(out);
}

}  // namespace agent::cinder
