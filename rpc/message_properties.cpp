#include "rpc/message_properties.h"

#include <string>

namespace rpc {

MessageProperties CastProperties() {
  MessageProperties properties;
  properties.content_type = "application/json";
  properties.content_encoding = "utf-8";
  properties.headers = AmqpFieldTable{};
  properties.delivery_mode = 2;
  properties.priority = 0;
  return properties;
}

MessageProperties CallProperties(std::chrono::milliseconds timeout) {
  MessageProperties properties = CastProperties();
  properties.expiration = std::to_string(timeout.count() < 0 ? 0 : timeout.count());
  return properties;
}

}  // namespace rpc
