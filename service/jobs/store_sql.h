// SQL plumbing the parts of the job store share (job_store.cpp, job_rows.cpp,
// store_schema.cpp, job_store_audit.cpp): a write transaction, turning what
// Poco throws into a Status, and statements whose values are bound at run
// time. Internal to jobs/; the callers hold the store's lock.
#pragma once

#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "jobs/store_backend.h"

namespace jobs {

// SQLite: BEGIN IMMEDIATE takes the write lock up front: a deferred
// transaction that reads first and writes later can fail with SQLITE_BUSY
// halfway through. PostgreSQL: a plain BEGIN (READ COMMITTED); rows it is
// about to change are read with the dialect's lockRow.
// Rolls back unless commit() succeeded.
class WriteTransaction {
public:
    WriteTransaction(Poco::Data::Session& s, Engine engine);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    void commit();

private:
    Poco::Data::Session& s_;
    const Engine engine_;
    bool committed_ = false;
    const std::chrono::steady_clock::time_point begun_;  // for the commit metric
};

// Runs body and turns whatever Poco or the standard library throws into a
// Status with context, so no exception leaves the store.
template <typename F>
auto guarded(const std::string& context, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Poco::Data::SQLite::DBLockedException& e) {
        return common::Status::unavailable(context + ": database is busy: " + e.displayText());
    } catch (const Poco::Data::SQLite::TableLockedException& e) {
        return common::Status::unavailable(context + ": database is busy: " + e.displayText());
    } catch (const Poco::Data::SQLite::DatabaseFullException& e) {
        // SQLITE_FULL (ENOSPC or a quota while writing the log or the file):
        // the transaction is rolled back, and the same call succeeds once there is space.
        return common::Status::storageFull(context + ": " + e.displayText());
    } catch (const Poco::Data::PostgreSQL::ConnectionException& e) {
        // The server is down, restarting or failing over: worth asking again later.
        return common::Status::unavailable(context + ": database is unreachable: " + e.displayText());
    } catch (const Poco::Data::ConnectionFailedException& e) {
        return common::Status::unavailable(context + ": database is unreachable: " + e.displayText());
    } catch (const Poco::Exception& e) {
        return common::Status::ioError(context + ": " + e.displayText());
    } catch (const std::exception& e) {
        return common::Status::internal(context + ": " + e.what());
    }
}

using Param = std::variant<std::string, Poco::Int64>;

// The statement text for this session's engine: SQLite takes ? for each
// value; Poco passes the text to PostgreSQL as it is, which wants $1, $2, ...
// The store's statements are written with ?, and go through this (or
// prepared()) when they have any. A ? inside a quoted literal stays.
std::string sql(Poco::Data::Session& s, const std::string& text);

// Runs a statement whose values are only known at run time (filters, optional
// changes). bind() copies each value into the statement.
Poco::Data::Statement prepared(Poco::Data::Session& s, const std::string& sql, const std::vector<Param>& params);

// True when a job with this id is stored.
bool jobExists(Poco::Data::Session& s, const std::string& id);
// jobExists() inside a write transaction that is about to change the job:
// on PostgreSQL it also locks the row until the transaction ends, so two
// instances changing one job take turns.
bool lockJob(Poco::Data::Session& s, const Dialect& dialect, const std::string& id);

}  // namespace jobs
