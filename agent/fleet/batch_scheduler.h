// RunUnits: the concurrency of a batch refresh. A batch is a list of units,
// one per instance (its BDMs are refreshed one after another inside the
// unit), each on one compute host. RunUnits hands them to a bounded pool of
// worker threads so that:
//   - at most `workers` units run at once;
//   - at most `per_host` units of one compute host run at once, so one
//     compute is not flooded with remove_volume_connection calls;
//   - units start in plan order, except that a unit whose host is at its
//     limit is passed over by a later unit of another host (it keeps its
//     place in its host's queue);
//   - once `stop` is requested, no further unit starts; the running ones
//     finish (a refresh is never cut in half), then RunUnits returns.
// The plan has one unit per instance (the planner's promise), so no instance
// is ever worked on twice at once.
//
// Thread safety: `run` is called on the worker threads, at most `workers`
// calls at once, with the worker's index in [0, workers): a caller keeps one
// set of connections per worker (a NovaSession is not shared). RunUnits
// itself blocks until every started unit has finished.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "agent/interrupt.h"

namespace agent::fleet {

struct UnitLimits {
  int workers = 8;
  int per_host = 2;
};

// Runs unit `index` (an index into the hosts given to RunUnits) on worker `worker`.
using UnitRunner = std::function<void(std::size_t index, int worker)>;

struct UnitsRun {
  std::size_t started = 0;
  std::size_t not_started = 0;  // left when a stop was requested
};

// `unit_hosts[i]` is unit i's compute host. Limits below 1 are programming
// errors (the command line parser rejects them).
UnitsRun RunUnits(const std::vector<std::string>& unit_hosts, UnitLimits limits, const UnitRunner& run,
                  const StopRequest* stop = nullptr);

}  // namespace agent::fleet
