// `bdm-agent show`: prints every attribute of one block device mapping, found
// by BDM uuid (all cells are searched) or by instance + volume (nova-manage's
// form). Reads the API and cell databases only: no broker, no Cinder, no
// writes. Exit codes: 0, 2 (instance not found), 3 (BDM not found), and the
// shared codes of exit_codes.h.
//
// ShowBdm is the command without its command line, for `serve`'s show
// endpoint too: it returns what to print and the exit code.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"
#include "agent/commands/bdm_format.h"
#include "agent/commands/cli.h"
#include "agent/db/nova_database.h"

namespace agent::commands {

int RunShow(const std::vector<std::string>& args, const CommandEnv& env);

struct ShowFormat {
  bool json = false;
  bool connection_info_only = false;
  ShowSecrets secrets = ShowSecrets::kNo;
};

struct ShowEnding {
  int code = 0;      // exit_code::kOk, or show's exit code
  std::string error; // one line, when code is not kOk
  std::string text;  // what show prints on stdout (ends with a newline)
};

// Finds the BDM and renders it; warnings (a legacy row without uuid) go to
// `log`.
ShowEnding ShowBdm(db::NovaDatabase& nova_db, const BdmSelection& selection, const ShowFormat& format,
                   const Log& log);

}  // namespace agent::commands
