// Scratch volumes for the Cinder integration tests, made through the stack's
// real Cinder API as the stack's nova user (BDM_CINDER_URL, BDM_CINDER_PROJECT
// from stack.env, a Keystone token of nova.conf's [cinder] user, or
// BDM_CINDER_TOKEN on a noauth stack; missing variables fail the test). Each
// ScratchVolume deletes its remaining attachments (as a service caller) and
// then itself when it goes away.
#pragma once

#include <string>
#include <string_view>

#include "agent/cinder/http_transport.h"
#include "agent/config/nova_config.h"

namespace testing {

struct CinderAdmin {
  std::string url;      // http://127.0.0.1:P/v3
  std::string project;
  std::string token;    // Keystone token (or user:project on a noauth stack)

  static CinderAdmin FromEnvironment();

  // One request under {url}/{project}; the answer whatever its status.
  agent::cinder::HttpResponse Call(std::string_view method, std::string_view path, std::string body = {}) const;
};

class ScratchVolume {
 public:
  // Creates a 1 GiB volume and waits (up to 30 s) until it is available.
  explicit ScratchVolume(std::string_view name);
  ~ScratchVolume();
  ScratchVolume(const ScratchVolume&) = delete;
  ScratchVolume& operator=(const ScratchVolume&) = delete;

  const std::string& id() const { return id_; }
  // GET /volumes/{id} -> the "status" field.
  std::string Status() const;

 private:
  CinderAdmin admin_;
  std::string id_;
};

// The nova.conf nova-manage uses ($BDM_NOVA_CONF, else the stack's), loaded
// by bdm-agent's loader; a failure fails the test.
agent::config::NovaConfig StackNovaConf();

// A uuid4 in text form, for instance uuids and request ids.
std::string RandomUuid();

}  // namespace testing
