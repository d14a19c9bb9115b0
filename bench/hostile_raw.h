// The raw-socket part of renkei-bench hostile (issue 22, item 5): requests
// an HTTP client library will not send: a Content-Length that lies, chunked
// bodies that stall or never end, Content-Length beside Transfer-Encoding
// (smuggling), NUL and bare LF in the request line and headers, a header
// stream that never ends. Each case runs on its own connection with a
// client-side timeout, so a server that never answers cannot hang the tool.
// Benchmark code only; safe to run cases from several threads at once.
#pragma once

#include <string>
#include <vector>

namespace bench {

// What became of one raw case.
struct RawOutcome {
    std::string kase;               // e.g. "cl_longer_stall"
    std::vector<int> statuses;      // each response's status, in order
    bool closedByServer = false;    // the server closed (or reset) the connection
    bool clientTimedOut = false;    // neither an answer nor a close within the client's timeout
    bool cutOff = true;             // trickle cases: the server ended the request before the client gave up
    double seconds = 0;             // from connect to the outcome
    std::string note;               // what went wrong for a finding, "" otherwise
};

struct RawOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string pathPrefix;           // the --url's path without its trailing '/'
    std::string token;                // "" = no Authorization header
    int stallTimeoutMs = 20000;       // how long a stalled request may wait for the server to end it
    int trickleMs = 30000;            // how long a never-ending chunked body goes on
    int trickleIntervalMs = 500;      // one chunk this often
};

// The names of the cases, in the order runRawCase takes them.
const std::vector<std::string>& rawCases();

// Runs case `index` (modulo the number of cases). Never throws; a network
// error is an outcome (closedByServer), a connect failure too (with a note).
RawOutcome runRawCase(std::size_t index, const RawOptions& options);

// Whether an outcome is a failure of the server: a 5xx other than 503, or no
// answer and no close within the client's timeout (a hang). A trickle case
// that was not cut off is not counted here; the caller decides (see
// --require-deadline).
bool rawFailed(const RawOutcome& outcome);

}  // namespace bench
