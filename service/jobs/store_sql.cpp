#include "jobs/store_sql.h"

#include "ops/metrics.h"

namespace jobs {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

WriteTransaction::WriteTransaction(Session& s) : s_(s), begun_(std::chrono::steady_clock::now()) {
    s_ << "BEGIN IMMEDIATE", now;
}

WriteTransaction::~WriteTransaction() {
    if (committed_) return;
    try {
        s_ << "ROLLBACK", now;
    } catch (...) {
        // The connection rolls back by itself on most errors; nothing more to do here.
    }
}

void WriteTransaction::commit() {
    s_ << "COMMIT", now;
    committed_ = true;
    static ops::Histogram& seconds = ops::serviceMetrics().storeCommitSeconds.labels({});
    seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - begun_).count());
}

Statement prepared(Session& s, const std::string& sql, const std::vector<Param>& params) {
    Statement st(s);
    st << sql;
    for (const Param& p : params) std::visit([&st](const auto& value) { st, bind(value); }, p);
    return st;
}

bool jobExists(Session& s, const std::string& id) {
    int n = 0;
    s << "SELECT COUNT(*) FROM jobs WHERE id = ?", bind(id), into(n), now;
    return n > 0;
}

}  // namespace jobs
