#include "tests/integration/cinder_test_support.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>

#include <rapidjson/document.h>

#include "agent/cinder/keystone_auth.h"
#include "tests/integration/stack_fixture.h"

namespace testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) + " is not set: source $BDM_STACK_DIR/stack.env");
  }
  return value;
}

std::string Field(const std::string& body, const char* envelope, const char* key) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(envelope) || !doc[envelope].IsObject() ||
      !doc[envelope].HasMember(key) || !doc[envelope][key].IsString()) {
    throw std::runtime_error("unexpected Cinder answer: " + body);
  }
  return doc[envelope][key].GetString();
}

}  // namespace

// With Keystone: a token of the stack's nova.conf [cinder] user (the nova
// service user, roles admin and service), also sent as the service token.
// With BDM_STACK_AUTH=noauth: BDM_CINDER_TOKEN ("user:project").
CinderAdmin CinderAdmin::FromEnvironment() {
  const char* auth = std::getenv("BDM_STACK_AUTH");
  if (auth != nullptr && std::string_view(auth) == "noauth") {
    return {Env("BDM_CINDER_URL"), Env("BDM_CINDER_PROJECT"), Env("BDM_CINDER_TOKEN")};
  }
  static const std::string token = [] {
    auto transport = agent::cinder::HttpTransport::Create({});
    if (!transport.ok()) throw std::runtime_error(transport.error().ToString());
    auto got = agent::cinder::RequestKeystoneToken(*transport, StackNovaConf().cinder.auth, "cinder");
    if (!got.ok()) throw std::runtime_error(got.error().ToString());
    return got->token;
  }();
  return {Env("BDM_CINDER_URL"), Env("BDM_CINDER_PROJECT"), token};
}

agent::cinder::HttpResponse CinderAdmin::Call(std::string_view method, std::string_view path,
                                              std::string body) const {
  auto transport = agent::cinder::HttpTransport::Create({});
  if (!transport.ok()) throw std::runtime_error(transport.error().ToString());
  agent::cinder::HttpRequest request{std::string(method), url + "/" + project + std::string(path),
                                     {"X-Auth-Token: " + token, "X-Service-Token: " + token,
                                      "X-Service-Roles: service",  // read only by a noauth stack's Cinder
                                      "OpenStack-API-Version: volume 3.44"},
                                     std::nullopt};
  if (!body.empty()) request.body = std::move(body);
  auto sent = transport->Send(request, "test Cinder " + std::string(method) + " " + std::string(path));
  if (auto* error = std::get_if<agent::cinder::TransportError>(&sent)) {
    throw std::runtime_error(error->status.ToString());
  }
  return std::get<agent::cinder::HttpResponse>(std::move(sent));
}

ScratchVolume::ScratchVolume(std::string_view name) : admin_(CinderAdmin::FromEnvironment()) {
  auto created = admin_.Call("POST", "/volumes",
                             R"({"volume": {"size": 1, "name": ")" + std::string(name) + R"("}})");
  if (created.status != 202) throw std::runtime_error("volume create: HTTP " + std::to_string(created.status));
  id_ = Field(created.body, "volume", "id");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Status() != "available") {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("volume " + id_ + " not available");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ScratchVolume::~ScratchVolume() {
  try {
    auto listed = admin_.Call("GET", "/attachments?volume_id=" + id_);
    rapidjson::Document doc;
    doc.Parse(listed.body.c_str());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("attachments") && doc["attachments"].IsArray()) {
      for (const auto& a : doc["attachments"].GetArray()) {
        admin_.Call("DELETE", std::string("/attachments/") + a["id"].GetString());
      }
    }
    for (int i = 0; i < 100 && Status() != "available"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    admin_.Call("DELETE", "/volumes/" + id_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cleanup of volume %s failed: %s\n", id_.c_str(), e.what());
  }
}

std::string ScratchVolume::Status() const {
  return Field(admin_.Call("GET", "/volumes/" + id_).body, "volume", "status");
}

agent::config::NovaConfig StackNovaConf() {
  const char* path = std::getenv("BDM_NOVA_CONF");
  if (path == nullptr) return LocalStack().nova_conf;
  auto conf = agent::config::LoadNovaConfig({{agent::config::SourceKind::kFile, path}});
  if (!conf.ok()) throw std::runtime_error(std::string(path) + ": " + conf.error().ToString());
  return *conf;
}

std::string RandomUuid() {
  std::random_device device;
  std::mt19937_64 rng(device());
  std::uniform_int_distribution<int> hex(0, 15);
  std::string out;
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      out += '-';
    } else if (i == 14) {
      out += '4';
    } else if (i == 19) {
      out += digits[8 + hex(rng) % 4];
    } else {
      out += digits[hex(rng)];
    }
  }
  return out;
}

}  // namespace testing
