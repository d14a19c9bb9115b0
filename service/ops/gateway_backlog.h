// GatewayBacklog: the faxes handed to the gateway that it has not taken yet:
// complete jobs in spool/fax/new (those with their <id>.json control file,
// docs/fax-gateway.md), and how long the oldest has waited there. Read by
// /readyz and /metrics. Reads the folder each call; safe from any thread.
#pragma once

#include <Poco/Timestamp.h>

#include <string>

#include "common/file_system.h"
#include "common/status.h"

namespace ops {

struct GatewayBacklog {
    int waiting = 0;                // control files in new/
    double oldestAgeSeconds = 0;    // since the oldest one arrived (its mtime); 0 when none wait
};

// newDir: the fax channel's new/ folder (Spool::path("fax", "new")). A file
// that the gateway takes while it is being looked at is left out. IOError
// when the folder cannot be read.
common::Result<GatewayBacklog> gatewayBacklog(const common::FileSystem& fs, const std::string& newDir,
                                              Poco::Timestamp now);

}  // namespace ops
