// StaticFiles: serves the browser interface (web.dir) at "/" — HTML, CSS,
// JavaScript modules and images, read from disk on each request (they are
// small, and an edit shows without a restart). Only plain file names under the
// folder are served: no "..", no hidden files, no symbolic link out of it, and
// only the file types in the table, each with its Content-Type. Every answer
// carries the Content-Security-Policy and the other security headers.
// Immutable after construction; thread-safe.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <optional>
#include <string>

namespace http {

class StaticFiles {
public:
    // root: the folder to serve; "" serves nothing.
    explicit StaticFiles(const std::string& root);

    // The file a URL path names, or nullopt when it names none that may be
    // served ("/" is /index.html). Never a path outside the root.
    std::optional<std::string> resolve(const std::string& urlPath) const;

    // Answers a GET or HEAD for urlPath: 200 with the file, 404 when there is
    // none, 405 for another method.
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               const std::string& urlPath, const std::string& requestId) const;

    bool enabled() const { return !root_.empty(); }

    // The Content-Security-Policy of the interface: scripts and styles from
    // this server only (no inline script), PDFs previewed from blob: URLs.
    static const char* const kContentSecurityPolicy;
    // Adds the security headers every page of the interface gets.
    static void addSecurityHeaders(Poco::Net::HTTPServerResponse& response);

private:
    std::string root_;  // real path, no trailing slash; "" when disabled
};

}  // namespace http
