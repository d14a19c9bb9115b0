// renkei-bench render: documents rendered in-process through DocumentService,
// exactly as the server does for a job (validate, lay out, render), without
// HTTP, the job store or the spool.
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "modes.h"
#include "render_setup.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Sample {
    double validateMs = 0;
    double renderMs = 0;  // layout + render
    double totalMs = 0;
    double cpuMs = 0;  // validate + layout + render, this thread's CPU time
    int pages = 0;
    std::size_t bytes = 0;
    std::size_t warnings = 0;
};

std::vector<Poco::JSON::Object::Ptr> parseAll(const std::vector<Payload>& payloads) {
    std::vector<Poco::JSON::Object::Ptr> parsed;
    for (const Payload& p : payloads) {
        Poco::JSON::Parser parser;
        parsed.push_back(parser.parse(p.fieldsJson).extract<Poco::JSON::Object::Ptr>());
    }
    return parsed;
}

// A job-like id per document, so the PDF trailer ids differ as in production.
std::string documentId(long long index) {
    char id[40];
    std::snprintf(id, sizeof id, "%032llx", index + 1);
    return id;
}

// Renders documents first..first+count-1 (cycling through the payloads).
// Returns the first failure as a Status.
common::Status renderRange(const app::DocumentService& documents, const form::SheetTemplate& sheet,
                           app::Format format, const std::vector<Poco::JSON::Object::Ptr>& payloads, long long first,
                           long long count, std::vector<Sample>* samples, std::string* keep) {
    for (long long i = first; i < first + count; ++i) {
        const auto& fields = payloads[static_cast<std::size_t>(i % static_cast<long long>(payloads.size()))];
        Sample s;
        double cpuStart = threadCpuMs();
        auto start = Clock::now();
        auto data = documents.validate(sheet.id, fields);
        s.validateMs = msSince(start);
        if (!data) {
            return common::Status::invalidArgument("payload " + std::to_string(i % payloads.size() + 1) +
                                                   " is not valid for " + sheet.id + ": " + data.status().toString());
        }
        auto renderStart = Clock::now();
        auto doc = documents.render(sheet, data.value(), format, documentId(i), "2025-11-20T15:10:00+09:00");
        s.renderMs = msSince(renderStart);
        s.totalMs = msSince(start);
        s.cpuMs = threadCpuMs() - cpuStart;
        if (!doc) return doc.status();
        s.pages = doc->pageCount;
        s.bytes = doc->bytes.size();
        s.warnings = doc->warnings.size();
        if (keep && keep->empty()) *keep = doc->bytes;
        if (samples) samples->push_back(s);
    }
    return common::Status::ok();
}

}  // namespace

int runRender(const Options& options) {
    for (const char* required : {"sheet", "format", "n"}) {
        if (!options.has(required)) {
            std::cerr << "renkei-bench render: --" << required << " is required\n";
            return 2;
        }
    }
    if (options.positional.size() != 1) {
        std::cerr << "renkei-bench render: give one PAYLOADS.jsonl file\n";
        return 2;
    }
    const std::string sheetId = options.get("sheet");
    const std::string formatName = options.get("format");
    if (formatName != "pdf" && formatName != "xlsx") {
        std::cerr << "renkei-bench render: --format is pdf or xlsx\n";
        return 2;
    }
    const app::Format format = formatName == "pdf" ? app::Format::Pdf : app::Format::Xlsx;
    auto n = options.integer("n", 0, 1, 10000000);
    auto threads = options.integer("threads", 1, 1, 256);
    if (!n || !threads) {
        std::cerr << "renkei-bench render: " << (!n ? n.status() : threads.status()).message() << "\n";
        return 2;
    }
    auto payloads = readPayloads(options.positional[0]);
    if (!payloads) {
        std::cerr << "renkei-bench render: " << payloads.status().message() << "\n";
        return 2;
    }
    for (const Payload& p : payloads.value()) {
        if (!p.sheet.empty() && p.sheet != sheetId) {
            std::cerr << "renkei-bench render: the payloads are for sheet " << p.sheet << ", not " << sheetId << "\n";
            return 2;
        }
    }
    // Every payload once, at least 20 documents: fonts, glyph caches and the
    // allocator are warm before anything is timed.
    auto warmup = options.integer("warmup", std::max<long long>(20, payloads->size()), 0, 10000000);
    if (!warmup) {
        std::cerr << "renkei-bench render: " << warmup.status().message() << "\n";
        return 2;
    }

    auto setup = makeRenderSetup(options);
    if (!setup) {
        std::cerr << "renkei-bench render: " << setup.status().toString() << "\n";
        return 1;
    }
    const form::SheetTemplate* sheet = setup->templates->find(sheetId);
    if (!sheet) {
        std::cerr << "renkei-bench render: no sheet " << sheetId << " in " << setup->settings.templatesDir << "\n";
        return 2;
    }

    std::string firstDocument;
    {
        auto parsed = parseAll(payloads.value());
        common::Status warm = renderRange(*setup->documents, *sheet, format, parsed, 0, warmup.value(), nullptr,
                                          &firstDocument);
        if (!warm) {
            std::cerr << "renkei-bench render: " << warm.toString() << "\n";
            return 1;
        }
    }

    const long long total = n.value();
    const int threadCount = static_cast<int>(threads.value());
    std::vector<std::vector<Sample>> perThread(threadCount);
    std::vector<common::Status> failures(threadCount);
    auto wallStart = Clock::now();
    {
        std::vector<std::thread> workers;
        for (int t = 0; t < threadCount; ++t) {
            long long first = total * t / threadCount;
            long long count = total * (t + 1) / threadCount - first;
            workers.emplace_back([&, t, first, count] {
                // Poco JSON objects are not meant to be shared across threads: each parses its own.
                auto parsed = parseAll(payloads.value());
                perThread[t].reserve(static_cast<std::size_t>(count));
                std::string* keep = t == 0 && firstDocument.empty() ? &firstDocument : nullptr;
                failures[t] = renderRange(*setup->documents, *sheet, format, parsed, first, count, &perThread[t], keep);
            });
        }
        for (auto& w : workers) w.join();
    }
    double wallMs = msSince(wallStart);
    for (const auto& failure : failures) {
        if (!failure) {
            std::cerr << "renkei-bench render: " << failure.toString() << "\n";
            return 1;
        }
    }

    std::vector<double> totalMs, cpuMs, validateMs, renderMs;
    double pages = 0, bytes = 0, warnings = 0, maxBytes = 0;
    for (const auto& samples : perThread) {
        for (const Sample& s : samples) {
            totalMs.push_back(s.totalMs);
            cpuMs.push_back(s.cpuMs);
            validateMs.push_back(s.validateMs);
            renderMs.push_back(s.renderMs);
            pages += s.pages;
            bytes += static_cast<double>(s.bytes);
            warnings += static_cast<double>(s.warnings);
            maxBytes = std::max(maxBytes, static_cast<double>(s.bytes));
        }
    }
    const double docs = static_cast<double>(totalMs.size());
    Memory memory = readMemory("self");
    double loadAverage = 0;
    if (std::FILE* load = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(load, "%lf", &loadAverage) != 1) loadAverage = 0;
        std::fclose(load);
    }

    if (options.has("save")) {
        std::ofstream out(options.get("save"), std::ios::binary);
        out.write(firstDocument.data(), static_cast<std::streamsize>(firstDocument.size()));
    }

    std::cout << "renkei-bench render: " << sheetId << " as " << formatName << ", " << total << " documents from "
              << payloads->size() << " payloads, " << threadCount << " thread(s), after " << warmup.value()
              << " warm-up documents\n"
              << "  per document      median " << fixed(percentile(totalMs, 50), 2) << " ms   p95 "
              << fixed(percentile(totalMs, 95), 2) << " ms   mean " << fixed(mean(totalMs), 2) << " ms   max "
              << fixed(percentile(totalMs, 100), 2) << " ms\n"
              << "  CPU per document  median " << fixed(percentile(cpuMs, 50), 2) << " ms   p95 "
              << fixed(percentile(cpuMs, 95), 2) << " ms\n"
              << "    validate        median " << fixed(percentile(validateMs, 50), 3) << " ms\n"
              << "    layout+render   median " << fixed(percentile(renderMs, 50), 2) << " ms\n"
              << "  throughput        " << fixed(docs / (wallMs / 1000), 1) << " documents/s\n"
              << "  pages             " << fixed(pages / docs, 2) << " per document\n"
              << "  size              " << fixed(bytes / docs / 1024, 1) << " KiB per document (max "
              << fixed(maxBytes / 1024, 1) << "), " << fixed(bytes / pages / 1024, 1) << " KiB per page\n"
              << "  warnings          " << fixed(warnings / docs, 2) << " per document\n"
              << "  memory            peak RSS " << fixed(memory.peakKb / 1024.0, 1) << " MiB (VmHWM), now "
              << fixed(memory.rssKb / 1024.0, 1) << " MiB\n"
              << "  machine           " << std::thread::hardware_concurrency() << " cores, load average "
              << fixed(loadAverage, 2) << " (wall times are only comparable on an idle machine)\n";

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "render");
    json->set("sheet", sheetId);
    json->set("format", formatName);
    json->set("n", total);
    json->set("payloads", static_cast<int>(payloads->size()));
    json->set("threads", threadCount);
    json->set("warmup", warmup.value());
    json->set("median_ms", percentile(totalMs, 50));
    json->set("p95_ms", percentile(totalMs, 95));
    json->set("mean_ms", mean(totalMs));
    json->set("max_ms", percentile(totalMs, 100));
    json->set("cpu_median_ms", percentile(cpuMs, 50));
    json->set("cpu_p95_ms", percentile(cpuMs, 95));
    json->set("validate_median_ms", percentile(validateMs, 50));
    json->set("render_median_ms", percentile(renderMs, 50));
    json->set("docs_per_s", docs / (wallMs / 1000));
    json->set("pages_per_doc", pages / docs);
    json->set("bytes_per_doc", bytes / docs);
    json->set("max_bytes", maxBytes);
    json->set("bytes_per_page", bytes / pages);
    json->set("warnings_per_doc", warnings / docs);
    json->set("peak_rss_kb", memory.peakKb);
    json->set("rss_kb", memory.rssKb);
    json->set("cores", static_cast<int>(std::thread::hardware_concurrency()));
    json->set("load_average", loadAverage);
    printJsonLine(json);
    return 0;
}

}  // namespace bench
