#include "agent/refresh/connector_file.h"

#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/input/regular_file.h"
#include "agent/rapidjson_strings.h"

namespace agent::refresh {
namespace {

ConnectorError Unreadable(std::string message) {
  return {ConnectorFailure::kUnreadable, base::Status::InvalidInput(std::move(message))};
}

}  // namespace

std::variant<Connector, ConnectorError> ParseConnector(std::string_view text, const std::string& origin) {
  auto doc = input::ParseBoundedJson(
      text, {input::kMaxConnectorBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
  if (!doc.ok()) {
    return Unreadable("Failed to open " + origin + ". Does it contain valid connector_info data? (" +
                      doc.error().message() + ")");
  }
  if (!doc->IsObject()) return Unreadable("the connector in " + origin + " is not a JSON object");
  auto host = doc->FindMember("host");
  if (host == doc->MemberEnd() || !host->value.IsString() || host->value.GetStringLength() == 0) {
    return Unreadable("the connector in " + origin + " has no \"host\" (run bdm-agent get-connector on the compute host)");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc->Accept(writer);
  if (buffer.GetSize() > input::kMaxConnectorBytes) {  // "1e9" is written "1000000000.0": the journal must read it back
    return Unreadable("the connector in " + origin + " is larger than " + std::to_string(input::kMaxConnectorBytes) +
                      " bytes once written as compact JSON");
  }
  return Connector{std::string(buffer.GetString(), buffer.GetSize()),
                   std::string(JsonStringView(host->value))};
}

std::variant<Connector, ConnectorError> ReadConnector(const std::string& path) {
  if (path == "-") {
    auto text = input::ReadToEnd(STDIN_FILENO, "standard input", input::kMaxConnectorBytes);
    if (!text.ok()) return Unreadable("cannot read the connector from " + text.error().message());
    return ParseConnector(*text, "standard input");
  }
  auto text = input::ReadRegularFile(path, input::kMaxConnectorBytes);
  if (!text.ok()) {
    if (text.error().IsNotFound()) {
      return ConnectorError{ConnectorFailure::kMissing,
                            base::Status::NotFound("Invalid input received: Connector file not found at " + path)};
    }
    return Unreadable("cannot read the connector file " + text.error().message());
  }
  return ParseConnector(*text, path);
}

}  // namespace agent::refresh
