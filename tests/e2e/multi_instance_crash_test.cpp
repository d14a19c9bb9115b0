// Issue 20: three instances of the real server on one PostgreSQL database
// and one shared spool, behind no load balancer but clients that pick any
// instance. Instances are SIGKILLed at random and started again while 8
// clients submit 1,000 print jobs with idempotency keys; afterwards every
// acknowledged job is in the spool exactly once, whole, and the database
// holds exactly the acknowledged jobs, all spooled.
#include <catch2/catch.hpp>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Process.h>
#include <Poco/Thread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/ids.h"
#include "e2e_support.h"
#include "postgres_test_db.h"

using namespace e2e;

namespace {


// The tree's config/renkei.properties with its relative paths made absolute,
// without the keys this test sets, and then those keys.
std::string instanceConfig(const std::map<std::string, std::string>& set) {
    std::ifstream in(testing_support::sourcePath("config/renkei.properties"));
    const std::string folder = testing_support::sourcePath("config");
    std::string out, line;
    while (std::getline(in, line)) {
        const size_t eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        while (!key.empty() && key.back() == ' ') key.pop_back();
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (set.count(key)) continue;
        const bool isPath = key.size() > 4 && (key.compare(key.size() - 4, 4, "file") == 0 ||
                                               key.compare(key.size() - 3, 3, "dir") == 0);
        if (isPath && !value.empty() && value[0] != '/') value = folder + "/" + value;
        out += key + " = " + value + "\n";
    }
    for (const auto& [key, value] : set) out += key + " = " + value + "\n";
    return out;
}

}  // namespace

TEST_CASE("Issue 20: three instances on one database, SIGKILLed at random, spool every acknowledged job once",
          "[e2e][crash][postgresql]") {
    testing_support::TempDir dir;
    const std::string conninfo = testing_support::freshPostgresSchema();
    const std::string spoolDir = dir.file("spool");
    constexpr int kInstances = 3;
    std::vector<std::unique_ptr<ServerProcess>> servers;
    for (int i = 0; i < kInstances; ++i) {
        const int port = freePort();
        const std::string config = dir.file("instance" + std::to_string(i) + ".properties");
        testing_support::writeFile(config, instanceConfig({{"server.port", std::to_string(port)},
                                                           {"data.dir", dir.file("data" + std::to_string(i))},
                                                           {"jobs.store", "postgresql"},
                                                           {"jobs.postgresql", conninfo},
                                                           {"jobs.postgresqlPool", "4"},
                                                           {"jobs.claimSeconds", "3"},
                                                           {"spool.dir", spoolDir},
                                                           {"spool.shared", "true"},
                                                           {"dispatch.pollMs", "100"}}));
        servers.push_back(std::make_unique<ServerProcess>(port, [config](Poco::Pipe& output) {
            return Poco::Process::launch(RENKEI_BINARY, {"--config", config}, testing_support::sourcePath(""),
                                         nullptr, &output, &output);
        }));
    }
    // One after the other the first time: all three migrating at once is
    // the unit tests' case; here a slow start would only eat the timeout.
    for (auto& s : servers) REQUIRE(s->start(20000));

    constexpr int kJobs = 1000;
    constexpr int kClients = 8;
    std::mutex mutex;
    std::map<std::string, std::string> ackedByKey;  // idempotency key -> job id
    std::atomic<int> next{0};
    const std::string body = printJob("admission-info");
    std::vector<int> ports;
    for (auto& s : servers) ports.push_back(s->port());

    auto client = [&](int c) {
        std::mt19937 pick(1000 + c);
        for (int i = next++; i < kJobs; i = next++) {
            const std::string key = "multi-crash-" + std::to_string(i);
            // Any instance, as a load balancer would; on no answer another
            // one, with the same key, until acknowledged.
            const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(90);
            while (std::chrono::steady_clock::now() < giveUp) {
                const int port = ports[std::uniform_int_distribution<int>(0, kInstances - 1)(pick)];
                try {
                    Response r = request(port, "POST", "/api/v1/jobs", body, {{"Idempotency-Key", key}});
                    if (r.status == 201 || r.status == 200) {
                        std::lock_guard<std::mutex> lock(mutex);
                        auto [it, fresh] = ackedByKey.emplace(key, r.json()->getValue<std::string>("id"));
                        INFO("key " << key);
                        CHECK(it->second == r.json()->getValue<std::string>("id"));  // one job per key
                        (void)fresh;
                        break;
                    }
                    INFO(r.body);
                    REQUIRE(r.status == 503);
                } catch (const Poco::Exception&) {
                }
                Poco::Thread::sleep(10);
            }
        }
    };
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) clients.emplace_back(client, c);

    std::mt19937 random(20261203);
    int kills = 0;
    auto ackedCount = [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return ackedByKey.size();
    };
    while (next < kJobs) {
        // Some progress between kills, as in the single-instance crash test.
        const size_t before = ackedCount();
        for (int waited = 0; waited < 5000 && ackedCount() < before + 20 && next < kJobs; waited += 10)
            Poco::Thread::sleep(10);
        Poco::Thread::sleep(std::uniform_int_distribution<int>(50, 300)(random));
        ServerProcess& victim = *servers[std::uniform_int_distribution<int>(0, kInstances - 1)(random)];
        victim.kill(SIGKILL);
        ++kills;
        REQUIRE(victim.start(20000));
    }
    for (auto& t : clients) t.join();
    REQUIRE(ackedByKey.size() == static_cast<size_t>(kJobs));
    CHECK(kills >= 3);
    std::set<std::string> acked;
    for (const auto& [key, id] : ackedByKey) acked.insert(id);
    REQUIRE(acked.size() == static_cast<size_t>(kJobs));

    // A job the last victim claimed is taken over once its claim ends.
    const std::string spool = spoolDir + "/print/";
    for (int waited = 0; waited < 30000 && listFolder(spool + "new").size() < 2 * acked.size(); waited += 100)
        Poco::Thread::sleep(100);
    for (auto& s : servers) s->kill(SIGTERM);

    checkSpooledOnce(spool, acked);

    // The database: exactly the acknowledged jobs, each spooled once.
    Poco::Data::PostgreSQL::Connector::registerConnector();
    Poco::Data::Session db("PostgreSQL", conninfo);
    std::vector<std::string> ids, states;
    db << "SELECT id, state FROM jobs", Poco::Data::Keywords::into(ids), Poco::Data::Keywords::into(states),
        Poco::Data::Keywords::now;
    CHECK(std::set<std::string>(ids.begin(), ids.end()) == acked);
    CHECK(ids.size() == acked.size());
    std::map<std::string, int> byState;
    for (const auto& s : states) ++byState[s];
    CHECK(byState["spooled"] == kJobs);
    int spooledEvents = 0;
    db << "SELECT COUNT(*) FROM events WHERE kind = 'spooled'", Poco::Data::Keywords::into(spooledEvents),
        Poco::Data::Keywords::now;
    CHECK(spooledEvents == kJobs);
}
