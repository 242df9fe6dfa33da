#include "agent/serve/endpoint.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stop_token>
#include <variant>

#include "agent/commands/connector_format.h"
#include "agent/commands/get_connector.h"
#include "agent/commands/refresh_runner.h"
#include "agent/commands/show.h"
#include "agent/exit_codes.h"
#include "agent/interrupt.h"
#include "agent/serve/call_args.h"
#include "agent/serve/connector_fetch.h"
#include "agent/serve/failure_classes.h"
#include "agent/serve/refresh_args.h"
#include "bdm_agent_version.h"
#include "proto_compat/request_context.h"
#include "rpc/python_json.h"

namespace agent::serve {
namespace {

using rpc::CallInput;
using rpc::HandlerResult;

constexpr std::string_view kModule = "bdm_agent.serve";

// One admitted request: the caller's context, the worker's resources and a
// log that names the request.
struct Admitted {
  proto_compat::RequestContext context;
  WorkerResources& worker;
  Log log;
};

// The request's context if it may run here, else the refusal to answer.
std::variant<Admitted, HandlerResult> Admit(ServeState& state, const CallInput& input, std::string_view method) {
  WorkerResources& worker = state.ForThisThread();
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto context = proto_compat::ParseRequestContext(input.request, now, worker.rng);
  if (!context.ok()) {
    state.log().ForRequest(std::string(kModule), "", "").Warning(
        std::string(method) + ": refused, the request's context does not read: " + context.error().message());
    return HandlerResult::Raise(NotAuthorizedFailure("the request's context does not read"));
  }
  Log log = state.log().ForRequest(std::string(kModule), context->request_id, context->UserIdentity());
  const std::vector<std::string>& allowed = worker.config->settings.allowed_roles;
  const bool admitted = context->is_admin || std::any_of(context->roles.begin(), context->roles.end(), [&](const auto& r) {
                          return std::find(allowed.begin(), allowed.end(), r) != allowed.end();
                        });
  if (!admitted) {
    log.Warning(std::string(method) + ": refused: the context is not an admin's and has none of the roles in "
                "[bdm_agent] allowed_roles (user " + context->user_id.value_or("-") + ", project " +
                context->project_id.value_or("-") + ", request " + context->request_id + ")");
    return HandlerResult::Raise(
        NotAuthorizedFailure(std::string(method) + " needs an admin context or a role in [bdm_agent] allowed_roles"));
  }
  log.Debug(std::string(method) + " from user " + context->user_id.value_or("-"));
  if (state.hooks() != nullptr) state.hooks()->BeforeHandler(method, input.cancel);
  return Admitted{std::move(*context), worker, std::move(log)};
}

// The server's cancel (a shutdown past graceful_shutdown_timeout) as a
// refresh's stop request: the refresh stops at its next step boundary and
// its journal says how it ends.
class CancelledByServer final : public StopRequest {
 public:
  explicit CancelledByServer(std::stop_token cancel) : cancel_(std::move(cancel)) {}
  bool requested() const override { return cancel_.stop_requested(); }
  std::string_view reason() const override { return "the server is stopping"; }

 private:
  std::stop_token cancel_;
};

// The result for text that is JSON (any), as Python's json would send it.
HandlerResult ReturnJson(std::string_view json, std::string_view what) {
  auto python = rpc::ToPythonJson(json);
  if (!python.ok()) {
    return HandlerResult::Raise(rpc::MakeRemoteFailure("InternalError", std::string(kExceptionModule),
                                                       std::string(what) + " is not JSON: " + python.error().message()));
  }
  return HandlerResult::Return(std::move(python->json));
}

// bdm_uuid, or instance_uuid with volume_id, as the CLI takes them.
std::variant<commands::BdmSelection, HandlerResult> Selection(const CallArgs& args, std::string_view method) {
  commands::BdmSelection s;
  std::optional<std::string> bdm, instance, volume;
  for (auto [name, out] : {std::pair{"bdm_uuid", &bdm}, {"instance_uuid", &instance}, {"volume_id", &volume}}) {
    if (auto failure = args.String(name, *out)) return HandlerResult::Raise(std::move(*failure));
  }
  if (bdm.has_value() == (instance.has_value() || volume.has_value()) || instance.has_value() != volume.has_value()) {
    return HandlerResult::Raise(InvalidArgumentsFailure(
        std::string(method) + "(): give bdm_uuid, or instance_uuid and volume_id"));
  }
  s.bdm_uuid = bdm.value_or("");
  s.instance_uuid = instance.value_or("");
  s.volume_id = volume.value_or("");
  return s;
}

HandlerResult Ping(ServeState& state, const CallInput& input) {
  auto admitted = Admit(state, input, "ping");
  if (auto* refused = std::get_if<HandlerResult>(&admitted)) return std::move(*refused);
  if (auto failure = CallArgs("ping", input).Unexpected({})) return HandlerResult::Raise(std::move(*failure));
  const auto& worker = std::get<Admitted>(admitted).worker;
  rpc::PythonJsonObjectWriter result;
  result.String("host", worker.config->settings.host)
      .String("version", BDM_AGENT_VERSION)
      .Int("uptime_s", std::chrono::duration_cast<std::chrono::seconds>(state.uptime()).count());
  auto text = std::move(result).Finish();
  if (!text.ok()) return HandlerResult::Raise(CommandFailure(FailingCommand::kShow, exit_code::kUnexpected, text.error().message()));
  return HandlerResult::Return(std::move(*text));
}

HandlerResult Show(ServeState& state, const CallInput& input) {
  auto admitted = Admit(state, input, "show");
  if (auto* refused = std::get_if<HandlerResult>(&admitted)) return std::move(*refused);
  Admitted& a = std::get<Admitted>(admitted);
  const CallArgs args("show", input);
  if (auto failure = args.Unexpected({"bdm_uuid", "instance_uuid", "volume_id", "show_secrets"})) {
    return HandlerResult::Raise(std::move(*failure));
  }
  auto selection = Selection(args, "show");
  if (auto* refused = std::get_if<HandlerResult>(&selection)) return std::move(*refused);
  commands::ShowFormat format;
  format.json = true;
  bool secrets = false;
  if (auto failure = args.Bool("show_secrets", secrets)) return HandlerResult::Raise(std::move(*failure));
  format.secrets = secrets ? ShowSecrets::kYes : ShowSecrets::kNo;
  a.worker.times.Reset();
  const commands::ShowEnding ending =
      commands::ShowBdm(*a.worker.session->nova_db, std::get<commands::BdmSelection>(selection), format, a.log);
  if (ending.code != exit_code::kOk) {
    a.log.Warning("show: " + ending.error);
    return HandlerResult::Raise(CommandFailure(FailingCommand::kShow, ending.code, ending.error));
  }
  return ReturnJson(ending.text, "the BDM");
}

HandlerResult GetConnector(ServeState& state, const CallInput& input) {
  auto admitted = Admit(state, input, "get_connector");
  if (auto* refused = std::get_if<HandlerResult>(&admitted)) return std::move(*refused);
  Admitted& a = std::get<Admitted>(admitted);
  if (auto failure = CallArgs("get_connector", input).Unexpected({})) return HandlerResult::Raise(std::move(*failure));
  auto connector = commands::LocalConnector(a.worker.config->nova, host::HostPaths{}, a.log);
  base::Result<std::string> json = connector.ok() ? commands::FormatConnectorJson(*connector)
                                                  : base::Result<std::string>(connector.error());
  if (!json.ok()) {
    a.log.Warning("get_connector: " + json.error().message());
    return HandlerResult::Raise(
        CommandFailure(FailingCommand::kGetConnector, exit_code::kUnexpected, json.error().message()));
  }
  return ReturnJson(*json, "the connector");
}

std::string TimingsJson(const PeerTimes& t, std::chrono::steady_clock::duration wall) {
  const auto ms = [](std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  const double own =
      ms(wall) - ms(t.database.total) - ms(t.broker.total) - ms(t.cinder.total) - ms(t.keystone.total);
  char text[240];
  std::snprintf(text, sizeof text,
                "{\"wall_ms\": %.1f, \"database_ms\": %.1f, \"broker_ms\": %.1f, \"cinder_ms\": %.1f, "
                "\"keystone_ms\": %.1f, \"keystone_requests\": %d, \"own_ms\": %.1f}",
                ms(wall), ms(t.database.total), ms(t.broker.total), ms(t.cinder.total), ms(t.keystone.total),
                t.keystone.calls, own);
  return text;
}

// Reads refresh()'s arguments into `request` (and the connector and
// dry_run given); the failure of the first that does not read.
std::optional<rpc::RemoteFailure> ReadRefreshRequest(const CallArgs& args, bool redelivered,
                                                     commands::RefreshRequest& request,
                                                     std::optional<std::string>& connector_json, bool& dry_run) {
  if (auto failure = args.Unexpected({"bdm_uuid", "instance_uuid", "volume_id", "connector", "dry_run", "expect",
                                      "request_ids", "takeover_after"})) {
    return failure;
  }
  auto selection = Selection(args, "refresh");
  if (auto* refused = std::get_if<HandlerResult>(&selection)) return std::move(refused->failure);
  if (auto failure = args.Object("connector", connector_json)) return failure;
  if (auto failure = args.Bool("dry_run", dry_run)) return failure;
  request.selection = std::get<commands::BdmSelection>(selection);
  request.dry_run = dry_run ? refresh::DryRun::kYes : refresh::DryRun::kNo;
  return ReadRefreshArgs(args, redelivered, request);
}

HandlerResult Refresh(ServeState& state, const CallInput& input) {
  const auto start = std::chrono::steady_clock::now();
  auto admitted = Admit(state, input, "refresh");
  if (auto* refused = std::get_if<HandlerResult>(&admitted)) return std::move(*refused);
  Admitted& a = std::get<Admitted>(admitted);
  const CallArgs args("refresh", input);
  RefreshEvent event;
  event.request_id = a.context.request_id;
  event.context_json = input.request.context_json;
  for (auto [name, out] : {std::pair{"bdm_uuid", &event.bdm_uuid}, {"instance_uuid", &event.instance_uuid},
                           {"volume_id", &event.volume_id}}) {
    (void)args.String(name, *out);  // as far as they read, for the refusal's notification
  }
  std::optional<std::string> connector_json;
  bool dry_run = false;
  commands::RefreshRequest request;
  if (auto failure = ReadRefreshRequest(args, input.request.redelivered, request, connector_json, dry_run)) {
    // A cast has no reply: its refusal is announced as a failed refresh is,
    // so that a batch coordinator waiting for the outcome learns it at once.
    event.error_class = failure->class_name;
    event.error_message = failure->message;
    a.log.Warning("refresh refused (" + event.error_class + "): " + failure->message);
    if (!dry_run) state.events().Error(event);
    return HandlerResult::Raise(std::move(*failure));
  }
  WorkerResources& worker = a.worker;
  worker.times.Reset();
  const commands::ConnectorSource connector = [&](const std::string& compute_host) {
    return connector_json ? refresh::ParseConnector(*connector_json, "the connector argument")
                          : FetchConnector(worker, compute_host, a.log);
  };
  if (!dry_run) state.events().Start(event);
  a.log.Info(std::string(dry_run ? "dry run of a refresh of " : "refreshing ") +
             (event.bdm_uuid ? "BDM " + *event.bdm_uuid
                             : "instance " + *event.instance_uuid + " volume " + *event.volume_id) +
             (input.request.redelivered ? " (message redelivered)" : ""));
  const CancelledByServer cancelled(input.cancel);
  const commands::RefreshEnding ending = commands::RunRefreshRequest(
      request, connector, *worker.session,
      {a.log, &worker.times, state.hooks(), [&cancelled]() -> const StopRequest* { return &cancelled; },
       [&state, &worker](const config::NovaConfig&, const cinder::CinderSession& session) {
         return state.Cinder(worker.config, session);
       }});
  const std::string timings = TimingsJson(worker.times, std::chrono::steady_clock::now() - start);
  event.bdm_uuid = ending.bdm_uuid ? ending.bdm_uuid : event.bdm_uuid;
  event.old_attachment_id = ending.old_attachment_id;
  event.new_attachment_id = ending.new_attachment_id;
  event.timings_json = timings;
  event.outcome = ending.attachment_changed ? "already-refreshed" : "refreshed";
  event.taken_over = ending.taken_over;
  if (ending.code != exit_code::kOk) {
    event.error_class = std::string(FailureClass(FailingCommand::kRefresh, ending.code));
    event.error_message = ending.error;
    a.log.Warning("refresh failed (" + event.error_class + "): " + ending.error);
    if (!dry_run) state.events().Error(event);
    return HandlerResult::Raise(CommandFailure(FailingCommand::kRefresh, ending.code, ending.error));
  }
  for (const std::string& line : ending.lines) a.log.Info(line);
  if (!dry_run) state.events().End(event);
  rpc::PythonJsonObjectWriter result;
  result.OptionalString("bdm_uuid", ending.bdm_uuid)
      .OptionalString("old_attachment_id", ending.old_attachment_id)
      .OptionalString("new_attachment_id", ending.new_attachment_id);
  if (request.expect) result.String("outcome", event.outcome).Bool("taken_over", ending.taken_over);
  if (dry_run) result.StringArray("plan", ending.lines);
  result.TrustedJson("timings", ReturnJson(timings, "the timings").result_json);
  auto text = std::move(result).Finish();
  if (!text.ok()) {
    return HandlerResult::Raise(CommandFailure(FailingCommand::kRefresh, exit_code::kUnexpected, text.error().message()));
  }
  return HandlerResult::Return(std::move(*text));
}

}  // namespace

rpc::Endpoint MakeEndpoint(ServeState& state) {
  rpc::Endpoint endpoint;
  endpoint.namespace_ = std::string(kNamespace);
  endpoint.version = std::string(kVersion);
  endpoint.methods["ping"] = [&state](const CallInput& input) { return Ping(state, input); };
  endpoint.methods["show"] = [&state](const CallInput& input) { return Show(state, input); };
  endpoint.methods["get_connector"] = [&state](const CallInput& input) { return GetConnector(state, input); };
  endpoint.methods["refresh"] = [&state](const CallInput& input) { return Refresh(state, input); };
  return endpoint;
}

}  // namespace agent::serve
