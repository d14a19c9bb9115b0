// Server: serves a built application (app/application.h) over HTTP or HTTPS:
// a Poco HTTPServer with the routes, authentication, the audit of every API
// access, and the limits on what a request may be. It runs the
// application's dispatcher while it serves. start() returns once the server
// accepts connections; stop() drains it. Used by main() and by the
// end-to-end tests, which start it in-process on port 0.
#pragma once

#include <memory>
#include <string>

#include "app/application.h"
#include "common/status.h"

namespace http {

class Server {
public:
    // Reads the tokens file, refuses an unsafe address (plain HTTP or an open
    // API off loopback), listens, and starts the application's dispatcher.
    // The application must outlive the server. Returns the first problem
    // (an unreadable tokens file, a refused address, the port in use).
    static common::Result<std::unique_ptr<Server>> start(app::Application& app);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const;
    // "127.0.0.1:8080"
    std::string address() const;
    // "http://127.0.0.1:8080" or "https://…"
    std::string url() const;
    // Stops accepting, finishes the requests in progress, stops the
    // dispatcher and writes the last audit rows. Safe to call twice.
    void stop();

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace http
