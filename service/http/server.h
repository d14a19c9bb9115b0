// Server: wires the long-lived services (templates, fonts, job store, spool)
// to a Poco HTTPServer and owns them all. start() returns once the server
// accepts connections; stop() drains it. Used by main() and by the end-to-end
// tests, which start it in-process on port 0.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "config/settings.h"

namespace http {

class Server {
public:
    // Creates the data folder (0700), opens the job store, prepares the
    // spool, finishes jobs a previous run left unfinished, then listens.
    // Returns the first problem (bad template, unreadable font, port in use).
    static common::Result<std::unique_ptr<Server>> start(const config::Settings& settings);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const;
    // "127.0.0.1:8080"
    std::string address() const;
    // "http://127.0.0.1:8080" or "https://…"
    std::string url() const;
    void stop();
    // Reads the partner directory again (SIGHUP). Bad lines are logged and
    // left out; a missing file keeps the old directory and returns the error.
    common::Status reloadPartners();

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace http
