#include "rpc/amqp_field_value.h"

namespace rpc {

const AmqpFieldValue* FindField(const AmqpFieldTable& table, std::string_view key) {
  for (const auto& [name, value] : table) {
    if (name == key) return &value;
  }
  return nullptr;
}

}  // namespace rpc
