#include "http/static_files.h"

#include <Poco/FileStream.h>
#include <Poco/Logger.h>
#include <Poco/StreamCopier.h>

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "http/problem.h"

namespace http {
namespace {

struct FileType {
    const char* extension;
    const char* contentType;
};

// Only these are served; anything else in the folder (a README, a backup~) is not.
const FileType kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".json", "application/json; charset=utf-8"},
};

// The interface is a few hundred KiB in all; a bigger file is a mistake.
constexpr long long kMaxFileBytes = 4 << 20;

const char* contentTypeOf(const std::string& path) {
    for (const auto& t : kTypes) {
        const std::string ext = t.extension;
        if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
            return t.contentType;
    }
    return nullptr;
}

// A path segment we serve: letters, digits, "-", "_" and dots, not starting
// with a dot (no "..", no hidden files).
bool plainSegment(const std::string& s) {
    if (s.empty() || s.size() > 100 || s[0] == '.') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    return true;
}

std::string realPath(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return "";
    return buf;
}

}  // namespace

const char* const StaticFiles::kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

void StaticFiles::addSecurityHeaders(Poco::Net::HTTPServerResponse& response) {
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    response.set("Cross-Origin-Opener-Policy", "same-origin");
    response.set("Cross-Origin-Resource-Policy", "same-origin");
    response.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
}

StaticFiles::StaticFiles(const std::string& root) {
    if (root.empty()) return;
    root_ = realPath(root);
    if (root_.empty())
        Poco::Logger::get("renkei.http").warning("web.dir %s not found: the browser interface is not served", root);
}

std::optional<std::string> StaticFiles::resolve(const std::string& urlPath) const {
    if (root_.empty() || urlPath.empty() || urlPath[0] != '/') return std::nullopt;
    std::string relative = urlPath == "/" ? "/index.html" : urlPath;
    // Segment by segment: an encoded "%2e%2e" arrives here decoded and is refused like "..".
    size_t start = 1;
    while (start <= relative.size()) {
        size_t end = relative.find('/', start);
        if (end == std::string::npos) end = relative.size();
        if (!plainSegment(relative.substr(start, end - start))) return std::nullopt;
        start = end + 1;
    }
    if (!contentTypeOf(relative)) return std::nullopt;
    // A symbolic link may point anywhere: serve only what really lies under the root.
    const std::string real = realPath(root_ + relative);
    if (real.size() <= root_.size() || real.compare(0, root_.size() + 1, root_ + "/") != 0) return std::nullopt;
    struct stat st {};
    if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileBytes) return std::nullopt;
    return real;
}

void StaticFiles::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                        const std::string& urlPath, const std::string& requestId) const {
    addSecurityHeaders(response);
    const std::string method = request.getMethod();
    if (method != "GET" && method != "HEAD") {
        response.set("Allow", "GET, HEAD");
        return sendProblem(response, 405, "method_not_allowed", "", requestId);
    }
    auto file = resolve(urlPath);
    if (!file) return sendProblem(response, 404, "not_found", "", requestId);
    std::string bytes;
    try {
        Poco::FileInputStream in(*file);
        Poco::StreamCopier::copyToString(in, bytes);
    } catch (const Poco::Exception& e) {
        Poco::Logger::get("renkei.http").error("request %s: cannot read %s: %s", requestId, *file, e.displayText());
        return sendProblem(response, 404, "not_found", "", requestId);
    }
    // The files change only with a new build; the browser asks again each
    // time (cheap on an intranet) so an update is never half-applied.
    response.set("Cache-Control", "no-cache");
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType(contentTypeOf(*file));
    response.setContentLength(static_cast<std::streamsize>(bytes.size()));
    if (method == "HEAD") {
        response.send();
        return;
    }
    response.send().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace http
