// Logging: one place that decides how log lines look. Every module logs
// through Poco::Logger as before; setUpLogging() gives the root logger either
// the text format or the JSON format (one object per line, for a log
// collector), and logRequest() writes the one line per HTTP request with its
// fields kept apart, so the JSON line carries them as fields. No field value,
// body, query or token is ever passed to either. Thread-safe once set up.
#pragma once

#include <optional>
#include <string>

namespace common {

enum class LogFormat { Text, Json };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parseLogFormat(const std::string& name);

// Sends every logger's lines to the console (stderr) in `format`:
//   text: 2026-01-05T09:30:00.123 I renkei.http: <message>
//   json: {"time":"2026-01-05T09:30:00.123+09:00","level":"info","logger":"renkei.http",
//          "message":"...","requestId":"...","method":"GET","route":"/api/v1/jobs/{id}",
//          "status":200,"durationMs":1.2,"jobId":"..."}
// the request fields only on request lines, jobId only when there is one.
// Times are local, with their UTC offset in JSON. Call before threads start;
// calling again replaces the format.
void setUpLogging(LogFormat format);

// One served request. route is the router's pattern ("/api/v1/jobs/{id}"),
// never the raw path, or a fixed name: "(web)", "(unmatched)".
struct RequestLog {
    std::string requestId;
    std::string method;
    std::string route;
    int status = 0;
    double durationMs = 0;
    std::string jobId;  // "" when the request concerns no job
};

// Logs r at information level on logger "renkei.http".
void logRequest(const RequestLog& r);

}  // namespace common
