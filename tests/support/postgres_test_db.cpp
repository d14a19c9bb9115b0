#include "postgres_test_db.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

namespace testing_support {

bool storeOnPostgres() {
    const char* file = std::getenv("RENKEI_TEST_POSTGRES");
    return file && *file;
}

std::string postgresConninfo() {
    const char* file = std::getenv("RENKEI_TEST_POSTGRES");
    if (!file || !*file) throw std::runtime_error("RENKEI_TEST_POSTGRES is not set: run the test through ctest");
    std::ifstream in(file);
    std::string conninfo;
    if (!in || !std::getline(in, conninfo) || conninfo.empty())
        throw std::runtime_error(std::string("no private PostgreSQL server: ") + file +
                                 " is missing (did the postgres_start fixture fail?)");
    return conninfo;
}

std::string freshPostgresSchema() {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
    static std::atomic<int> counter{0};
    const std::string base = postgresConninfo();
    const std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                               std::to_string(std::rand() % 100000);
    Poco::Data::Session s("PostgreSQL", base);
    s << "CREATE SCHEMA " + schema, Poco::Data::Keywords::now;
    // No spaces: Poco splits the connection string at them.
    return base + " options=-csearch_path=" + schema;
}

}  // namespace testing_support
