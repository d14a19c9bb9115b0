#include "common/logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/JSON/Object.h>
#include <Poco/LocalDateTime.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/NumberFormatter.h>
#include <Poco/NumberParser.h>
#include <Poco/PatternFormatter.h>

#include <cmath>
#include <sstream>

namespace common {
namespace {

// The request fields travel as message parameters from logRequest to the
// JSON formatter; the text format only shows the message.
const char* const kRequestId = "requestId";
const char* const kMethod = "method";
const char* const kRoute = "route";
const char* const kStatus = "status";
const char* const kDurationMs = "durationMs";
const char* const kJobId = "jobId";

const char* levelName(Poco::Message::Priority p) {
    switch (p) {
    case Poco::Message::PRIO_FATAL: return "fatal";
    case Poco::Message::PRIO_CRITICAL: return "critical";
    case Poco::Message::PRIO_ERROR: return "error";
    case Poco::Message::PRIO_WARNING: return "warning";
    case Poco::Message::PRIO_NOTICE: return "notice";
    case Poco::Message::PRIO_INFORMATION: return "info";
    case Poco::Message::PRIO_DEBUG: return "debug";
    case Poco::Message::PRIO_TRACE: return "trace";
    }
    return "info";
}

class JsonFormatter : public Poco::Formatter {
public:
    void format(const Poco::Message& msg, std::string& text) override {
        Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
        // Local time with its offset from UTC (+09:00 in Japan), to the millisecond.
        const Poco::LocalDateTime local(msg.getTime());
        line.set("time", Poco::DateTimeFormatter::format(local, "%Y-%m-%dT%H:%M:%S.%i%z"));
        line.set("level", std::string(levelName(msg.getPriority())));
        line.set("logger", msg.getSource());
        line.set("message", msg.getText());
        for (const char* key : {kRequestId, kMethod, kRoute})
            if (msg.has(key)) line.set(key, msg.get(key));
        if (msg.has(kStatus)) line.set(kStatus, Poco::NumberParser::parse(msg.get(kStatus)));
        if (msg.has(kDurationMs)) line.set(kDurationMs, Poco::NumberParser::parseFloat(msg.get(kDurationMs)));
        if (msg.has(kJobId)) line.set(kJobId, msg.get(kJobId));
        std::ostringstream out;
        line.stringify(out);
        text = out.str();
    }
};

}  // namespace

std::optional<LogFormat> parseLogFormat(const std::string& name) {
    if (name == "text") return LogFormat::Text;
    if (name == "json") return LogFormat::Json;
    return std::nullopt;
}

void setUpLogging(LogFormat format) {
    Poco::AutoPtr<Poco::Formatter> formatter;
    if (format == LogFormat::Json) {
        formatter = new JsonFormatter;
    } else {
        Poco::AutoPtr<Poco::PatternFormatter> pattern(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%i %q %s: %t"));
        pattern->setProperty("times", "local");
        formatter = pattern;
    }
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel));
    // The root, which loggers made later copy, and every logger made before.
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_INFORMATION);
    Poco::Logger::setChannel("", channel);
    Poco::Logger::setLevel("", Poco::Message::PRIO_INFORMATION);
}

void logRequest(const RequestLog& r) {
    Poco::Logger& log = Poco::Logger::get("renkei.http");
    if (!log.information()) return;
    const std::string method = r.method.substr(0, 16);
    // One decimal, as the text line has always shown it.
    const double ms = std::round(r.durationMs * 10) / 10;
    Poco::Message msg(log.name(),
                      r.requestId + " " + method + " " + r.route + " -> " + std::to_string(r.status) + " (" +
                          Poco::NumberFormatter::format(ms, 1) + " ms)",
                      Poco::Message::PRIO_INFORMATION);
    msg.set(kRequestId, r.requestId);
    msg.set(kMethod, method);
    msg.set(kRoute, r.route);
    msg.set(kStatus, std::to_string(r.status));
    msg.set(kDurationMs, Poco::NumberFormatter::format(ms, 1));
    if (!r.jobId.empty()) msg.set(kJobId, r.jobId);
    log.log(msg);
}

}  // namespace common
