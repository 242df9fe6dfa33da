#include "agent/refresh/connector_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace agent::refresh {
namespace {

ConnectorError Unreadable(std::string message) {
  return {ConnectorFailure::kUnreadable, base::Status::InvalidInput(std::move(message))};
}

}  // namespace

std::variant<Connector, ConnectorError> ParseConnector(std::string_view text, const std::string& origin) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Unreadable("Failed to open " + origin + ". Does it contain valid connector_info data? (" +
                      rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                      std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) return Unreadable("the connector in " + origin + " is not a JSON object");
  auto host = doc.FindMember("host");
  if (host == doc.MemberEnd() || !host->value.IsString() || host->value.GetStringLength() == 0) {
    return Unreadable("the connector in " + origin + " has no \"host\" (run bdm-agent get-connector on the compute host)");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return Connector{std::string(buffer.GetString(), buffer.GetSize()),
                   std::string(host->value.GetString(), host->value.GetStringLength())};
}

std::variant<Connector, ConnectorError> ReadConnector(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return ParseConnector(text, "standard input");
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) {
      return ConnectorError{ConnectorFailure::kMissing,
                            base::Status::NotFound("Invalid input received: Connector file not found at " + path)};
    }
    return Unreadable("Failed to open " + path + ": " + std::strerror(errno));
  }
  text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) return Unreadable("Failed to read " + path);
  return ParseConnector(text, path);
}

}  // namespace agent::refresh
