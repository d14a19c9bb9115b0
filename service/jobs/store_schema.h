// The job store's file and schema: the database file, created owner-only,
// and the migrations that bring it up to JobStore::kSchemaVersion, one
// function per version. Internal to jobs/.
#pragma once

#include <Poco/Data/Session.h>

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace jobs {

// Patient data lives in this file: creates it owner-only (0600) before SQLite
// does. IOError (StorageFull for a full disk) when it cannot be created.
common::Status createOwnerOnly(const std::string& path);

// Creates the schema or brings it up to the current version, in one write
// transaction, recording each version with the clock's time. Internal when
// the file was written by a newer build. Throws what Poco throws (the caller
// runs it inside guarded()).
common::Status migrate(Poco::Data::Session& s, const common::Clock& clock);

}  // namespace jobs
