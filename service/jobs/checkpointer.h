// Checkpointer: copies the job store's write-ahead log into the database file
// from a thread and an SQLite connection of its own, so that no commit does it
// while holding the store's lock. SQLite would otherwise checkpoint inside the
// commit that crosses its threshold, and every other writer would wait for the
// copy and its syncs (a few MB every few dozen jobs).
// A passive checkpoint never blocks writers and is skipped while another runs;
// the writer keeps a much larger threshold of its own (kBackstopPages) in case
// this thread falls behind.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace Poco::Data {
class Session;
}

namespace jobs {

class Checkpointer {
public:
    // The writer connection's own threshold, in pages (PRAGMA wal_autocheckpoint).
    static constexpr int kBackstopPages = 10000;

    // Opens a connection to dbPath (an existing WAL database) and starts the
    // thread, which checkpoints every intervalMs when commits were noted.
    static common::Result<std::unique_ptr<Checkpointer>> start(const std::string& dbPath, int intervalMs);
    // Stops the thread (after a checkpoint in progress ends) and closes the connection.
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Tells the thread the log has grown. Cheap: one atomic increment.
    void noteCommit() { commits_.fetch_add(1, std::memory_order_relaxed); }

private:
    Checkpointer(std::unique_ptr<Poco::Data::Session> session, int intervalMs);
    void run();

    std::unique_ptr<Poco::Data::Session> session_;  // used by the thread only
    const int intervalMs_;
    std::atomic<long long> commits_{0};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: started when everything above is ready
};

}  // namespace jobs
