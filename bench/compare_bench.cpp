// renkei-bench compare (issue 22): how much of the machine's rendering rate
// reaches a client over HTTP. Alternates in-process PDF rendering with print
// jobs submitted to a running server on the same machine, so both see the
// same load from whatever else runs, and reports HTTP jobs/s as a share of
// documents/s and the p99 latency of the submissions. Loopback only.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/document_service.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "modes.h"
#include "render/font_metrics.h"

namespace bench {

using Clock = std::chrono::steady_clock;

// Set up as renkei-bench render does (--config, --templates), PDF only.
struct RenderRig::Impl {
    config::Settings settings;
    std::shared_ptr<const form::TemplateRegistry> templates;
    std::unique_ptr<app::DocumentService> documents;
    const form::SheetTemplate* sheet = nullptr;
    std::vector<Payload> payloads;
    long long next = 0;  // document ids keep counting across runs

    // Validates and renders payload `index` (cycling) as the server does for a job.
    common::Status renderOne(const std::vector<Poco::JSON::Object::Ptr>& parsed, long long index) const {
        const auto& fields = parsed[static_cast<size_t>(index % static_cast<long long>(parsed.size()))];
        auto data = documents->validate(sheet->id, fields);
        if (!data) return data.status();
        char id[40];
        std::snprintf(id, sizeof id, "%032llx", index + 1);
        auto doc = documents->render(*sheet, data.value(), app::Format::Pdf, id, "2025-11-20T15:10:00+09:00");
        return doc ? common::Status::ok() : doc.status();
    }

    // Poco JSON objects are not meant to be shared across threads: each parses its own.
    std::vector<Poco::JSON::Object::Ptr> parsePayloads() const {
        std::vector<Poco::JSON::Object::Ptr> parsed;
        for (const Payload& p : payloads)
            parsed.push_back(Poco::JSON::Parser().parse(p.fieldsJson).extract<Poco::JSON::Object::Ptr>());
        return parsed;
    }
};

RenderRig::RenderRig(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RenderRig::~RenderRig() = default;

common::Result<std::unique_ptr<RenderRig>> RenderRig::open(const Options& options, const std::string& sheetId,
                                                           const std::vector<Payload>& payloads) {
    auto impl = std::make_unique<Impl>();
    if (options.has("config")) {
        auto loaded = config::loadSettings(options.get("config"));
        if (!loaded) return loaded.status();
        impl->settings = loaded.value();
    }
    if (options.has("templates")) impl->settings.templatesDir = options.get("templates");
    auto templates = form::TemplateRegistry::load(impl->settings.templatesDir);
    if (!templates) return templates.status();
    impl->templates = templates.value();
    auto fonts = render::FontMetrics::open(impl->settings.primaryFont, impl->settings.fallbackFont);
    if (!fonts) return fonts.status();
    render::XlsxOptions xlsx;
    xlsx.fontName = impl->settings.xlsxFont;
    xlsx.tempDir = options.get("tmp", "/tmp");
    impl->documents = std::make_unique<app::DocumentService>(
        impl->templates, fonts.value(), xlsx,
        app::RenderLimits{impl->settings.renderWorkers, impl->settings.renderQueue});
    impl->sheet = impl->templates->find(sheetId);
    if (!impl->sheet) return common::Status::invalidArgument("no sheet " + sheetId + " in " + impl->settings.templatesDir);
    impl->payloads = payloads;
    // Fonts, glyph caches and the allocator warm before anything is timed.
    const auto parsed = impl->parsePayloads();
    for (long long i = 0; i < std::max<long long>(20, static_cast<long long>(payloads.size())); ++i)
        if (common::Status one = impl->renderOne(parsed, i); !one) return one;
    return std::unique_ptr<RenderRig>(new RenderRig(std::move(impl)));
}

common::Result<double> RenderRig::documentsPerSecond(int threads, double seconds) {
    Impl& i = *impl_;
    std::atomic<long long> rendered{0};
    std::vector<common::Status> failures(static_cast<size_t>(threads));
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    {
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                const auto parsed = i.parsePayloads();
                for (long long n = i.next + t * 1000000LL; Clock::now() < deadline; ++n) {
                    if (common::Status one = i.renderOne(parsed, n); !one) {
                        failures[static_cast<size_t>(t)] = one;
                        return;
                    }
                    ++rendered;
                }
            });
        }
        for (auto& w : workers) w.join();
    }
    const double elapsedS = std::chrono::duration<double>(Clock::now() - start).count();
    i.next += threads * 1000000LL;
    for (const auto& failure : failures)
        if (!failure) return failure;
    return static_cast<double>(rendered.load()) / elapsedS;
}

int runCompare(const Options& options) {
    if (!options.has("url") || options.positional.size() != 1) {
        std::cerr << "renkei-bench compare: --url and one PAYLOADS.jsonl file are required\n";
        return 2;
    }
    auto connections = options.integer("connections", 32, 1, 1024);
    auto seconds = options.integer("seconds", 10, 1, 3600);
    auto rounds = options.integer("rounds", 3, 1, 100);
    auto threads = options.integer("threads", std::max(1u, std::thread::hardware_concurrency()), 1, 256);
    auto timeoutMs = options.integer("timeout-ms", 30000, 100, 600000);
    for (const auto* r : {&connections, &seconds, &rounds, &threads, &timeoutMs}) {
        if (!*r) {
            std::cerr << "renkei-bench compare: " << r->status().message() << "\n";
            return 2;
        }
    }
    Poco::URI uri;
    try {
        uri = Poco::URI(options.get("url"));
    } catch (const Poco::Exception& e) {
        std::cerr << "renkei-bench compare: --url: " << e.displayText() << "\n";
        return 2;
    }
    if (uri.getScheme() != "http" || !isLoopbackHost(uri.getHost())) {
        std::cerr << "renkei-bench compare: --url must be http:// on this machine (localhost, 127.x.x.x or ::1)\n";
        return 2;
    }
    auto payloads = readPayloads(options.positional[0]);
    if (!payloads || payloads->empty()) {
        std::cerr << "renkei-bench compare: " << (payloads ? "no payloads" : payloads.status().message()) << "\n";
        return 2;
    }
    const std::string sheet = options.get("sheet", payloads->front().sheet);
    if (sheet.empty()) {
        std::cerr << "renkei-bench compare: the payloads name no sheet; give --sheet\n";
        return 2;
    }
    std::vector<std::string> bodies;
    for (const Payload& p : payloads.value()) bodies.push_back(printJobBody(sheet, p.fieldsJson));
    const std::string token = options.get("token", std::getenv("RENKEI_TOKEN") ? std::getenv("RENKEI_TOKEN") : "");
    auto rig = RenderRig::open(options, sheet, payloads.value());
    if (!rig) {
        std::cerr << "renkei-bench compare: " << rig.status().toString() << "\n";
        return 1;
    }

    std::cout << "renkei-bench compare: " << sheet << ", " << rounds.value() << " rounds of " << seconds.value()
              << " s rendering on " << threads.value() << " thread(s) then " << seconds.value() << " s of print jobs over "
              << connections.value() << " connections to " << uri.toString() << "\n";
    double renderSum = 0, httpSum = 0;
    std::vector<double> latency;
    std::map<int, long long> statuses;
    double retryWaitS = 0;
    long long serverErrors = 0;
    std::string firstError;
    Poco::JSON::Array::Ptr perRound = new Poco::JSON::Array;
    for (long long round = 1; round <= rounds.value(); ++round) {
        auto rate = rig.value()->documentsPerSecond(static_cast<int>(threads.value()), static_cast<double>(seconds.value()));
        if (!rate) {
            std::cerr << "renkei-bench compare: " << rate.status().toString() << "\n";
            return 1;
        }
        HttpRun run = submitPrintJobs({uri}, token, bodies, static_cast<int>(connections.value()),
                                      static_cast<double>(seconds.value()), 100000000, static_cast<int>(timeoutMs.value()));
        const double jobsPerS = run.accepted / run.seconds;
        renderSum += rate.value();
        httpSum += jobsPerS;
        latency.insert(latency.end(), run.latencyMs.begin(), run.latencyMs.end());
        for (const auto& [code, n] : run.statuses) statuses[code] += n;
        retryWaitS += run.retryWaitS;
        for (const auto& [code, n] : run.statuses)
            if (code == 0 || (code >= 500 && code != 503)) serverErrors += n;
        if (firstError.empty()) firstError = run.firstError;
        std::cout << "  round " << round << "   render " << fixed(rate.value(), 1) << " documents/s   http "
                  << fixed(jobsPerS, 1) << " jobs/s (" << fixed(100 * jobsPerS / rate.value(), 1) << " %)   p99 "
                  << fixed(percentile(run.latencyMs, 99), 1) << " ms\n";
        Poco::JSON::Object::Ptr r = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        r->set("render_docs_per_s", rate.value());
        r->set("http_jobs_per_s", jobsPerS);
        r->set("p99_ms", percentile(run.latencyMs, 99));
        perRound->add(r);
    }
    const double renderRate = renderSum / static_cast<double>(rounds.value());
    const double httpRate = httpSum / static_cast<double>(rounds.value());
    const double ratio = httpRate / renderRate;
    const double p99 = percentile(latency, 99);
    std::cout << "  mean              render " << fixed(renderRate, 1) << " documents/s   http " << fixed(httpRate, 1)
              << " jobs/s\n"
              << "  ratio             " << fixed(100 * ratio, 1) << " % of the in-process render rate\n"
              << "  latency           p50 " << fixed(percentile(latency, 50), 1) << " ms   p99 " << fixed(p99, 1)
              << " ms   max " << fixed(percentile(latency, 100), 1) << " ms\n"
              << "  status codes     ";
    for (const auto& [code, n] : statuses) std::cout << " " << (code == 0 ? std::string("error") : std::to_string(code)) << ": " << n;
    std::cout << "\n";
    if (retryWaitS > 0) std::cout << "  Retry-After       " << fixed(retryWaitS, 1) << " s waited in all\n";
    if (!firstError.empty()) std::cout << "  first error       " << firstError << "\n";
    std::cout << "  target            >= 50 % with p99 <= 100 ms: " << (ratio >= 0.5 && p99 <= 100 ? "met" : "NOT met")
              << "\n";

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "compare");
    json->set("sheet", sheet);
    json->set("connections", connections.value());
    json->set("render_threads", threads.value());
    json->set("render_docs_per_s", renderRate);
    json->set("http_jobs_per_s", httpRate);
    json->set("ratio", ratio);
    json->set("p50_ms", percentile(latency, 50));
    json->set("p99_ms", p99);
    json->set("max_ms", percentile(latency, 100));
    json->set("retry_after_wait_s", retryWaitS);
    Poco::JSON::Object::Ptr codes = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [code, n] : statuses) codes->set(code == 0 ? std::string("error") : std::to_string(code), n);
    json->set("status", codes);
    json->set("rounds", perRound);
    printJsonLine(json);
    return serverErrors == 0 ? 0 : 1;
}

}  // namespace bench
