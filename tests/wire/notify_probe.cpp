// notify_probe: a test-only notifier for tests/wire/test_notifier_wire.py.
// It sends one oslo.messaging notification through rpc::Notifier and prints
// "sent" (exit 0) or "error <code name> <message>" (exit 1) on stdout, so
// that a real Python notification listener can check what arrived.
//
// Usage: notify_probe --url URL --topics T1[,T2] --event-type E
//          [--publisher-id P] [--priority INFO] [--payload JSON]
//          [--context JSON] [--formats v2|v1|v2,v1] [--exchange nova]
//          [--timeout-ms N]
// Exit 2 for bad arguments.
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rpc/notifier.h"
#include "rpc/transport_url.h"

namespace {

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {
      {"--publisher-id", "bdm-agent.probe"}, {"--priority", "INFO"}, {"--payload", "{}"}, {"--context", "{}"},
      {"--formats", "v2"}, {"--exchange", "nova"}, {"--timeout-ms", "10000"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (argc % 2 == 0 || !flags.count("--url") || !flags.count("--topics") || !flags.count("--event-type")) {
    std::cerr << "notify_probe: error: usage: notify_probe --url URL --topics T --event-type E [options]\n";
    return 2;
  }
  auto url = rpc::ParseTransportUrl(flags["--url"], "--url");
  if (!url.ok()) {
    std::cerr << "notify_probe: error: " << url.error().message() << "\n";
    return 2;
  }
  auto connect = rpc::ConnectOptionsFromUrl(*url, {});
  if (!connect.ok()) {
    std::cerr << "notify_probe: error: " << connect.error().message() << "\n";
    return 2;
  }
  std::mt19937_64 rng(std::random_device{}());
  rpc::NotifierOptions options;
  options.connect = *connect;
  options.connect.connection_name = rpc::OsloConnectionName("notify_probe", rng);
  options.topology.control_exchange = flags["--exchange"];
  options.topics = Split(flags["--topics"]);
  options.formats.clear();
  for (const std::string& format : Split(flags["--formats"])) {
    options.formats.push_back(format == "v1" ? rpc::NotificationFormat::kV1 : rpc::NotificationFormat::kV2);
  }
  auto notifier = rpc::Notifier::Create(options);
  if (!notifier.ok()) {
    std::cerr << "notify_probe: error: " << notifier.error().message() << "\n";
    return 2;
  }
  rpc::Notification notification;
  notification.publisher_id = flags["--publisher-id"];
  notification.event_type = flags["--event-type"];
  notification.priority = flags["--priority"];
  notification.payload_json = flags["--payload"];
  notification.context_json = flags["--context"];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoll(flags["--timeout-ms"]));
  const base::Status sent = notifier->Notify(notification, deadline);
  (void)notifier->Close();
  if (!sent.ok()) {
    std::cout << "error " << base::CodeName(sent.code()) << " " << sent.message() << std::endl;
    return 1;
  }
  std::cout << "sent" << std::endl;
  return 0;
}
