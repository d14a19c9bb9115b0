#include "bench_util.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <iostream>
#include <numeric>
#include <sstream>

namespace bench {

using common::Status;

std::string Options::get(const std::string& key, const std::string& fallback) const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
}

common::Result<long long> Options::integer(const std::string& key, long long fallback, long long min,
                                           long long max) const {
    if (!has(key)) return fallback;
    const std::string& text = values.at(key);
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < min || value > max) {
        return Status::invalidArgument("--" + key + " must be a whole number from " + std::to_string(min) + " to " +
                                       std::to_string(max) + ", not \"" + text + "\"");
    }
    return value;
}

common::Result<Options> parseOptions(int argc, char** argv, int first, const std::vector<std::string>& switches) {
    Options options;
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
            options.positional.push_back(arg);
            continue;
        }
        std::string key = arg.substr(2);
        if (std::find(switches.begin(), switches.end(), key) != switches.end()) {
            options.values[key] = "1";
            continue;
        }
        if (i + 1 >= argc) return Status::invalidArgument("--" + key + " needs a value");
        options.values[key] = argv[++i];
    }
    return options;
}

common::Result<std::vector<Payload>> readPayloads(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Status::ioError("cannot read " + path);
    std::vector<Payload> payloads;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(number);
        try {
            Poco::JSON::Parser parser;
            Poco::Dynamic::Var parsed = parser.parse(line);
            if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
                return Status::invalidArgument(where + ": not a JSON object");
            }
            auto object = parsed.extract<Poco::JSON::Object::Ptr>();
            Poco::JSON::Object::Ptr fields = object->getObject("fields");
            if (!fields) return Status::invalidArgument(where + ": no \"fields\" object");
            Payload payload;
            if (object->has("sheet")) payload.sheet = object->getValue<std::string>("sheet");
            std::ostringstream json;
            Poco::JSON::Stringifier::condense(fields, json);
            payload.fieldsJson = json.str();
            payloads.push_back(std::move(payload));
        } catch (const Poco::Exception& e) {
            return Status::invalidArgument(where + ": " + e.displayText());
        }
    }
    if (payloads.empty()) return Status::invalidArgument(path + ": no payloads");
    return payloads;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size()));
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double mean(const std::vector<double>& values) {
    if (values.empty()) return 0;
    return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

Memory readMemory(const std::string& pid) {
    Memory memory;
    std::ifstream status("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(status, line)) {
        long long kb = 0;
        if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kb) == 1) memory.rssKb = kb;
        if (std::sscanf(line.c_str(), "VmHWM: %lld kB", &kb) == 1) memory.peakKb = kb;
    }
    return memory;
}

double readCpuSeconds(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Field 2, the command, is in parentheses and may hold spaces: count from its end.
    std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return 0;
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoll(field);
        if (i == 15) stime = std::stoll(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// Inodes of the sockets listening on port, from one /proc/net/tcp* table.
void listeningInodes(const std::string& table, int port, std::vector<std::string>& inodes) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        std::size_t colon = local.rfind(':');
        if (colon == std::string::npos || state != "0A") continue;  // 0A: LISTEN
        if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back("socket:[" + inode + "]");
    }
}

}  // namespace

int findListeningPid(int port) {
    std::vector<std::string> sockets;
    listeningInodes("/proc/net/tcp", port, sockets);
    listeningInodes("/proc/net/tcp6", port, sockets);
    if (sockets.empty()) return 0;
    DIR* proc = ::opendir("/proc");
    if (!proc) return 0;
    int found = 0;
    while (dirent* entry = ::readdir(proc)) {
        std::string pid = entry->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string fdDir = "/proc/" + pid + "/fd";
        DIR* fds = ::opendir(fdDir.c_str());
        if (!fds) continue;  // another user's process
        while (dirent* fd = ::readdir(fds)) {
            char target[128];
            ssize_t n = ::readlink((fdDir + "/" + fd->d_name).c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            target[n] = '\0';
            if (std::find(sockets.begin(), sockets.end(), target) != sockets.end()) {
                found = std::stoi(pid);
                break;
            }
        }
        ::closedir(fds);
        if (found) break;
    }
    ::closedir(proc);
    return found;
}

bool isLoopbackHost(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void printJsonLine(const Poco::JSON::Object::Ptr& object) {
    Poco::JSON::Stringifier::condense(object, std::cout);
    std::cout << std::endl;
}

std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

}  // namespace bench
