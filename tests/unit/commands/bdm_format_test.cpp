#include "agent/commands/bdm_format.h"

#include <doctest/doctest.h>

namespace {

agent::db::BlockDeviceMapping SampleBdm() {
  agent::db::BlockDeviceMapping b;
  b.id = 42;
  b.uuid = "4e957e6d-52f2-44da-8cf8-3f1ab755e26d";
  b.instance_uuid = "216f9481-4c9d-4530-b865-51cedfa4b8e7";
  b.source_type = "volume";
  b.destination_type = "volume";
  b.device_type = "disk";
  b.disk_bus = "virtio";
  b.device_name = "/dev/vdb";
  b.volume_id = "8b9b3491-f083-4485-8374-258372f3db35";
  b.volume_size = 1;
  b.connection_info = R"({"driver_volume_type": "iscsi", "data": {"auth_password": "s3cr3t", "target_lun": 0}, "serial": "8b9b"})";
  b.attachment_id = "d338fb38-cfd5-461f-8753-145dcbdb6c78";
  b.encrypted = false;
  b.created_at = "2021-09-14 13:03:30";
  b.updated_at = "2021-09-14 13:03:38.123400";
  return b;
}

}  // namespace

TEST_CASE("agent::JsonDatetime and TableDatetime match nova-manage") {
  CHECK(agent::JsonDatetime("2021-09-14 13:03:30") == "2021-09-14T13:03:30.000000");
  CHECK(agent::JsonDatetime("2021-09-14 13:03:30.1234") == "2021-09-14T13:03:30.123400");
  CHECK(agent::TableDatetime("2021-09-14 13:03:30") == "2021-09-14 13:03:30+00:00");
  CHECK(agent::TableDatetime("2021-09-14 13:03:30.000000") == "2021-09-14 13:03:30+00:00");
  CHECK(agent::TableDatetime("2021-09-14 13:03:30.500000") == "2021-09-14 13:03:30.500000+00:00");
}

TEST_CASE("agent::FormatBdmJson") {
  agent::db::BlockDeviceMapping b = SampleBdm();
  SUBCASE("object field order, nested masked connection_info") {
    auto json = agent::FormatBdmJson(b, agent::ShowSecrets::kNo);
    REQUIRE(json.ok());
    CHECK(*json ==
          R"({"id":42,"uuid":"4e957e6d-52f2-44da-8cf8-3f1ab755e26d","instance_uuid":"216f9481-4c9d-4530-b865-51cedfa4b8e7",)"
          R"("source_type":"volume","destination_type":"volume","guest_format":null,"device_type":"disk",)"
          R"("disk_bus":"virtio","boot_index":null,"device_name":"/dev/vdb","delete_on_termination":false,)"
          R"("snapshot_id":null,"volume_id":"8b9b3491-f083-4485-8374-258372f3db35","volume_size":1,"image_id":null,)"
          R"("no_device":false,"connection_info":{"driver_volume_type":"iscsi","data":{"auth_password":"***","target_lun":0},"serial":"8b9b"},)"
          R"("tag":null,"attachment_id":"d338fb38-cfd5-461f-8753-145dcbdb6c78","volume_type":null,"encrypted":false,)"
          R"("encryption_secret_uuid":null,"encryption_format":null,"encryption_options":null,)"
          R"("created_at":"2021-09-14T13:03:30.000000","updated_at":"2021-09-14T13:03:38.123400","deleted_at":null,"deleted":false})"
          "\n");
  }
  SUBCASE("secrets shown on request") {
    auto json = agent::FormatBdmJson(b, agent::ShowSecrets::kYes);
    REQUIRE(json.ok());
    CHECK(json->find("\"auth_password\":\"s3cr3t\"") != std::string::npos);
  }
  SUBCASE("malformed connection_info is corrupt unless secrets are shown") {
    b.connection_info = "{\"driver_volume_type\": \"rbd\", ";
    auto masked = agent::FormatBdmJson(b, agent::ShowSecrets::kNo);
    REQUIRE_FALSE(masked.ok());
    CHECK(masked.error().code() == base::Code::kCorrupt);
    CHECK(masked.error().message().find("connection_info is not valid JSON") != std::string::npos);
    CHECK(masked.error().message().find("at offset") != std::string::npos);
    auto raw = agent::FormatBdmJson(b, agent::ShowSecrets::kYes);
    REQUIRE(raw.ok());
    CHECK(raw->find(R"("connection_info":"{\"driver_volume_type\": \"rbd\", ")") != std::string::npos);
  }
  SUBCASE("ASCII only, as json.dumps writes it: C1 controls, DEL and bad bytes escaped") {
    b.device_name = "/dev/vdb\x1b]0;x\x07\xc2\x9b\x7f\xff\xc3\xa9";
    b.connection_info = "{\"serial\": \"s\xc2\x9b\"}";
    for (agent::ShowSecrets secrets : {agent::ShowSecrets::kNo, agent::ShowSecrets::kYes}) {
      auto json = agent::FormatBdmJson(b, secrets);
      REQUIRE(json.ok());
      CHECK(json->find(R"("device_name":"/dev/vdb\u001B]0;x\u0007\u009b\u007f\ufffd\u00e9")") != std::string::npos);
      CHECK(json->find(R"("connection_info":{"serial":"s\u009b"})") != std::string::npos);
      auto info = agent::FormatConnectionInfoJson(b, secrets);
      REQUIRE(info.ok());
      CHECK(*info == (secrets == agent::ShowSecrets::kYes ? "{\"serial\": \"s\\u009b\"}\n"  // as stored
                                                          : "{\"serial\":\"s\\u009b\"}\n"));
    }
  }
  SUBCASE("a deep connection_info is corrupt, not a stack overflow; shown as stored on request (issue 9)") {
    b.connection_info = std::string(200000, '[');
    auto masked = agent::FormatBdmJson(b, agent::ShowSecrets::kNo);
    CHECK(masked.error().code() == base::Code::kCorrupt);
    CHECK(masked.error().message() ==
          "block device mapping 4e957e6d-52f2-44da-8cf8-3f1ab755e26d: connection_info is not valid JSON (nested deeper "
          "than 64 levels at offset 64); use --show-secrets to print it as stored");
    CHECK(agent::FormatConnectionInfoTable(b, agent::ShowSecrets::kNo).error().code() == base::Code::kCorrupt);
    auto raw = agent::FormatBdmJson(b, agent::ShowSecrets::kYes);
    REQUIRE(raw.ok());
    CHECK(raw->find(R"("connection_info":"[[[[)") != std::string::npos);
  }
  SUBCASE("an older schema leaves the encryption fields out") {
    b.encrypted.reset();
    auto json = agent::FormatBdmJson(b, agent::ShowSecrets::kNo);
    REQUIRE(json.ok());
    CHECK(json->find("encrypt") == std::string::npos);
  }
}

TEST_CASE("agent::FormatBdmTable and connection_info views") {
  agent::db::BlockDeviceMapping b = SampleBdm();
  auto table = agent::FormatBdmTable(b, agent::ShowSecrets::kNo);
  REQUIRE(table.ok());
  CHECK(table->find("| attachment_id ") < table->find("| boot_index "));  // sorted by key
  CHECK(table->find("| None ") != std::string::npos);
  CHECK(table->find("| False ") != std::string::npos);
  CHECK(table->find("2021-09-14 13:03:30+00:00") != std::string::npos);
  CHECK(table->find("s3cr3t") == std::string::npos);

  auto info = agent::FormatConnectionInfoTable(b, agent::ShowSecrets::kNo);
  REQUIRE(info.ok());
  CHECK(info->find("| driver_volume_type | iscsi ") != std::string::npos);
  // Nested objects are indented over continuation rows.
  CHECK(info->find("| data               | {") != std::string::npos);
  CHECK(info->find("|                    |   \"auth_password\": \"***\",") != std::string::npos);
  CHECK(info->find("|                    |   \"target_lun\": 0") != std::string::npos);

  auto raw = agent::FormatConnectionInfoJson(b, agent::ShowSecrets::kYes);
  REQUIRE(raw.ok());
  CHECK(*raw == *b.connection_info + "\n");  // verbatim, as stored

  b.connection_info.reset();
  CHECK(*agent::FormatConnectionInfoJson(b, agent::ShowSecrets::kNo) == "null\n");
  CHECK(agent::FormatConnectionInfoTable(b, agent::ShowSecrets::kNo).error().code() ==
        base::Code::kFailedPrecondition);
}
