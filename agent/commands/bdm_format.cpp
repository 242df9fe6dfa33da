#include "agent/commands/bdm_format.h"

#include <algorithm>
#include <optional>
#include <variant>
#include <vector>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/secret_mask.h"
#include "agent/terminal_text.h"
#include "agent/text_table.h"
#include "agent/rapidjson_strings.h"

namespace agent {
namespace {

using db::BlockDeviceMapping;

struct Datetime {
  std::string text;
};
struct ConnectionInfo {
  std::string text;
};
using FieldValue = std::variant<std::nullptr_t, bool, std::int64_t, std::string, Datetime, ConnectionInfo>;

struct Field {
  std::string name;
  FieldValue value;
};

template <typename T>
FieldValue Opt(const std::optional<T>& v) {
  if (!v) return nullptr;
  return FieldValue(*v);
}

FieldValue OptDatetime(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return Datetime{*v};
}

// The BDM's fields in BlockDeviceMapping object order (Nova 26, 1.21), then
// the persistent-object fields. Columns missing from an older schema are left
// out, as the object would leave them unset.
std::vector<Field> Fields(const BlockDeviceMapping& b) {
  std::vector<Field> f = {
      {"id", b.id},
      {"uuid", Opt(b.uuid)},
      {"instance_uuid", b.instance_uuid},
      {"source_type", Opt(b.source_type)},
      {"destination_type", Opt(b.destination_type)},
      {"guest_format", Opt(b.guest_format)},
      {"device_type", Opt(b.device_type)},
      {"disk_bus", Opt(b.disk_bus)},
      {"boot_index", Opt(b.boot_index)},
      {"device_name", Opt(b.device_name)},
      {"delete_on_termination", b.delete_on_termination},
      {"snapshot_id", Opt(b.snapshot_id)},
      {"volume_id", Opt(b.volume_id)},
      {"volume_size", Opt(b.volume_size)},
      {"image_id", Opt(b.image_id)},
      {"no_device", b.no_device},
      {"connection_info", b.connection_info ? FieldValue(ConnectionInfo{*b.connection_info}) : nullptr},
      {"tag", Opt(b.tag)},
      {"attachment_id", Opt(b.attachment_id)},
      {"volume_type", Opt(b.volume_type)},
  };
  if (b.encrypted) {
    f.push_back({"encrypted", *b.encrypted});
    f.push_back({"encryption_secret_uuid", Opt(b.encryption_secret_uuid)});
    f.push_back({"encryption_format", Opt(b.encryption_format)});
    f.push_back({"encryption_options", Opt(b.encryption_options)});
  }
  f.push_back({"created_at", OptDatetime(b.created_at)});
  f.push_back({"updated_at", OptDatetime(b.updated_at)});
  f.push_back({"deleted_at", OptDatetime(b.deleted_at)});
  f.push_back({"deleted", b.deleted});
  return f;
}

std::string BdmName(const BlockDeviceMapping& b) {
  return "block device mapping " + (b.uuid ? *b.uuid : "id " + std::to_string(b.id));
}

base::Result<rapidjson::Document> ParseBoundedConnectionInfo(const std::string& text) {
  return input::ParseBoundedJson(text, {input::kMaxConnectionInfoBytes});
}

// Parses connection_info and masks it; kCorrupt if it is not JSON (within
// agent/input's limits).
base::Result<rapidjson::Document> ParseConnectionInfo(const BlockDeviceMapping& b, const std::string& text,
                                                      ShowSecrets secrets) {
  auto doc = ParseBoundedConnectionInfo(text);
  if (!doc.ok()) {
    return base::Status::Corrupt(BdmName(b) + ": connection_info is not valid JSON (" + doc.error().message() +
                                 "); use --show-secrets to print it as stored");
  }
  if (secrets == ShowSecrets::kNo) MaskSecrets(*doc, doc->GetAllocator());
  return doc;
}


// Indented over several lines, arrays kept on one line: for table cells.
std::string Pretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  writer.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool ParsesAsJson(const std::string& text) { return ParseBoundedConnectionInfo(text).ok(); }

// Python str() of a JSON scalar, as nova-manage's table shows it.
std::string PythonScalar(const rapidjson::Value& v) {
  if (v.IsNull()) return "None";
  if (v.IsBool()) return v.GetBool() ? "True" : "False";
  if (v.IsString()) return std::string(JsonStringView(v));
  return CompactJsonText(v);
}

}  // namespace

std::string JsonDatetime(const std::string& mysql_datetime) {
  std::string out = mysql_datetime;
  if (out.size() >= 11 && out[10] == ' ') out[10] = 'T';
  const auto dot = out.find('.');
  if (dot == std::string::npos) return out + ".000000";
  const std::size_t fraction = out.size() - dot - 1;
  if (fraction < 6) out.append(6 - fraction, '0');
  return out;
}

std::string TableDatetime(const std::string& mysql_datetime) {
  std::string out = mysql_datetime;
  // Python drops an all-zero fraction when printing a datetime.
  if (const auto dot = out.find('.'); dot != std::string::npos &&
                                      out.find_first_not_of('0', dot + 1) == std::string::npos) {
    out.erase(dot);
  }
  return out + "+00:00";
}

base::Result<std::string> FormatBdmJson(const BlockDeviceMapping& bdm, ShowSecrets secrets) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const Field& field : Fields(bdm)) {
    w.Key(field.name.c_str());
    const FieldValue& v = field.value;
    if (std::holds_alternative<std::nullptr_t>(v)) {
      w.Null();
    } else if (const bool* b = std::get_if<bool>(&v)) {
      w.Bool(*b);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      w.Int64(*n);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      WriteJsonString(w, *s);
    } else if (const auto* d = std::get_if<Datetime>(&v)) {
      w.String(JsonDatetime(d->text).c_str());
    } else {
      const std::string& text = std::get<ConnectionInfo>(v).text;
      if (secrets == ShowSecrets::kYes && !ParsesAsJson(text)) {
        WriteJsonString(w, text);
        continue;
      }
      BASE_TRY_ASSIGN(rapidjson::Document doc, ParseConnectionInfo(bdm, text, secrets));
      const std::string compact = CompactJsonText(doc);
      w.RawValue(compact.data(), compact.size(), doc.GetType());
    }
  }
  w.EndObject();
  return AsciiJson(std::string_view(buffer.GetString(), buffer.GetSize())) + "\n";
}

base::Result<std::string> FormatBdmTable(const BlockDeviceMapping& bdm, ShowSecrets secrets) {
  std::vector<std::vector<std::string>> rows;
  for (const Field& field : Fields(bdm)) {
    const FieldValue& v = field.value;
    std::string cell;
    if (std::holds_alternative<std::nullptr_t>(v)) {
      cell = "None";
    } else if (const bool* b = std::get_if<bool>(&v)) {
      cell = *b ? "True" : "False";
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      cell = std::to_string(*n);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      cell = *s;
    } else if (const auto* d = std::get_if<Datetime>(&v)) {
      cell = TableDatetime(d->text);
    } else {
      const std::string& text = std::get<ConnectionInfo>(v).text;
      if (secrets == ShowSecrets::kYes && !ParsesAsJson(text)) {
        cell = text;
      } else {
        BASE_TRY_ASSIGN(rapidjson::Document doc, ParseConnectionInfo(bdm, text, secrets));
        cell = Pretty(doc);
      }
    }
    rows.push_back({field.name, std::move(cell)});
  }
  std::sort(rows.begin(), rows.end());
  return RenderTable({"Property", "Value"}, rows);
}

base::Result<std::string> FormatConnectionInfoJson(const BlockDeviceMapping& bdm, ShowSecrets secrets) {
  if (!bdm.connection_info) return std::string("null\n");
  // As stored (only made safe for a terminal, terminal_text.h).
  if (secrets == ShowSecrets::kYes) return AsciiJson(*bdm.connection_info) + "\n";
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseConnectionInfo(bdm, *bdm.connection_info, secrets));
  return AsciiJson(CompactJsonText(doc)) + "\n";
}

base::Result<std::string> FormatConnectionInfoTable(const BlockDeviceMapping& bdm, ShowSecrets secrets) {
  if (!bdm.connection_info) {
    return base::Status::FailedPrecondition(BdmName(bdm) + " has no connection_info (NULL)");
  }
  if (secrets == ShowSecrets::kYes && !ParsesAsJson(*bdm.connection_info)) {
    return RenderTable({"Property", "Value"}, {{"(as stored)", *bdm.connection_info}});
  }
  BASE_TRY_ASSIGN(rapidjson::Document doc, ParseConnectionInfo(bdm, *bdm.connection_info, secrets));
  if (!doc.IsObject()) {
    return base::Status::Corrupt(BdmName(bdm) + ": connection_info is JSON but not an object");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& member : doc.GetObject()) {
    rows.push_back({member.name.GetString(),
                    member.value.IsObject() || member.value.IsArray() ? Pretty(member.value)
                                                                      : PythonScalar(member.value)});
  }
  std::sort(rows.begin(), rows.end());
  return RenderTable({"Property", "Value"}, rows);
}

}  // namespace agent
