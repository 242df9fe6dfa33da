#include "agent/fleet/batch_via_rpc.h"

#include <deque>
#include <map>
#include <random>
#include <set>

#include "agent/config/notification_options.h"
#include "agent/config/rpc_client_options.h"
#include "agent/exit_codes.h"
#include "agent/fleet/refresh_notice.h"
#include "proto_compat/request_context.h"
#include "rpc/amqp_connection.h"
#include "rpc/amqp_topology.h"
#include "rpc/python_json.h"
#include "rpc/rpc_client.h"

namespace agent::fleet {
namespace {

using Clock = std::chrono::steady_clock;

// The exclusive queue that hears the agents' refresh notifications.
struct Listener {
  rpc::AmqpConnection connection;
  std::string queue;
};

base::Result<config::NotificationOptions> NotificationsOn(const config::NovaConfig& conf, std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(std::optional<config::NotificationOptions> options,
                  config::NotificationOptionsFromConfig(conf, "bdm-agent", rng));
  if (!options) {
    return base::Status::InvalidInput(
        "--via-rpc learns each outcome from the agents' notifications: set [oslo_messaging_notifications] "
        "driver = messagingv2 (the agents' and this config alike)");
  }
  return std::move(*options);
}

base::Result<Listener> OpenListener(const config::NovaConfig& conf, std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(config::NotificationOptions notifications, NotificationsOn(conf, rng));
  const auto* options = &notifications;
  BASE_TRY_ASSIGN(rpc::AmqpConnection connection, rpc::AmqpConnection::Open(options->notifier.connect));
  BASE_TRY(connection.DeclareExchange(rpc::TopicExchange(options->notifier.topology)));
  rpc::QueueDeclaration declaration;
  declaration.exclusive = true;
  declaration.auto_delete = true;
  BASE_TRY_ASSIGN(std::string queue, connection.DeclareQueueNamed(declaration));
  for (const std::string& topic : options->notifier.topics) {
    for (std::string_view priority : {"info", "error"}) {
      BASE_TRY(connection.BindQueue(queue, options->notifier.topology.control_exchange,
                                    rpc::NotificationRoutingKey(topic, priority)));
    }
  }
  BASE_TRY(connection.Consume(queue));
  return Listener{std::move(connection), std::move(queue)};
}

// The request id of a fresh admin context.
std::string NewRequestId(std::mt19937_64& rng) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return proto_compat::MakeAdminContext(now, rng).request_id;
}

// One BDM's cast: refresh (1.1) with its own context and request ids.
base::Result<rpc::RpcRequest> MakeCast(const PlannedBdm& plan, const std::optional<refresh::Connector>& connector,
                                       std::chrono::seconds takeover_after, const std::string& request_id,
                                       std::mt19937_64& rng) {
  rpc::PythonJsonObjectWriter args;
  if (plan.bdm_uuid) {
    args.String("bdm_uuid", *plan.bdm_uuid);
  } else {
    args.String("instance_uuid", plan.instance_uuid).String("volume_id", plan.volume_id);
  }
  if (connector) {
    BASE_TRY_ASSIGN(rpc::JsonPart json, rpc::ToPythonJson(connector->json));
    args.TrustedJson("connector", json.json);
  }
  rpc::PythonJsonObjectWriter expect;
  expect.OptionalString("attachment_id", plan.attachment_id);
  BASE_TRY_ASSIGN(std::string expect_json, std::move(expect).Finish());
  rpc::PythonJsonObjectWriter ids;
  ids.String("lock", NewRequestId(rng)).String("action", NewRequestId(rng)).String("unlock", NewRequestId(rng));
  BASE_TRY_ASSIGN(std::string ids_json, std::move(ids).Finish());
  args.TrustedJson("expect", expect_json).TrustedJson("request_ids", ids_json).Int("takeover_after",
                                                                                      takeover_after.count());
  rpc::RpcRequest request;
  request.method = "refresh";
  request.namespace_ = "bdm_agent";
  request.version = "1.1";
  BASE_TRY_ASSIGN(request.args_json, std::move(args).Finish());
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  proto_compat::RequestContext context = proto_compat::MakeAdminContext(now, rng);
  context.request_id = request_id;
  BASE_TRY_ASSIGN(request.context_json, proto_compat::ToContextJson(context));
  return request;
}

class ViaRpcRun {
 public:
  ViaRpcRun(RunJournal& journal, const RpcBatchSettings& settings, const RpcBatchPorts& ports, const BdmEnded& ended)
      : journal_(journal), settings_(settings), ports_(ports), ended_(ended) {}

  base::Result<BatchTotals> Run();

 private:
  struct InFlight {
    std::size_t index, unit;
    Clock::time_point deadline;
  };

  void GroupByInstance();
  bool CanCast(std::size_t unit) const;
  // Casts the next BDM of `unit` (or ends it without a cast); false when the
  // run must stop (journal or broker).
  bool CastNext(std::size_t unit);
  base::Status End(std::size_t index, BatchOutcome outcome, int exit_code, const std::string& detail,
                   const commands::RefreshEnding& ending);
  void UnitDone(std::size_t unit);
  base::Status Hear(std::chrono::milliseconds wait);
  void ExpireDeadlines();

  RunJournal& journal_;
  const RpcBatchSettings& settings_;
  const RpcBatchPorts& ports_;
  const BdmEnded& ended_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::optional<Listener> listener_;
  std::optional<rpc::RpcClient> client_;
  std::vector<std::deque<std::size_t>> units_;  // per unit: plan indices not yet cast
  std::vector<std::string> unit_hosts_;
  std::deque<std::size_t> ready_;               // units whose next BDM may be cast
  std::map<std::string, std::size_t, std::less<>> in_flight_ids_;  // request id -> plan index
  std::map<std::string, InFlight, std::less<>> in_flight_;
  std::map<std::string, int> per_host_;
  base::Status failure_ = base::Status::Ok();
};

void ViaRpcRun::GroupByInstance() {
  Units units = fleet::GroupByInstance(journal_.state());
  for (std::size_t unit = 0; unit < units.bdms.size(); ++unit) {
    units_.emplace_back(units.bdms[unit].begin(), units.bdms[unit].end());
    ready_.push_back(unit);
  }
  unit_hosts_ = std::move(units.hosts);
}

bool ViaRpcRun::CanCast(std::size_t unit) const {
  if (static_cast<int>(in_flight_.size()) >= settings_.limits.workers) return false;
  auto it = per_host_.find(unit_hosts_[unit]);
  return it == per_host_.end() || it->second < settings_.limits.per_host;
}

base::Status ViaRpcRun::End(std::size_t index, BatchOutcome outcome, int exit_code, const std::string& detail,
                            const commands::RefreshEnding& ending) {
  base::Status written = journal_.RecordEnd(index, BatchOutcomeName(outcome), exit_code, detail);
  if (ended_) ended_(index, journal_.Entry(index), ending);
  return written;
}

bool ViaRpcRun::CastNext(std::size_t unit) {
  const std::size_t index = units_[unit].front();
  units_[unit].pop_front();
  const PlannedBdm plan = journal_.Entry(index).plan;
  std::optional<refresh::Connector> connector;
  if (auto found = ports_.connector(plan.host)) {
    if (auto* error = std::get_if<refresh::ConnectorError>(&*found)) {
      const int code = error->kind == refresh::ConnectorFailure::kMissing ? exit_code::kRefreshConnectorMissing
                                                                           : exit_code::kRefreshConnectorInvalid;
      commands::RefreshEnding ending;
      ending.code = code;
      ending.error = error->status.message();
      if (base::Status s = journal_.RecordStart(index); !s.ok()) return failure_ = s, false;
      if (base::Status s = End(index, BatchOutcome::kSkipped, code, ending.error, ending); !s.ok()) {
        return failure_ = s, false;
      }
      UnitDone(unit);
      return true;
    }
    connector = std::get<refresh::Connector>(*found);
  }
  const std::string request_id = NewRequestId(rng_);
  auto cast = MakeCast(plan, connector, settings_.takeover_after, request_id, rng_);
  if (!cast.ok()) return failure_ = cast.error(), false;
  if (base::Status s = journal_.RecordStart(index); !s.ok()) return failure_ = s, false;
  base::Status sent = client_->Cast({"", settings_.topic, ""}, std::move(*cast), std::chrono::seconds(30));
  if (!sent.ok()) {
    ports_.log.Error("cannot cast the refresh of BDM " + plan.bdm_uuid.value_or(std::to_string(plan.bdm_id)) +
                     " to topic " + settings_.topic + ": " + sent.message());
    return failure_ = sent, false;
  }
  ports_.log.Debug("cast the refresh of BDM " + plan.bdm_uuid.value_or(std::to_string(plan.bdm_id)) + " as " +
                   request_id);
  in_flight_ids_[request_id] = index;
  in_flight_[request_id] = InFlight{index, unit, Clock::now() + settings_.outcome_timeout};
  ++per_host_[plan.host];
  return true;
}

void ViaRpcRun::UnitDone(std::size_t unit) {
  if (!units_[unit].empty()) ready_.push_back(unit);
}

base::Status ViaRpcRun::Hear(std::chrono::milliseconds wait) {
  BASE_TRY_ASSIGN(std::optional<rpc::Delivery> delivery, listener_->connection.Receive(wait));
  if (!delivery) return base::Status::Ok();
  BASE_TRY(listener_->connection.Ack(delivery->delivery_tag));
  const std::optional<RefreshNotice> notice = ReadRefreshNotice(delivery->body);
  if (!notice) return base::Status::Ok();
  const std::optional<std::size_t> index = MatchNotice(*notice, in_flight_ids_, journal_.state());
  if (!index) return base::Status::Ok();
  const NoticeOutcome outcome = OutcomeOfNotice(*notice);
  if (!outcome.outcome) {
    ports_.log.Warning("BDM " + journal_.Entry(*index).plan.bdm_uuid.value_or("-") + ": " + outcome.detail +
                       "; waiting for another agent to take it");
    return base::Status::Ok();
  }
  const InFlight flight = in_flight_.at(notice->request_id);
  in_flight_.erase(notice->request_id);
  in_flight_ids_.erase(notice->request_id);
  --per_host_[journal_.Entry(*index).plan.host];
  commands::RefreshEnding ending;
  ending.code = outcome.exit_code;
  if (outcome.exit_code != exit_code::kOk) ending.error = outcome.detail;
  ending.attachment_changed = *outcome.outcome == BatchOutcome::kAlreadyRefreshed;
  ending.taken_over = notice->taken_over;
  BASE_TRY(End(*index, *outcome.outcome, outcome.exit_code, outcome.detail, ending));
  UnitDone(flight.unit);
  return base::Status::Ok();
}

void ViaRpcRun::ExpireDeadlines() {
  const auto now = Clock::now();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    const PlannedBdm plan = journal_.Entry(it->second.index).plan;
    ports_.log.Error("BDM " + plan.bdm_uuid.value_or(std::to_string(plan.bdm_id)) + " (instance " +
                     plan.instance_uuid + "): no outcome within " + std::to_string(settings_.outcome_timeout.count()) +
                     " s of its cast (request " + it->first + "); left for --resume, which decides from the live "
                     "state" + (units_[it->second.unit].empty() ? "" : "; the instance's other BDMs are not cast"));
    --per_host_[plan.host];
    in_flight_ids_.erase(it->first);
    it = in_flight_.erase(it);
  }
}

base::Result<BatchTotals> ViaRpcRun::Run() {
  BASE_TRY_ASSIGN(listener_, OpenListener(ports_.conf, rng_));
  BASE_TRY_ASSIGN(rpc::RpcClientOptions options, config::RpcClientOptionsFromConfig(ports_.conf, "bdm-agent", rng_));
  BASE_TRY_ASSIGN(client_, rpc::RpcClient::Connect(std::move(options)));
  GroupByInstance();
  ports_.log.Info("casting to topic " + settings_.topic + ", outcomes from notifications on queue " +
                  listener_->queue);
  bool casting = true;
  while (true) {
    const bool stopping = ports_.stop != nullptr && ports_.stop->requested();
    // Cast what the limits allow, in unit order (units over their host's limit wait their turn).
    std::deque<std::size_t> waiting;
    while (casting && !stopping && !ready_.empty()) {
      const std::size_t unit = ready_.front();
      ready_.pop_front();
      if (!CanCast(unit)) {
        waiting.push_back(unit);
        if (static_cast<int>(in_flight_.size()) >= settings_.limits.workers) break;
        continue;
      }
      if (!CastNext(unit)) casting = false;
    }
    ready_.insert(ready_.begin(), waiting.begin(), waiting.end());
    if (in_flight_.empty() && (!casting || stopping || ready_.empty())) break;
    if (stopping && ports_.abort != nullptr && ports_.abort->requested()) {
      ports_.log.Warning(std::to_string(in_flight_.size()) + " BDM(s) cast and not heard of are no longer waited "
                         "for: their agents finish them; --resume finds them done");
      break;
    }
    if (base::Status heard = Hear(std::chrono::milliseconds(200)); !heard.ok()) {
      if (failure_.ok()) failure_ = heard;
      ports_.log.Error("the outcomes can no longer be heard (" + heard.message() + "); " +
                       std::to_string(in_flight_.size()) + " BDM(s) in flight are left for --resume");
      break;
    }
    ExpireDeadlines();
  }
  (void)client_->Close();
  (void)listener_->connection.Close();
  if (!failure_.ok()) return failure_;
  return TotalsOf(journal_.state());
}

}  // namespace

base::Status CheckViaRpcConfig(const config::NovaConfig& conf) {
  std::mt19937_64 rng(std::random_device{}());
  return NotificationsOn(conf, rng).status();
}

base::Result<BatchTotals> RunBatchViaRpc(RunJournal& journal, const RpcBatchSettings& settings,
                                         const RpcBatchPorts& ports, const BdmEnded& ended) {
  return ViaRpcRun(journal, settings, ports, ended).Run();
}

}  // namespace agent::fleet
