// renkei-bench http: print jobs submitted to a running server over C
// keep-alive connections, for at most S seconds and J jobs. Loopback only:
// this is a load generator, and it is not to be pointed at anyone else's host.
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "modes.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// The request body of a print job, as a care manager's system would send it.
std::string jobBody(const std::string& sheet, const std::string& fieldsJson) {
    return "{\"sheet\":\"" + sheet + "\",\"fields\":" + fieldsJson +
           ",\"delivery\":{\"channel\":\"print\"},\"allow_duplicate\":true}";
}

struct ConnectionResult {
    std::vector<double> latencyMs;
    std::map<int, long long> statuses;  // 0: no response (connection error, timeout)
    std::string firstError;
    double waitedS = 0;  // honouring Retry-After
};

void runConnection(const Poco::URI& uri, const std::string& token, const std::vector<std::string>& bodies,
                   std::atomic<long long>& claimed, long long maxJobs, Clock::time_point deadline, int timeoutMs,
                   ConnectionResult& out) {
    out.latencyMs.reserve(4096);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
    std::string path = uri.getPath();
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += "/api/v1/jobs";
    for (;;) {
        long long index = claimed.fetch_add(1);
        if (index >= maxJobs || Clock::now() >= deadline) return;
        const std::string& body = bodies[static_cast<std::size_t>(index % static_cast<long long>(bodies.size()))];
        auto start = Clock::now();
        int status = 0;
        int retryAfterS = 0;
        try {
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            request.setKeepAlive(true);
            if (!token.empty()) request.set("Authorization", "Bearer " + token);
            session.sendRequest(request) << body;
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            Poco::NullOutputStream discard;
            Poco::StreamCopier::copyStream(in, discard);
            status = static_cast<int>(response.getStatus());
            retryAfterS = std::atoi(response.get("Retry-After", "0").c_str());
        } catch (const Poco::Exception& e) {
            if (out.firstError.empty()) out.firstError = e.displayText();
            session.reset();
        }
        out.latencyMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        ++out.statuses[status];
        // A busy server says when to come back; a client that honours it
        // waits (up to the end of the run) instead of hammering.
        if (status == 503 && retryAfterS > 0) {
            const auto until = std::min(deadline, Clock::now() + std::chrono::seconds(std::min(retryAfterS, 60)));
            out.waitedS += std::chrono::duration<double>(until - Clock::now()).count();
            std::this_thread::sleep_until(until);
        }
    }
}

}  // namespace

HttpRun submitPrintJobs(const std::vector<Poco::URI>& uris, const std::string& token,
                        const std::vector<std::string>& bodies, int connections, double seconds, long long maxJobs,
                        int timeoutMs) {
    std::atomic<long long> claimed{0};
    std::vector<ConnectionResult> results(static_cast<size_t>(connections));
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    {
        std::vector<std::thread> threads;
        for (int c = 0; c < connections; ++c) {
            threads.emplace_back(runConnection, std::cref(uris[static_cast<size_t>(c) % uris.size()]), std::cref(token),
                                 std::cref(bodies), std::ref(claimed), maxJobs, deadline, timeoutMs,
                                 std::ref(results[static_cast<size_t>(c)]));
        }
        for (auto& t : threads) t.join();
    }
    HttpRun run;
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (const auto& r : results) {
        run.latencyMs.insert(run.latencyMs.end(), r.latencyMs.begin(), r.latencyMs.end());
        for (const auto& [code, n] : r.statuses) run.statuses[code] += n;
        if (run.firstError.empty()) run.firstError = r.firstError;
        run.retryWaitS += r.waitedS;
    }
    for (const auto& [code, n] : run.statuses) {
        if (code >= 200 && code < 300) run.accepted += n;
        if (code >= 500 || code == 0) run.serverErrors += n;
    }
    return run;
}

std::string printJobBody(const std::string& sheet, const std::string& fieldsJson) { return jobBody(sheet, fieldsJson); }

int runHttp(const Options& options) {
    for (const char* required : {"url", "connections", "seconds"}) {
        if (!options.has(required)) {
            std::cerr << "renkei-bench http: --" << required << " is required\n";
            return 2;
        }
    }
    if (options.positional.size() != 1) {
        std::cerr << "renkei-bench http: give one PAYLOADS.jsonl file\n";
        return 2;
    }
    auto connections = options.integer("connections", 1, 1, 1024);
    auto seconds = options.integer("seconds", 10, 1, 3600);
    auto maxJobs = options.integer("max-jobs", 1000000, 1, 100000000);
    auto timeoutMs = options.integer("timeout-ms", 30000, 100, 600000);
    for (const auto* r : {&connections, &seconds, &maxJobs, &timeoutMs}) {
        if (!*r) {
            std::cerr << "renkei-bench http: " << r->status().message() << "\n";
            return 2;
        }
    }
    // Several instances behind no load balancer: a comma-separated list,
    // connection c goes to URL c mod n (issue 20's benchmark).
    std::vector<Poco::URI> uris;
    try {
        const std::string list = options.get("url");
        for (size_t from = 0; from <= list.size();) {
            const size_t comma = std::min(list.find(',', from), list.size());
            uris.emplace_back(list.substr(from, comma - from));
            from = comma + 1;
        }
    } catch (const Poco::Exception& e) {
        std::cerr << "renkei-bench http: --url: " << e.displayText() << "\n";
        return 2;
    }
    for (const Poco::URI& u : uris) {
        if (u.getScheme() != "http" || !isLoopbackHost(u.getHost())) {
            std::cerr << "renkei-bench http: --url must be http:// on this machine (localhost, 127.x.x.x or ::1)\n";
            return 2;
        }
    }
    const Poco::URI& uri = uris.front();  // the server whose memory and CPU are reported
    auto payloads = readPayloads(options.positional[0]);
    if (!payloads) {
        std::cerr << "renkei-bench http: " << payloads.status().message() << "\n";
        return 2;
    }
    std::vector<std::string> bodies;
    for (const Payload& p : payloads.value()) {
        std::string sheet = p.sheet.empty() ? options.get("sheet") : p.sheet;
        if (sheet.empty()) {
            std::cerr << "renkei-bench http: a payload names no sheet; give --sheet\n";
            return 2;
        }
        bodies.push_back(jobBody(sheet, p.fieldsJson));
    }

    // A server with access tokens wants a print-capable one; the
    // environment keeps it out of the process list.
    const std::string token = options.get("token", std::getenv("RENKEI_TOKEN") ? std::getenv("RENKEI_TOKEN") : "");
    auto serverPid = options.integer("server-pid", 0, 0, 1LL << 31);
    int pid = serverPid ? static_cast<int>(serverPid.value()) : 0;
    if (pid == 0) pid = findListeningPid(uri.getPort());
    const std::string pidText = std::to_string(pid);
    Memory before = pid ? readMemory(pidText) : Memory();
    const double cpuBefore = pid ? readCpuSeconds(pidText) : 0;

    const int count = static_cast<int>(connections.value());
    HttpRun run = submitPrintJobs(uris, token, bodies, count, static_cast<double>(seconds.value()), maxJobs.value(),
                                  static_cast<int>(timeoutMs.value()));
    const double elapsedS = run.seconds;
    Memory after = pid ? readMemory(pidText) : Memory();
    const double serverCpuS = pid ? readCpuSeconds(pidText) - cpuBefore : 0;
    const std::vector<double>& latency = run.latencyMs;
    const std::map<int, long long>& statuses = run.statuses;
    const std::string& firstError = run.firstError;
    const long long accepted = run.accepted, serverErrors = run.serverErrors;

    std::cout << "renkei-bench http: " << latency.size() << " print jobs to " << options.get("url") << " /api/v1/jobs over "
              << count << " keep-alive connections in " << fixed(elapsedS, 1) << " s\n"
              << "  accepted (2xx)    " << fixed(accepted / elapsedS, 1) << " jobs/s\n"
              << "  latency           p50 " << fixed(percentile(latency, 50), 1) << " ms   p95 "
              << fixed(percentile(latency, 95), 1) << " ms   p99 " << fixed(percentile(latency, 99), 1)
              << " ms   max " << fixed(percentile(latency, 100), 1) << " ms\n"
              << "  status codes     ";
    for (const auto& [code, n] : statuses) std::cout << " " << (code == 0 ? std::string("error") : std::to_string(code)) << ": " << n;
    std::cout << "\n";
    if (!firstError.empty()) std::cout << "  first error       " << firstError << "\n";
    if (run.retryWaitS > 0)
        std::cout << "  Retry-After       " << fixed(run.retryWaitS, 1) << " s waited in all, as the 503s asked\n";
    // Server CPU per request: comparable across runs even when other work
    // shares the machine, unlike jobs/s.
    const double cpuMsPerRequest = latency.empty() ? 0 : 1000 * serverCpuS / latency.size();
    if (pid) {
        std::cout << "  server CPU        " << fixed(cpuMsPerRequest, 2) << " ms per request ("
                  << fixed(serverCpuS / elapsedS, 2) << " cores busy)\n";
        std::cout << "  server pid " << pid << "    RSS before " << fixed(before.rssKb / 1024.0, 1) << " MiB, after "
                  << fixed(after.rssKb / 1024.0, 1) << " MiB, peak " << fixed(after.peakKb / 1024.0, 1) << " MiB\n";
    } else {
        std::cout << "  server RSS        unknown (no --server-pid and no local process found on port "
                  << uri.getPort() << ")\n";
    }

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "http");
    json->set("url", options.get("url"));
    json->set("connections", count);
    json->set("seconds", elapsedS);
    json->set("requests", static_cast<long long>(latency.size()));
    json->set("jobs_per_s", accepted / elapsedS);
    json->set("p50_ms", percentile(latency, 50));
    json->set("p95_ms", percentile(latency, 95));
    json->set("p99_ms", percentile(latency, 99));
    json->set("max_ms", percentile(latency, 100));
    json->set("retry_after_wait_s", run.retryWaitS);
    Poco::JSON::Object::Ptr codes = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [code, n] : statuses) codes->set(code == 0 ? std::string("error") : std::to_string(code), n);
    json->set("status", codes);
    json->set("server_pid", pid);
    json->set("server_cpu_ms_per_request", cpuMsPerRequest);
    json->set("server_rss_kb_before", before.rssKb);
    json->set("server_rss_kb_after", after.rssKb);
    json->set("server_peak_rss_kb", after.peakKb);
    printJsonLine(json);
    return serverErrors == 0 ? 0 : 1;
}

}  // namespace bench
