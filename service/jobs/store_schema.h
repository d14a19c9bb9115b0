// The job store's file and schema: the database file, created owner-only,
// and the migrations that bring it up to JobStore::kSchemaVersion, one
// function per version and engine. Internal to jobs/.
#pragma once

#include <Poco/Data/Session.h>

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/store_backend.h"

namespace jobs {

// Patient data lives in this file: creates it owner-only (0600) before SQLite
// does. IOError (StorageFull for a full disk) when it cannot be created.
common::Status createOwnerOnly(const std::string& path);

// Creates the schema or brings it up to the current version, in one write
// transaction, recording each version with the clock's time. On PostgreSQL
// it holds an advisory lock for that transaction, so instances that start
// together migrate one after the other. Internal when
// the file was written by a newer build. Throws what Poco throws (the caller
// runs it inside guarded()).
common::Status migrate(Poco::Data::Session& s, Engine engine, const common::Clock& clock);

}  // namespace jobs
