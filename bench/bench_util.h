// Helpers shared by the renkei-bench modes: command-line options, the
// payload file, percentiles, the memory figures of a process from
// /proc/<pid>/status, and the JSON summary line. Benchmark code only; not
// linked into the service.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace bench {

// "--key value" pairs after the mode, plus the positional arguments in order.
// A flag named in `switches` takes no value. Returns InvalidArgument for an
// option without its value.
struct Options {
    std::map<std::string, std::string> values;
    std::vector<std::string> positional;

    bool has(const std::string& key) const { return values.count(key) > 0; }
    std::string get(const std::string& key, const std::string& fallback = "") const;
    // The option as an integer in [min, max]; InvalidArgument names the option.
    common::Result<long long> integer(const std::string& key, long long fallback, long long min, long long max) const;
};
common::Result<Options> parseOptions(int argc, char** argv, int first, const std::vector<std::string>& switches = {});

// One payload line: the sheet it names (may be empty) and its fields object
// as JSON text. Lines that are blank are skipped.
struct Payload {
    std::string sheet;
    std::string fieldsJson;
};
// Reads a JSONL file of {"sheet"?:..., "fields":{...}}. IOError when the file
// cannot be read, InvalidArgument naming the line when a line is not such an object.
common::Result<std::vector<Payload>> readPayloads(const std::string& path);

// Nearest-rank percentile (p in 0..100) of values; sorts its copy. 0 when empty.
double percentile(std::vector<double> values, double p);
double mean(const std::vector<double>& values);

// Memory of a process in KiB from /proc/<pid>/status ("self" for this one):
// VmRSS now and VmHWM, the peak. Zero when the process is gone or unreadable.
struct Memory {
    long long rssKb = 0;
    long long peakKb = 0;
};
Memory readMemory(const std::string& pid);
// CPU time (user + system) a process has used so far, in seconds, from
// /proc/<pid>/stat. Zero when the process is gone or unreadable.
double readCpuSeconds(const std::string& pid);

// The id of the process listening on a TCP port on this machine, from
// /proc/net/tcp{,6} and the socket links in /proc/*/fd; 0 when none is found
// (or it belongs to another user).
int findListeningPid(int port);

// Whether a URL's host is this machine (localhost, 127.x.x.x or ::1): the
// load-generating modes refuse any other.
bool isLoopbackHost(const std::string& host);

// Prints one JSON object on one line (the machine-readable summary).
void printJsonLine(const Poco::JSON::Object::Ptr& object);

// "12.34" with the given decimals, for tables.
std::string fixed(double value, int decimals);

}  // namespace bench
