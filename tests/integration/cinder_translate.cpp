// Test-only filter for tests/wire/test_cinder_translation.py: reads one
// Cinder attachment answer ({"attachment": {...}}) on stdin, parses it as
// agent::cinder does and prints NovaConnectionInfo(attachment, argv[1]) on
// stdout. On failure prints the Status on stderr and exits 1.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "agent/cinder/attachment_api.h"
#include "agent/cinder/cinder_json.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cinder_translate VOLUME_ID < attachment.json\n");
    return 2;
  }
  std::string body((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto attachment = agent::cinder::ParseAttachmentResponse(body);
  if (!attachment.ok()) {
    std::fprintf(stderr, "%s\n", attachment.error().ToString().c_str());
    return 1;
  }
  auto info = agent::cinder::NovaConnectionInfo(*attachment, argv[1]);
  if (!info.ok()) {
    std::fprintf(stderr, "%s\n", info.error().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", info->c_str());
  return 0;
}
