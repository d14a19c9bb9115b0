#include "hostile_raw.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <chrono>
#include <cstdio>
#include <functional>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// One case: what to send at first, what (if anything) to keep sending, and
// how many answers to wait for at most.
struct Case {
    const char* name;
    std::function<std::string(const RawOptions&)> first;
    enum class Then { Wait, Stall, Trickle, Stream } then = Then::Wait;
};

std::string authLine(const RawOptions& o) {
    return o.token.empty() ? std::string() : "Authorization: Bearer " + o.token + "\r\n";
}

std::string head(const RawOptions& o, const std::string& method, const std::string& path, const std::string& extra) {
    return method + " " + o.pathPrefix + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + authLine(o) +
           "Content-Type: application/json\r\n" + extra + "\r\n";
}

const std::string kJobStart = "{\"sheet\":\"admission-info\",\"fields\":{\"pt_name\":\"";

// The smuggled request asks for the audit trail (admins only) without a token.
const std::string kSmuggled = "GET /api/v1/audit?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

const std::vector<Case>& cases() {
    using T = Case::Then;
    static const std::vector<Case> kCases = {
        {"cl_longer_stall",
         [](const RawOptions& o) { return head(o, "POST", "/api/v1/jobs", "Content-Length: 100000\r\n") + kJobStart; },
         T::Stall},
        {"chunked_stall",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\n") + chunk(kJobStart) + chunk("雪原");
         },
         T::Stall},
        {"chunked_never_ends",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\n") + chunk(kJobStart);
         },
         T::Trickle},
        {"cl_te_smuggle",
         [](const RawOptions& o) {
             const std::string body = "0\r\n\r\n" + kSmuggled;
             return head(o, "POST", "/api/v1/jobs",
                         "Content-Length: " + std::to_string(body.size()) + "\r\nTransfer-Encoding: chunked\r\n") +
                    body;
         }},
        {"te_cl_smuggle",
         [](const RawOptions& o) {
             const std::string body = chunk("{}") + "0\r\n\r\n" + kSmuggled;
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n") + body;
         }},
        {"te_unknown_with_cl",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n") + "{}" +
                    kSmuggled;
         }},
        {"te_list_with_cl",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked, identity\r\nContent-Length: 5\r\n") +
                    "0\r\n\r\n" + kSmuggled;
         }},
        {"cl_twice",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Content-Length: 2\r\nContent-Length: 60\r\n") + "{}" + kSmuggled;
         }},
        {"cl_negative",
         [](const RawOptions& o) { return head(o, "POST", "/api/v1/jobs", "Content-Length: -1\r\n") + "{}"; }},
        {"cl_huge",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Content-Length: 99999999999999999999999\r\n") + "{}";
         }},
        {"cl_shorter",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Content-Length: 5\r\n") + "{\"a\":" + std::string(200, '[') +
                    "\r\n\r\n";
         }},
        {"chunk_size_junk",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n";
         }},
        {"chunk_size_huge",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\n") + "ffffffffffffffffff\r\n{}\r\n";
         },
         T::Stall},
        {"chunk_extension_flood",
         [](const RawOptions& o) {
             return head(o, "POST", "/api/v1/jobs", "Transfer-Encoding: chunked\r\n") + "2;" +
                    std::string(100000, 'x') + "\r\n{}\r\n0\r\n\r\n";
         }},
        {"nul_in_request_line",
         [](const RawOptions& o) {
             return std::string("GET ") + o.pathPrefix + "/api/v1/jobs" + std::string(1, '\0') +
                    "/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n" + authLine(o) + "\r\n";
         }},
        {"nul_in_header",
         [](const RawOptions& o) {
             return head(o, "GET", "/api/v1/jobs", std::string("X-Note: a") + '\0' + "b\r\n");
         }},
        {"bare_lf",
         [](const RawOptions& o) {
             return "GET " + o.pathPrefix + "/api/v1/jobs?limit=1 HTTP/1.1\nHost: 127.0.0.1\n" +
                    (o.token.empty() ? std::string() : "Authorization: Bearer " + o.token + "\n") + "\n";
         }},
        {"obs_fold",
         [](const RawOptions& o) {
             return head(o, "GET", "/api/v1/jobs", "X-Folded: a\r\n  b\r\n\tc\r\n");
         }},
        {"header_stream",
         [](const RawOptions& o) {
             return "GET " + o.pathPrefix + "/api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n";
         },
         T::Stream},
        {"request_line_huge",
         [](const RawOptions& o) { return "GET " + o.pathPrefix + "/" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n"; }},
        {"version_bad",
         [](const RawOptions& o) { return "GET " + o.pathPrefix + "/healthz HTTP/9.9\r\nHost: x\r\n\r\n"; }},
        {"method_huge",
         [](const RawOptions& o) { return std::string(100000, 'G') + " " + o.pathPrefix + "/healthz HTTP/1.1\r\n\r\n"; }},
        {"pipelined_50",
         [](const RawOptions& o) {
             std::string out;
             for (int i = 0; i < 50; ++i) out += "GET " + o.pathPrefix + "/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
             return out;
         }},
    };
    return kCases;
}

// Responses parsed off the bytes received so far: each status, and how many
// bytes of `in` were whole responses. Enough HTTP/1.1 for what the server sends:
// a Content-Length body, a chunked one, or none.
std::vector<int> parseResponses(const std::string& in) {
    std::vector<int> statuses;
    std::size_t at = 0;
    while (at < in.size()) {
        const std::size_t end = in.find("\r\n\r\n", at);
        if (end == std::string::npos || in.compare(at, 5, "HTTP/") != 0) break;
        const std::size_t space = in.find(' ', at);
        int status = 0;
        if (space == std::string::npos || !Poco::NumberParser::tryParse(in.substr(space + 1, 3), status)) break;
        std::string headers = Poco::toLower(in.substr(at, end - at));
        std::size_t next = end + 4;
        const std::size_t cl = headers.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
            Poco::UInt64 length = 0;
            const std::size_t from = cl + 17, to = headers.find("\r\n", from);
            if (!Poco::NumberParser::tryParseUnsigned64(Poco::trim(headers.substr(from, to - from)), length)) break;
            next += length;
        } else if (headers.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
            for (;;) {
                const std::size_t line = in.find("\r\n", next);
                if (line == std::string::npos) return statuses;
                unsigned size = 0;
                if (!Poco::NumberParser::tryParseHex(in.substr(next, line - next), size)) return statuses;
                next = line + 2 + size + 2;
                if (size == 0) break;
            }
        }
        if (next > in.size()) break;
        statuses.push_back(status);
        at = next;
    }
    return statuses;
}

}  // namespace

const std::vector<std::string>& rawCases() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Case& c : cases()) out.push_back(c.name);
        return out;
    }();
    return names;
}

bool rawFailed(const RawOutcome& o) {
    if (o.clientTimedOut) return true;
    for (int status : o.statuses)
        if (status >= 500 && status != 503) return true;
    return false;
}

RawOutcome runRawCase(std::size_t index, const RawOptions& options) {
    const Case& c = cases()[index % cases().size()];
    RawOutcome out;
    out.kase = c.name;
    const auto start = Clock::now();
    auto elapsedMs = [&] { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); };
    Poco::Net::StreamSocket socket;
    try {
        socket.connect(Poco::Net::SocketAddress(options.host, static_cast<Poco::UInt16>(options.port)),
                       Poco::Timespan(5, 0));
    } catch (const Poco::Exception& e) {
        out.closedByServer = true;
        out.note = "connect: " + e.displayText();
        return out;
    }
    constexpr int kPollMs = 100;
    socket.setReceiveTimeout(Poco::Timespan(kPollMs * 1000L));
    socket.setSendTimeout(Poco::Timespan(2, 0));
    std::string received;
    bool closed = false;
    // Reads what has arrived; false once the server has closed or reset.
    auto pump = [&] {
        char buffer[16384];
        try {
            const int n = socket.receiveBytes(buffer, sizeof buffer);
            if (n <= 0) return !(closed = true);
            received.append(buffer, static_cast<std::size_t>(n));
        } catch (const Poco::TimeoutException&) {
        } catch (const Poco::Exception&) {
            return !(closed = true);
        }
        return true;
    };
    // Sends all of data; false when the server has closed its end.
    auto send = [&](const std::string& data) {
        try {
            for (std::size_t at = 0; at < data.size();) {
                const int n = socket.sendBytes(data.data() + at, static_cast<int>(std::min<std::size_t>(data.size() - at, 65536)));
                if (n <= 0) return false;
                at += static_cast<std::size_t>(n);
            }
        } catch (const Poco::Exception&) {
            return false;
        }
        return true;
    };

    if (!send(c.first(options))) closed = true;
    const double waitMs = c.then == Case::Then::Trickle ? options.trickleMs : options.stallTimeoutMs;
    double lastSendMs = elapsedMs();
    std::size_t streamed = 0;
    while (!closed && elapsedMs() < waitMs) {
        const std::size_t before = parseResponses(received).size();
        if (!pump()) break;
        const std::vector<int> now = parseResponses(received);
        if (now.size() > before) {
            // An answer: a little longer for the close or the answers behind it.
            const double until = elapsedMs() + 500;
            while (!closed && elapsedMs() < until && pump()) {
            }
            break;
        }
        if (c.then == Case::Then::Trickle && elapsedMs() - lastSendMs >= options.trickleIntervalMs) {
            if (!send(chunk("a"))) closed = true;
            lastSendMs = elapsedMs();
        } else if (c.then == Case::Then::Stream && streamed < (4u << 20)) {
            std::string more;
            for (int i = 0; i < 100; ++i) more += "X-Flood-" + std::to_string(streamed + i) + ": " + std::string(90, 'f') + "\r\n";
            streamed += more.size();
            if (!send(more)) closed = true;
        }
    }
    out.statuses = parseResponses(received);
    out.closedByServer = closed;
    out.seconds = elapsedMs() / 1000;
    if (c.then == Case::Then::Trickle) {
        out.cutOff = closed || !out.statuses.empty();
        if (!out.cutOff)
            out.note = "the server was still reading the body after " + std::to_string(options.trickleMs / 1000) + " s";
    } else if (out.statuses.empty() && !closed) {
        out.clientTimedOut = true;
        out.note = "no answer and no close in " + std::to_string(options.stallTimeoutMs / 1000) + " s";
    }
    for (int status : out.statuses)
        if (status >= 500 && status != 503 && out.note.empty()) out.note = "answered " + std::to_string(status);
    return out;
}

}  // namespace bench
