#include "jobs/store_sql.h"

#include <Poco/String.h>

#include "ops/metrics.h"

namespace jobs {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

WriteTransaction::WriteTransaction(Session& s, Engine engine)
    : s_(s), engine_(engine), begun_(std::chrono::steady_clock::now()) {
    // Poco's PostgreSQL session keeps its own transaction flag, so it must
    // be told through begin()/commit()/rollback().
    if (engine_ == Engine::PostgreSQL)
        s_.begin();
    else
        s_ << "BEGIN IMMEDIATE", now;
}

WriteTransaction::~WriteTransaction() {
    if (committed_) return;
    try {
        if (engine_ == Engine::PostgreSQL)
            s_.rollback();
        else
            s_ << "ROLLBACK", now;
    } catch (...) {
        // The connection rolls back by itself on most errors; nothing more to do here.
    }
}

void WriteTransaction::commit() {
    if (engine_ == Engine::PostgreSQL)
        s_.commit();
    else
        s_ << "COMMIT", now;
    committed_ = true;
    static ops::Histogram& seconds = ops::serviceMetrics().storeCommitSeconds.labels({});
    seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - begun_).count());
}

std::string sql(Session& s, const std::string& text) {
    if (Poco::icompare(s.connector(), "postgresql") != 0) return text;
    std::string out;
    out.reserve(text.size() + 16);
    bool quoted = false;
    int n = 0;
    for (char c : text) {
        if (c == '\'') quoted = !quoted;
        if (c == '?' && !quoted)
            out += "$" + std::to_string(++n);
        else
            out += c;
    }
    return out;
}

Statement prepared(Session& s, const std::string& text, const std::vector<Param>& params) {
    Statement st(s);
    st << sql(s, text);
    for (const Param& p : params) std::visit([&st](const auto& value) { st, bind(value); }, p);
    return st;
}

bool jobExists(Session& s, const std::string& id) {
    int n = 0;
    s << sql(s, "SELECT COUNT(*) FROM jobs WHERE id = ?"), bind(id), into(n), now;
    return n > 0;
}

}  // namespace jobs

namespace jobs {

bool lockJob(Session& s, const Dialect& dialect, const std::string& id) {
    std::vector<std::string> found;
    s << sql(s, std::string("SELECT id FROM jobs WHERE id = ?") + dialect.lockRow), bind(id), into(found), now;
    return !found.empty();
}

}  // namespace jobs
