// The modes of renkei-bench, each run from main() with the options
// after the mode name. Each prints a human-readable table and then, as its
// last line, one JSON object; returns the process exit code (0 success, 1 a
// failure, 2 a usage error). Benchmark code only.
#pragma once

#include <Poco/URI.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"

namespace bench {

// render --sheet ID --format pdf|xlsx --n N [--warmup W] [--threads T]
//        [--config FILE] [--templates DIR] [--tmp DIR] [--save FILE] PAYLOADS.jsonl
int runRender(const Options& options);

// http --url URL --connections C --seconds S [--max-jobs J] [--sheet ID]
//      [--server-pid PID] [--timeout-ms MS] [--token T] PAYLOADS.jsonl
// (or the token in RENKEI_TOKEN)
int runHttp(const Options& options);

// layout-sweep [--sheet ID] [--max-pages N] [--n N] [--warmup W]
//              [--format pdf|xlsx] [--target-pct P] [--keep-optional-pages]
//              [--config FILE] [--templates DIR]
// The sheet (discharge-liaison) with growing free text, from its fewest pages
// (optional pages left out unless --keep-optional-pages) to N: CPU ms per page
// for each page count, its deviation from the median over all counts (the
// target: every count within ±P %) and the spread (max/min - 1). Exit code 0
// also when the target is missed (the JSON line says target_met).
int runLayoutSweep(const Options& options);

// hostile --url URL [--passes P] [--connections C] [--requests N] [--seed S]
//         [--server-pid PID] [--sheet ID] [--templates DIR] [--token T]
//         [--timeout-ms MS] [--settle-ms MS] [--growth-target-mb M]
// (or the token in RENKEI_TOKEN). Exit code 1 also when the server answered
// a hostile request with a 5xx other than 503, or went away.
int runHostile(const Options& options);

// compare --url URL [--connections C] [--seconds S] [--rounds R] [--threads T]
//         [--sheet ID] [--config FILE] [--templates DIR] [--token T] PAYLOADS.jsonl
// Alternates R times: S seconds of in-process PDF rendering on T threads,
// then S seconds of print-job submissions over C connections; reports
// HTTP jobs/s as a share of the render rate, and the p99 latency.
int runCompare(const Options& options);

// generate --sheet ID --n N [--seed S] [--templates DIR] [--out FILE]: JSONL on
// stdout (or FILE), one {"sheet":..., "fields":{...}} per line.
int runGenerate(const Options& options);

// Building blocks of compare.

// Print jobs POSTed over `connections` keep-alive connections for `seconds`
// (at most maxJobs), each connection waiting as long as a 503's Retry-After
// asks. serverErrors counts 5xx (503 included) and requests without answer.
struct HttpRun {
    std::vector<double> latencyMs;
    std::map<int, long long> statuses;  // 0: no answer
    std::string firstError;
    double seconds = 0;
    double retryWaitS = 0;
    long long accepted = 0;
    long long serverErrors = 0;
};
// Connection c goes to uris[c % uris.size()] (several instances behind no proxy).
HttpRun submitPrintJobs(const std::vector<Poco::URI>& uris, const std::string& token,
                        const std::vector<std::string>& bodies, int connections, double seconds, long long maxJobs,
                        int timeoutMs);
// The body of a print job for the sheet with these fields.
std::string printJobBody(const std::string& sheet, const std::string& fieldsJson);

// Documents rendered in-process exactly as the server renders a job's PDF.
class RenderRig {
public:
    // Loads templates and fonts as the render mode does (--config, --templates).
    static common::Result<std::unique_ptr<RenderRig>> open(const Options& options, const std::string& sheetId,
                                                           const std::vector<Payload>& payloads);
    ~RenderRig();
    // PDF documents per second on `threads` threads over about `seconds`.
    common::Result<double> documentsPerSecond(int threads, double seconds);

    struct Impl;

private:
    explicit RenderRig(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace bench
