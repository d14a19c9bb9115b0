#include "jobs/store_backend.h"

#include "jobs/checkpointer.h"
#include "jobs/group_commit_log.h"
#include "jobs/job_store.h"

namespace jobs {
namespace {

const Dialect kSqlite{Engine::SQLite, "rowid", ""};
const Dialect kPostgres{Engine::PostgreSQL, "seq", " FOR UPDATE"};

class SqliteBackend final : public StoreBackend {
public:
    SqliteBackend(std::unique_ptr<Poco::Data::Session> session, std::unique_ptr<GroupCommitLog> log,
                  std::unique_ptr<Checkpointer> checkpointer)
        : session_(std::move(session)), log_(std::move(log)), checkpointer_(std::move(checkpointer)) {}

    Lease lease() const override { return Lease(*session_, std::unique_lock<std::mutex>(mutex_), {}); }

    common::Status durable(common::Status committed, Sync sync) const override {
        if (!committed) return committed;
        checkpointer_->noteCommit();
        // The sync runs without mutex_, so other threads commit meanwhile and share it.
        return sync == Sync::Deferred ? committed : log_->sync();
    }

    const Dialect& dialect() const override { return kSqlite; }

private:
    mutable std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;  // guarded by mutex_
    std::unique_ptr<GroupCommitLog> log_;           // thread-safe on its own
    // Last, so it stops before the connection closes.
    std::unique_ptr<Checkpointer> checkpointer_;
};

class PostgresBackend final : public StoreBackend {
public:
    explicit PostgresBackend(std::vector<std::unique_ptr<Poco::Data::Session>> connections)
        : connections_(std::move(connections)) {
        for (size_t i = 0; i < connections_.size(); ++i) free_.push_back(i);
    }

    Lease lease() const override {
        size_t slot = 0;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            released_.wait(lock, [this] { return !free_.empty(); });
            slot = free_.back();
            free_.pop_back();
        }
        auto release = [this, slot] {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                free_.push_back(slot);
            }
            released_.notify_one();
        };
        Poco::Data::Session& s = *connections_[slot];
        try {
            // A connection whose server went away stays broken until reconnected.
            if (!s.isConnected()) s.reconnect();
        } catch (...) {
            release();
            throw;
        }
        return Lease(s, {}, release);
    }

    common::Status durable(common::Status committed, Sync) const override { return committed; }

    const Dialect& dialect() const override { return kPostgres; }

private:
    const std::vector<std::unique_ptr<Poco::Data::Session>> connections_;
    mutable std::mutex mutex_;
    mutable std::condition_variable released_;
    mutable std::vector<size_t> free_;  // guarded by mutex_: the slots no call holds
};

}  // namespace

std::unique_ptr<StoreBackend> sqliteBackend(std::unique_ptr<Poco::Data::Session> session,
                                            std::unique_ptr<GroupCommitLog> log,
                                            std::unique_ptr<Checkpointer> checkpointer) {
    return std::make_unique<SqliteBackend>(std::move(session), std::move(log), std::move(checkpointer));
}

std::unique_ptr<StoreBackend> postgresBackend(std::vector<std::unique_ptr<Poco::Data::Session>> connections) {
    return std::make_unique<PostgresBackend>(std::move(connections));
}

}  // namespace jobs
