#include "agent/secret_mask.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <doctest/doctest.h>

TEST_CASE("agent::IsSecretKey") {
  for (const char* key : {"auth_password", "secret", "keyring", "target_secret", "password", "token",
                          "discovery_auth_password", "secret_key", "access_key", "key", "AUTH_PASSWORD",
                          "api-token", "private_key", "credentials", "__token__", "a.very-long_wordy key-credentials",
                          "Target..Secret"}) {
    CAPTURE(key);
    CHECK(agent::IsSecretKey(key));
  }
  for (const char* key : {"secret_uuid", "secret_type", "auth_username", "encryption_key_id", "hosts",
                          "auth_method", "keyring_path", "target_iqn", "volume_id", "name", "monkey",
                          "tokenizer", "", "_-. ", "passwordpassword", "credentialsx", "token_credentials_name",
                          "secretsecretsecret_token_id"}) {
    CAPTURE(key);
    CHECK_FALSE(agent::IsSecretKey(key));
  }
  // The last word decides "identifier" even when it is too long to be listed; a NUL is a character of its word.
  CHECK(agent::IsSecretKey("token_averyveryverylongword"));
  CHECK(agent::IsSecretKey("id_token"));
  CHECK(agent::IsSecretKey("password_"));
  CHECK(agent::IsSecretKey("PRIVATE-Key.Id2"));
  CHECK_FALSE(agent::IsSecretKey("Key_ID"));
  CHECK_FALSE(agent::IsSecretKey(std::string_view("key\0", 4)));
  CHECK_FALSE(agent::IsSecretKey(std::string_view("key\0_x", 6)));
  CHECK(agent::IsSecretKey(std::string_view("x\0_key", 6)));
}

TEST_CASE("agent::MaskSecrets") {
  rapidjson::Document doc;
  doc.Parse(R"({"driver_volume_type":"iscsi","data":{"auth_password":"s3cr3t","auth_username":"u",
      "keyring":"[client.cinder]\nkey = AQB==","secret_uuid":"457e","list":[{"token":5}],
      "target_secret":null,"nested":{"secret":{"a":1}}}})");
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(agent::MaskSecrets(doc, doc.GetAllocator()) == 4);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  CHECK(std::string(buffer.GetString()) ==
        R"({"driver_volume_type":"iscsi","data":{"auth_password":"***","auth_username":"u",)"
        R"("keyring":"***","secret_uuid":"457e","list":[{"token":"***"}],"target_secret":null,)"
        R"("nested":{"secret":"***"}}})");
}

TEST_CASE("agent::MaskSecretsDeep masks inside JSON held in strings") {
  rapidjson::Document doc;
  doc.Parse(R"({"connection_info": "{\"data\": {\"auth_password\": \"pw\", \"target_iqn\": \"iqn\"}}",)"
            R"( "note": "{not json", "list": ["[{\"token\": 1}]"], "plain": "text", "auth_token": "t"})");
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(agent::MaskSecretsDeep(doc, doc.GetAllocator()) == 3);
  CHECK(std::string(doc["connection_info"].GetString()) == R"({"data":{"auth_password":"***","target_iqn":"iqn"}})");
  CHECK(std::string(doc["note"].GetString()) == "{not json");
  CHECK(std::string(doc["list"][0].GetString()) == R"([{"token":"***"}])");
  CHECK(std::string(doc["auth_token"].GetString()) == "***");
  SUBCASE("plain MaskSecrets leaves strings alone") {
    rapidjson::Document again;
    again.Parse(R"({"connection_info": "{\"auth_password\": \"pw\"}"})");
    CHECK(agent::MaskSecrets(again, again.GetAllocator()) == 0);
  }
}
