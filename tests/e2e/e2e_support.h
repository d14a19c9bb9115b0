// End-to-end test support: a real server started in-process on a free port
// with a temporary data folder, a small HTTP client, and the sample payloads.
#pragma once

#include <thread>

#include <functional>

#include <Poco/JSON/Object.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/application.h"
#include "common/status.h"
#include "config/settings.h"
#include "http/server.h"
#include "test_support.h"

namespace e2e {

struct Response {
    int status = 0;
    std::string contentType;
    std::string body;
    std::map<std::string, std::string> headers;
    Poco::JSON::Object::Ptr json() const;  // throws when the body is not a JSON object
};

// Sends one request to 127.0.0.1:port.
Response request(int port, const std::string& method, const std::string& path, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {},
                 const std::string& contentType = "application/json");

// A TCP port on 127.0.0.1 that was free when asked.
int freePort();

// Settings for a server run from the source tree: port 0 (any free one),
// dataDir, and the tree's templates/, web/ and config/partners.csv (the
// embedded defaults are the Debian package's paths).
config::Settings sourceTreeSettings(const std::string& dataDir);

// Starts the built renkei binary with the tree's config/renkei.properties on
// port with dataDir, its log (stdout and stderr) going to output. The caller
// reads output and ends the process.
Poco::ProcessHandle launchBinary(int port, const std::string& dataDir, Poco::Pipe& output);

// The built renkei binary as a child process that a test kills and starts
// again (the crash tests); killed when the object dies. Its log is read and
// dropped, so it never blocks on a full pipe.
class ServerProcess {
public:
    // launch starts the binary (e.g. launchBinary) with its log going to the pipe.
    ServerProcess(int port, std::function<Poco::ProcessHandle(Poco::Pipe&)> launch);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Launches it and waits until it answers /healthz: false when it does not
    // within timeoutMs (it is left running; kill() ends it).
    bool start(int timeoutMs = 5000);
    // Sends signal and waits for the process to end. Nothing when not running.
    void kill(int signal);
    bool running() const { return handle_ != nullptr; }
    int port() const { return port_; }

private:
    const int port_;
    std::function<Poco::ProcessHandle(Poco::Pipe&)> launch_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
    std::thread drain_;
};

// Polls GET /healthz until it answers 200; false after about timeoutMs.
bool waitUntilHealthy(int port, int timeoutMs = 10000);

// The application built from settings and the server serving it, as main()
// starts them; the status of whichever failed first.
struct Started {
    std::unique_ptr<app::Application> app;
    std::unique_ptr<http::Server> server;
};
common::Result<Started> startServer(const config::Settings& settings);

// The server, running until the object dies (scope guard).
class TestServer {
public:
    TestServer();
    explicit TestServer(const std::function<void(config::Settings&)>& adjust);
    ~TestServer();
    int port() const { return server_->port(); }
    const std::string& dataDir() const { return settings_.dataDir; }
    Response get(const std::string& path) const { return request(port(), "GET", path); }
    Response post(const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) const {
        return request(port(), "POST", path, body, headers);
    }

private:
    testing_support::TempDir dir_;
    config::Settings settings_;
    std::unique_ptr<app::Application> app_;  // outlives the server
    std::unique_ptr<http::Server> server_;
};

// A self-signed certificate for localhost, as dir/cert.pem and dir/key.pem (for TLS tests).
void writeSelfSignedCertificate(const testing_support::TempDir& dir);

// bytes in Base64 on one line, as the API takes attachments.
std::string base64(const std::string& bytes);

// templates/<sheet>/sample.json as text.
std::string sample(const std::string& sheet);
// A print job request for the sheet's sample, with `fields` replaced if given.
std::string printJob(const std::string& sheet, const std::string& fieldsJson = "");

// /metrics: the value of one sample line (name and labels exactly as
// exposed), or -1; and a check that promtool (Debian's prometheus package)
// accepts a scrape without remarks (fails, never skips, without promtool).
double sampleValue(const std::string& text, const std::string& series);
void promtoolAccepts(const std::string& scrape, const testing_support::TempDir& dir);

// The names in a folder (none when it does not exist).
std::vector<std::string> listFolder(const std::string& dir);
// The crash tests' check of a spool channel folder (e.g. <spool>/print/):
// every acknowledged job is in new/ exactly once, as its PDF and its control
// file, whole (the PDF's SHA-256 is the control file's), nothing else is
// there, and tmp/ is empty.
void checkSpooledOnce(const std::string& channelDir, const std::set<std::string>& acked);

}  // namespace e2e
