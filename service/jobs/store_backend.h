// The job store's two engines behind one small interface: where a call gets
// its connection, how a write transaction starts, and when a commit is
// durable. SQLite: one connection behind a mutex (calls run one at a time),
// commits synced by the GroupCommitLog and copied by the Checkpointer.
// PostgreSQL: a fixed pool of connections, so calls from different threads
// (and other instances on the same database) run side by side; a commit is
// durable when it returns (synchronous_commit). Internal to jobs/; every
// method is safe from any thread.
#pragma once

#include <Poco/Data/Session.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace jobs {

class Checkpointer;
class GroupCommitLog;
enum class Sync;

enum class Engine { SQLite, PostgreSQL };

// The few places where the engines' SQL differs; everything else is shared.
struct Dialect {
    Engine engine;
    // The column that orders rows inserted in the same microsecond.
    const char* insertionOrder;
    // Appended to a SELECT of the row a transaction is about to change: on
    // PostgreSQL two instances may read the same row at once, so the reader
    // locks it (SQLite's write transaction already excludes every other writer).
    const char* lockRow;
};

// A connection for the length of one call. Not copyable or movable: it is
// returned by value (guaranteed elision) and lives in the caller's scope.
class Lease {
public:
    Lease(Poco::Data::Session& session, std::unique_lock<std::mutex> lock, std::function<void()> release)
        : session_(session), lock_(std::move(lock)), release_(std::move(release)) {}
    ~Lease() {
        if (release_) release_();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Poco::Data::Session& operator*() const { return session_; }

private:
    Poco::Data::Session& session_;
    std::unique_lock<std::mutex> lock_;  // SQLite: the store's one connection
    std::function<void()> release_;      // PostgreSQL: back to the pool
};

class StoreBackend {
public:
    virtual ~StoreBackend() = default;
    // Waits for a free connection. PostgreSQL: a connection that broke (the
    // server restarted) is reconnected first; throws what Poco throws when it
    // cannot be (the callers run inside guarded()).
    virtual Lease lease() const = 0;
    // `committed`, made durable as `sync` asks (see Sync in job_store.h).
    virtual common::Status durable(common::Status committed, Sync sync) const = 0;
    virtual const Dialect& dialect() const = 0;
};

// The SQLite file at dbPath, already migrated, with its commit log and checkpointer.
std::unique_ptr<StoreBackend> sqliteBackend(std::unique_ptr<Poco::Data::Session> session,
                                            std::unique_ptr<GroupCommitLog> log,
                                            std::unique_ptr<Checkpointer> checkpointer);
// `connections` open sessions to one PostgreSQL database (at least one).
std::unique_ptr<StoreBackend> postgresBackend(std::vector<std::unique_ptr<Poco::Data::Session>> connections);

}  // namespace jobs
