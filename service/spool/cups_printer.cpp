#include "spool/cups_printer.h"

#include <cups/cups.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

namespace spool {

using common::Result;
using common::Status;

namespace {

constexpr int kDefaultIppPort = 631;
constexpr std::size_t kMaxTitleLength = 64;  // cups-pdf and banner pages cut longer names

struct HttpCloser {
    void operator()(http_t* http) const { httpClose(http); }
};
using HttpConnection = std::unique_ptr<http_t, HttpCloser>;

struct IppDeleter {
    void operator()(ipp_t* ipp) const { ippDelete(ipp); }
};
using IppMessage = std::unique_ptr<ipp_t, IppDeleter>;

struct Endpoint {
    std::string host;  // a name, an address or a domain socket path
    int port = 0;
};

// An IPv6 address has colons of its own, so "host:port" only splits when the
// host is bracketed or has no other colon.
Result<Endpoint> endpointFor(const std::string& server) {
    // Read on the calling thread: libcups keeps these defaults per thread.
    if (server.empty()) return Endpoint{cupsServer(), ippPort()};
    if (server[0] == '/') return Endpoint{server, 0};
    std::string host = server;
    std::string port;
    if (server[0] == '[') {
        auto close = server.find(']');
        if (close == std::string::npos) return Status::invalidArgument("bad CUPS server address " + server);
        host = server.substr(1, close - 1);
        if (close + 1 < server.size()) {
            if (server[close + 1] != ':') return Status::invalidArgument("bad CUPS server address " + server);
            port = server.substr(close + 2);
        }
    } else if (auto colon = server.find(':'); colon != std::string::npos && server.rfind(':') == colon) {
        host = server.substr(0, colon);
        port = server.substr(colon + 1);
    }
    if (port.empty()) return Endpoint{host, kDefaultIppPort};
    char* end = nullptr;
    long number = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || number < 1 || number > 65535)
        return Status::invalidArgument("bad port in CUPS server address " + server);
    return Endpoint{host, static_cast<int>(number)};
}

// The title goes into CUPS's job history and logs, which outlive our data
// retention rules, and cups-pdf turns it into a file name: keep it a plain id.
bool isSafeTitle(const std::string& title) {
    if (title.empty() || title.size() > kMaxTitleLength) return false;
    for (char c : title) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// cupsd refusing for a while (stopped scheduler, queue rejecting jobs, busy)
// is worth a retry; anything else needs a person.
bool isTemporary(ipp_status_t code) {
    switch (code) {
        case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE:
        case IPP_STATUS_ERROR_TEMPORARY:
        case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
        case IPP_STATUS_ERROR_BUSY:
            return true;
        default:
            return false;
    }
}

// Must run on the thread that made the failed call: cupsLastError() is per thread.
Status lastCupsError(const std::string& context) {
    ipp_status_t code = cupsLastError();
    const char* text = cupsLastErrorString();
    std::string message = context + ": " + (text && *text ? text : "no error text") + " (" + ippErrorString(code) + ")";
    if (isTemporary(code)) return Status::unavailable(message);
    return Status::ioError(message);
}

CupsJobPhase phaseFor(ipp_jstate_t state) {
    switch (state) {
        case IPP_JSTATE_PENDING:
        case IPP_JSTATE_HELD:
            return CupsJobPhase::Pending;
        case IPP_JSTATE_PROCESSING:
            return CupsJobPhase::Processing;
        case IPP_JSTATE_STOPPED:
            return CupsJobPhase::Stopped;
        case IPP_JSTATE_CANCELED:
            return CupsJobPhase::Cancelled;
        case IPP_JSTATE_ABORTED:
            return CupsJobPhase::Aborted;
        case IPP_JSTATE_COMPLETED:
            return CupsJobPhase::Completed;
    }
    throw std::logic_error("unknown IPP job-state " + std::to_string(static_cast<int>(state)));
}

// The keywords of a *-state-reasons attribute, comma-separated, without "none".
std::string keywordsOf(ipp_t* response, const char* attribute) {
    std::string keywords;
    ipp_attribute_t* reasons = ippFindAttribute(response, attribute, IPP_TAG_KEYWORD);
    for (int i = 0; reasons && i < ippGetCount(reasons); ++i) {
        const char* keyword = ippGetString(reasons, i, nullptr);
        if (!keyword || !std::strcmp(keyword, "none")) continue;
        if (!keywords.empty()) keywords += ", ";
        keywords += keyword;
    }
    return keywords;
}

std::string reasonFrom(ipp_t* response) {
    std::string reason;
    if (ipp_attribute_t* message = ippFindAttribute(response, "job-printer-state-message", IPP_TAG_TEXT)) {
        const char* text = ippGetString(message, 0, nullptr);
        if (text && *text) reason = text;
    }
    std::string keywords = keywordsOf(response, "job-state-reasons");
    if (reason.empty()) return keywords;
    if (keywords.empty()) return reason;
    return reason + " (" + keywords + ")";
}

// "/printers/name" from "ipp://localhost/printers/name": the HTTP resource
// the request is posted to, which cupsd matches against its <Location>s.
std::string resourceOf(const char* uri) {
    char scheme[32], user[256], host[256], resource[HTTP_MAX_URI];
    int port = 0;
    if (httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof scheme, user, sizeof user, host, sizeof host, &port,
                        resource, sizeof resource) < HTTP_URI_STATUS_OK)
        return "/";
    return resource;
}

// An IPP request for some attributes of the printer or job named by the URI
// operation attribute `uriName` ("printer-uri", "job-uri").
template <size_t N>
ipp_t* attributesRequest(ipp_op_t op, const char* uriName, const char* uri, const char* const (&attributes)[N]) {
    ipp_t* request = ippNewRequest(op);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, uriName, nullptr, uri);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", static_cast<int>(N), nullptr,
                  attributes);
    return request;
}

// "queue renkei-test is stopped: Paused (paused)" when the printer at
// printerUri is stopped, else "". Best effort: the job's own state is already
// known, so a failed lookup only leaves the reason shorter.
std::string stoppedQueueReason(http_t* http, const char* printerUri) {
    if (!printerUri) return "";
    static const char* const kAttributes[] = {"printer-name", "printer-state", "printer-state-message",
                                              "printer-state-reasons"};
    ipp_t* request = attributesRequest(IPP_OP_GET_PRINTER_ATTRIBUTES, "printer-uri", printerUri, kAttributes);
    IppMessage response(cupsDoRequest(http, request, "/"));
    if (!response || cupsLastError() >= IPP_STATUS_ERROR_BAD_REQUEST) return "";
    ipp_attribute_t* state = ippFindAttribute(response.get(), "printer-state", IPP_TAG_ENUM);
    if (!state || ippGetInteger(state, 0) != IPP_PSTATE_STOPPED) return "";

    ipp_attribute_t* name = ippFindAttribute(response.get(), "printer-name", IPP_TAG_NAME);
    std::string reason = std::string("queue ") + (name ? ippGetString(name, 0, nullptr) : printerUri) + " is stopped";
    ipp_attribute_t* message = ippFindAttribute(response.get(), "printer-state-message", IPP_TAG_TEXT);
    const char* text = message ? ippGetString(message, 0, nullptr) : nullptr;
    if (text && *text) reason += std::string(": ") + text;
    std::string keywords = keywordsOf(response.get(), "printer-state-reasons");
    return keywords.empty() ? reason : reason + " (" + keywords + ")";
}

Result<HttpConnection> connectTo(const std::string& server, const std::string& queue, int timeoutMs) {
    auto endpoint = endpointFor(server);
    if (!endpoint) return endpoint.status();
    errno = 0;
    HttpConnection http(httpConnect2(endpoint->host.c_str(), endpoint->port, nullptr, AF_UNSPEC, cupsEncryption(),
                                     1, timeoutMs, nullptr));
    if (!http) {
        int error = errno;
        std::string where = endpoint->host + (endpoint->port > 0 && endpoint->host[0] != '/'
                                                  ? ":" + std::to_string(endpoint->port)
                                                  : std::string());
        return Status::unavailable("cannot reach CUPS at " + where + " for queue " + queue + ": " +
                                   (error ? std::strerror(error) : cupsLastErrorString()));
    }
    // Without this a cupsd that accepts but never answers would hang the caller.
    httpSetTimeout(http.get(), timeoutMs / 1000.0, nullptr, nullptr);
    return http;
}

}  // namespace

std::string cupsJobPhaseName(CupsJobPhase phase) {
    switch (phase) {
        case CupsJobPhase::Pending: return "pending";
        case CupsJobPhase::Processing: return "processing";
        case CupsJobPhase::Completed: return "completed";
        case CupsJobPhase::Stopped: return "stopped";
        case CupsJobPhase::Cancelled: return "cancelled";
        case CupsJobPhase::Aborted: return "aborted";
    }
    throw std::logic_error("unknown CupsJobPhase");
}

bool CupsJobState::isFinal() const {
    return phase == CupsJobPhase::Completed || phase == CupsJobPhase::Cancelled || phase == CupsJobPhase::Aborted;
}

CupsPrinter::CupsPrinter(std::string queue, std::string server, int timeoutMs)
    : queue_(std::move(queue)), server_(std::move(server)), timeoutMs_(timeoutMs) {}

std::string CupsPrinter::serverName() const { return server_.empty() ? "(default)" : server_; }

Result<int> CupsPrinter::submit(const std::string& pdfPath, const std::string& title) const {
    if (!isSafeTitle(title))
        return Status::invalidArgument("print job title must be 1 to 64 of [A-Za-z0-9._-] (pass the job id)");
    if (::access(pdfPath.c_str(), R_OK) != 0) {
        int error = errno;
        return Status::ioError("cannot read " + pdfPath + " to print on CUPS queue " + queue_ + ": " +
                               std::strerror(error));
    }
    auto http = connectTo(server_, queue_, timeoutMs_);
    if (!http) return http.status();

    // One Print-Job request rather than cupsPrintFile2: that looks the queue
    // up client-side first (cupsGetNamedDest) and reports a missing one as
    // "No such file or directory" (server-error-internal-error), which reads
    // like a missing PDF; here cupsd itself answers client-error-not-found.
    // cupsd creates the job only once the whole file has arrived, so a failed
    // upload leaves no job behind.
    char printerUri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, printerUri, sizeof printerUri, "ipp", nullptr, "localhost", 0,
                     "/printers/%s", queue_.c_str());
    ipp_t* request = ippNewRequest(IPP_OP_PRINT_JOB);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printerUri);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, title.c_str());
    // Said explicitly so CUPS never guesses the type from the bytes; the
    // queue's filters then turn the PDF into what the printer speaks.
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, CUPS_FORMAT_PDF);

    // cupsDoFileRequest frees the request whatever happens.
    IppMessage response(cupsDoFileRequest(http->get(), request, resourceOf(printerUri).c_str(), pdfPath.c_str()));
    std::string context = "CUPS queue " + queue_ + " at " + serverName() + " did not take " + pdfPath;
    if (!response || cupsLastError() >= IPP_STATUS_ERROR_BAD_REQUEST) return lastCupsError(context);
    ipp_attribute_t* jobId = ippFindAttribute(response.get(), "job-id", IPP_TAG_INTEGER);
    if (!jobId || ippGetInteger(jobId, 0) <= 0) return Status::ioError(context + ": cupsd's answer has no job-id");
    return ippGetInteger(jobId, 0);
}

Result<CupsJobState> CupsPrinter::state(int cupsJobId) const {
    if (cupsJobId <= 0) return Status::invalidArgument("CUPS job ids start at 1, got " + std::to_string(cupsJobId));
    auto http = connectTo(server_, queue_, timeoutMs_);
    if (!http) return http.status();

    char jobUri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, jobUri, sizeof jobUri, "ipp", nullptr, "localhost", 0, "/jobs/%d",
                     cupsJobId);
    static const char* const kAttributes[] = {"job-state", "job-state-reasons", "job-printer-state-message",
                                              "job-printer-uri"};
    ipp_t* request = attributesRequest(IPP_OP_GET_JOB_ATTRIBUTES, "job-uri", jobUri, kAttributes);

    IppMessage response(cupsDoRequest(http->get(), request, "/"));
    std::string context = "CUPS job " + std::to_string(cupsJobId) + " (queue " + queue_ + " at " + serverName() + ")";
    if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND) return Status::notFound(context + " is unknown to cupsd");
    if (!response || cupsLastError() >= IPP_STATUS_ERROR_BAD_REQUEST) return lastCupsError(context);

    ipp_attribute_t* state = ippFindAttribute(response.get(), "job-state", IPP_TAG_ENUM);
    if (!state) return Status::ioError(context + ": cupsd's answer has no job-state");
    int value = ippGetInteger(state, 0);
    if (value < IPP_JSTATE_PENDING || value > IPP_JSTATE_COMPLETED)
        return Status::ioError(context + ": cupsd reports unknown job-state " + std::to_string(value));
    CupsJobState result{phaseFor(static_cast<ipp_jstate_t>(value)), reasonFrom(response.get())};

    // CUPS says only "none" for a job waiting behind a paused queue, the
    // commonest reason a print never comes out; name it for the operator.
    if (result.phase == CupsJobPhase::Pending) {
        ipp_attribute_t* printer = ippFindAttribute(response.get(), "job-printer-uri", IPP_TAG_URI);
        if (printer) {
            std::string stopped = stoppedQueueReason(http->get(), ippGetString(printer, 0, nullptr));
            if (!stopped.empty()) result.reason = result.reason.empty() ? stopped : stopped + "; " + result.reason;
        }
    }
    return result;
}

Status CupsPrinter::checkQueue() const {
    auto http = connectTo(server_, queue_, timeoutMs_);
    if (!http) return http.status();
    char printerUri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, printerUri, sizeof printerUri, "ipp", nullptr, "localhost", 0,
                     "/printers/%s", queue_.c_str());
    static const char* const kAttributes[] = {"printer-name", "printer-state"};
    ipp_t* request = attributesRequest(IPP_OP_GET_PRINTER_ATTRIBUTES, "printer-uri", printerUri, kAttributes);
    IppMessage response(cupsDoRequest(http->get(), request, "/"));
    std::string context = "CUPS queue " + queue_ + " at " + serverName();
    if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND) return Status::notFound(context + " does not exist");
    if (!response || cupsLastError() >= IPP_STATUS_ERROR_BAD_REQUEST) return lastCupsError(context);
    return Status::ok();
}

}  // namespace spool
