// The modes of renkei-bench, each run from main() with the options
// after the mode name. Each prints a human-readable table and then, as its
// last line, one JSON object; returns the process exit code (0 success, 1 a
// failure, 2 a usage error). Benchmark code only.
#pragma once

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
//              [--format pdf|xlsx] [--target-pct P] [--config FILE] [--templates DIR]
// The sheet (discharge-liaison) with growing free text, 1..N pages: CPU ms per
// page for each page count and their spread (max/min - 1). Exit code 0 also
// when the spread misses the target (the JSON line says target_met).
int runLayoutSweep(const Options& options);

// hostile --url URL [--passes P] [--connections C] [--requests N] [--seed S]
//         [--server-pid PID] [--sheet ID] [--templates DIR] [--token T]
//         [--timeout-ms MS] [--settle-ms MS] [--growth-target-mb M]
// (or the token in RENKEI_TOKEN). Exit code 1 also when the server answered
// a hostile request with a 5xx other than 503, or went away.
int runHostile(const Options& options);

// generate --sheet ID --n N [--seed S] [--templates DIR] [--out FILE]: JSONL on
// stdout (or FILE), one {"sheet":..., "fields":{...}} per line.
int runGenerate(const Options& options);

}  // namespace bench
