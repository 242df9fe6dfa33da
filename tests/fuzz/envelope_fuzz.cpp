// libFuzzer target: everything bdm-agent decodes from the broker. Any input
// must give a value or a Status, never a crash, a sanitizer report or an
// exception; and whatever decodes and is also valid to send (the encoder is
// stricter: a reply we send must carry a _unique_id, ...) must decode again
// and encode to the same bytes (the codecs are stable); the fast paths and the
// view API over trusted text must agree with the general, copying ones. Seed
// corpus: tests/corpus/envelope/ (the golden vectors' bodies).
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "proto_compat/nova_object.h"
#include "proto_compat/request_context.h"
#include "rpc/python_json.h"
#include "rpc/python_json_index.h"
#include "rpc/python_json_internal.h"
#include "rpc/remote_error.h"
#include "rpc/rpc_codec.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// The object decoder: every argument that looks like a versioned object, and
// the objects nested in its fields, as a receiving compute would read them.
void DecodeObjects(std::string_view args_json, int depth = 0) {
  if (depth > 4) return;
  auto members = rpc::SplitJsonObject(args_json);
  if (!members.ok()) return;
  for (const rpc::JsonMember& member : *members) {
    if (member.value.kind != rpc::JsonKind::kObject) continue;
    auto object = proto_compat::ReadNovaObject(member.value.json);
    if (!object.ok()) continue;
    (void)proto_compat::ReadIntField(*object, "id");
    (void)proto_compat::ReadStringField(*object, "uuid");
    (void)proto_compat::ReadBoolField(*object, "deleted");
    (void)proto_compat::ReadDateTimeField(*object, "created_at");
    for (const rpc::JsonMember& field : object->data) {
      if (field.value.kind == rpc::JsonKind::kObject) DecodeObjects("{\"f\": " + field.value.json + "}", depth + 1);
    }
  }
}

// An index node's children are what splitting its text gives, at every
// depth.
void IndexAgrees(const rpc::JsonNode& node, std::string_view json) {
  Check(node.json() == json);
  if (node.kind() != rpc::JsonKind::kObject && node.kind() != rpc::JsonKind::kArray) {
    Check(node.begin() == node.end());
    return;
  }
  std::vector<rpc::JsonMemberView> split;
  Check(rpc::python_json_internal::SplitTrustedContainer(json, split) == node.kind());
  std::size_t i = 0;
  for (const rpc::JsonNode child : node) {
    Check(i < split.size());
    const rpc::JsonMemberView& view = child.view();
    Check(view.key_literal == split[i].key_literal && view.key_escaped == split[i].key_escaped);
    Check(view.kind == split[i].kind && view.value_escaped == split[i].value_escaped);
    IndexAgrees(child, split[i].json);
    ++i;
  }
  Check(i == split.size());
}

// The view API over trusted text must give what the copying API gives:
// same keys, kinds, texts and decoded strings; and ReadTrustedNovaObject
// what ReadNovaObject gives.
void ViewsAgree(std::string_view trusted, const std::vector<rpc::JsonMember>& members) {
  auto views = rpc::SplitTrustedJsonObjectViews(trusted);
  Check(views.ok() && views->size() == members.size());
  std::string storage;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const rpc::JsonMemberView& view = (*views)[i];
    const rpc::JsonPart& value = members[i].value;
    Check(view.Key() == members[i].key && view.KeyIs(members[i].key));
    Check(view.kind == value.kind && view.json == value.json);
    if (view.kind == rpc::JsonKind::kString) {
      Check(view.StringValue() == value.string_value && view.StringView(storage) == value.string_value);
    }
  }
  auto index = rpc::JsonIndex::BuildTrusted(trusted);
  Check(index.ok());
  IndexAgrees(index->Root(), trusted);
  auto copied = proto_compat::ReadNovaObject(trusted);
  auto viewed = proto_compat::ReadTrustedNovaObject(index->Root());
  Check(copied.ok() == viewed.ok());
  if (!copied.ok()) {
    Check(copied.error().message() == viewed.error().message());
    return;
  }
  Check(copied->name == viewed->name && copied->version == viewed->version && copied->changes == viewed->changes);
  std::size_t i = 0;
  for (const rpc::JsonNode field : viewed->data) {
    Check(i < copied->data.size());
    Check(copied->data[i].key == field.view().Key() && copied->data[i].value.json == field.json());
    Check(copied->data[i].value.kind == field.kind());
    ++i;
  }
  Check(i == copied->data.size());
}

void RequestRoundTrip(std::string_view body) {
  auto request = rpc::DecodeRequest(body);
  if (!request.ok()) return;
  auto encoded = rpc::EncodeRequest(*request);
  if (!encoded.ok()) return;
  auto again = rpc::DecodeRequest(*encoded);
  Check(again.ok());
  auto encoded_again = rpc::EncodeRequest(*again);
  Check(encoded_again.ok() && *encoded_again == *encoded);

  std::mt19937_64 rng(1);
  // Parsing the decoded request's context without checking it again gives
  // what checking it gives.
  auto context = proto_compat::ParseContextJson(request->context_json, proto_compat::Timestamp{}, rng);
  auto from_request = proto_compat::ParseRequestContext(*request, proto_compat::Timestamp{}, rng);
  Check(context.ok() == from_request.ok());
  if (context.ok()) {
    Check(context->request_id.empty() == from_request->request_id.empty());
    Check(context->timestamp == from_request->timestamp && context->roles == from_request->roles);
    Check(context->service_catalog_json == from_request->service_catalog_json);
  }
  DecodeObjects(request->args_json);
  // The index DecodeRequest made while it checked the message describes args_json.
  Check(!request->args_index.empty());
  IndexAgrees(request->args_index.Root(), request->args_json);
  if (!request->context_members.empty()) {  // the context's members as DecodeRequest kept them
    auto split = rpc::SplitTrustedJsonObjectViews(request->context_json);
    Check(split.ok() && split->size() == request->context_members.size());
    for (std::size_t i = 0; i < split->size(); ++i) {
      const rpc::JsonMemberView& a = request->context_members[i];
      Check(a.key_literal == (*split)[i].key_literal && a.json == (*split)[i].json && a.kind == (*split)[i].kind);
    }
  }
  // args_json is trusted text: the views of it and of each object argument
  // (an Instance primitive, ...) agree with the copies.
  auto args = rpc::SplitJsonObject(request->args_json);
  Check(args.ok());
  ViewsAgree(request->args_json, *args);
  for (const rpc::JsonMember& arg : *args) {
    if (arg.value.kind != rpc::JsonKind::kObject) continue;
    auto fields = rpc::SplitJsonObject(arg.value.json);
    Check(fields.ok());
    ViewsAgree(arg.value.json, *fields);
  }
}

void ReplyRoundTrip(std::string_view body) {
  auto reply = rpc::DecodeReply(body);
  if (!reply.ok()) return;
  auto encoded = rpc::EncodeReply(*reply);
  if (!encoded.ok()) return;
  auto again = rpc::DecodeReply(*encoded);
  Check(again.ok());
  auto encoded_again = rpc::EncodeReply(*again);
  Check(encoded_again.ok() && *encoded_again == *encoded);
  if (reply->failure) (void)reply->failure->Summary();
}

bool SamePart(const rpc::JsonPart& a, const rpc::JsonPart& b) {
  return a.kind == b.kind && a.json == b.json && a.string_value == b.string_value;
}

// The fast paths (text already in Python's format) must agree with the
// general tree-based path on every input: same result, or both refuse.
void FastPathsAgree(std::string_view body) {
  // On text that is not trusted, the index may hold anything, but must not
  // read outside the text (ASan) nor loop.
  if (auto any = rpc::JsonIndex::BuildTrusted(body); any.ok()) {
    for (const rpc::JsonNode node : any->Root()) (void)node.json().size();
  }
  auto fast = rpc::ToPythonJson(body);
  auto tree = rpc::python_json_internal::ToPythonJsonByTree(body);
  Check(fast.ok() == tree.ok());
  if (!fast.ok()) {
    Check(fast.error().message() == tree.error().message());
    return;
  }
  Check(SamePart(*fast, *tree));
  auto index = rpc::JsonIndex::BuildTrusted(fast->json);
  Check(index.ok());
  IndexAgrees(index->Root(), fast->json);
  if (fast->kind != rpc::JsonKind::kObject) return;
  auto split = rpc::SplitJsonObject(body);
  auto trusted = rpc::SplitTrustedJsonObject(fast->json);
  auto split_again = rpc::SplitJsonObject(fast->json);
  Check(split.ok() && trusted.ok() && split_again.ok());
  Check(split->size() == trusted->size() && split->size() == split_again->size());
  for (std::size_t i = 0; i < split->size(); ++i) {
    Check((*split)[i].key == (*trusted)[i].key && (*split)[i].key == (*split_again)[i].key);
    Check(SamePart((*split)[i].value, (*trusted)[i].value) && SamePart((*split)[i].value, (*split_again)[i].value));
  }
  ViewsAgree(fast->json, *split);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  RequestRoundTrip(body);
  ReplyRoundTrip(body);
  (void)rpc::DecodeRemoteFailure(body);
  FastPathsAgree(body);
  if (auto python = rpc::ToPythonJson(body); python.ok()) {
    auto again = rpc::ToPythonJson(python->json);
    Check(again.ok() && again->json == python->json);
  }
  return 0;
}
