#include "jobs/checkpointer.h"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <chrono>

namespace jobs {

using namespace Poco::Data::Keywords;

common::Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& dbPath, int intervalMs) {
    try {
        auto session = std::make_unique<Poco::Data::Session>("SQLite", dbPath);
        // NORMAL: the log is synced before it is copied and the database file after.
        *session << "PRAGMA synchronous = NORMAL", now;
        return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(session), intervalMs));
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("open job store checkpointer " + dbPath + ": " + e.displayText());
    }
}

Checkpointer::Checkpointer(std::unique_ptr<Poco::Data::Session> session, int intervalMs)
    : session_(std::move(session)), intervalMs_(intervalMs), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Checkpointer::run() {
    long long seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(intervalMs_), [this] { return stopping_; })) {
        const long long commits = commits_.load(std::memory_order_relaxed);
        if (commits == seen) continue;
        seen = commits;
        lock.unlock();
        try {
            int busy = 0, logPages = 0, copied = 0;
            *session_ << "PRAGMA wal_checkpoint(PASSIVE)", into(busy), into(logPages), into(copied), now;
        } catch (const Poco::Exception&) {
            // Another checkpoint is running, or the disk refused: the next round
            // tries again, and the writer's own threshold is the backstop.
        }
        lock.lock();
    }
}

}  // namespace jobs
