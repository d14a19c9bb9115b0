// renkei-bench import: workbooks made by the renderer (DocumentService, as
// for a job) read back with xlsx_import::importWorkbook, as the server does
// for POST /api/v1/sheets/{id}/import: unzip, SAX-parse the parts, fields,
// validation. The workbooks are rendered first and are not timed.
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "modes.h"
#include "render_setup.h"
#include "xlsx_import/sheet_import.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int runImport(const Options& options) {
    for (const char* required : {"sheet", "n"}) {
        if (!options.has(required)) {
            std::cerr << "renkei-bench import: --" << required << " is required\n";
            return 2;
        }
    }
    if (options.positional.size() != 1) {
        std::cerr << "renkei-bench import: give one PAYLOADS.jsonl file\n";
        return 2;
    }
    const std::string sheetId = options.get("sheet");
    auto n = options.integer("n", 0, 1, 10000000);
    auto warmup = options.integer("warmup", 20, 0, 10000000);
    if (!n || !warmup) {
        std::cerr << "renkei-bench import: " << (!n ? n.status() : warmup.status()).message() << "\n";
        return 2;
    }
    auto payloads = readPayloads(options.positional[0]);
    if (!payloads) {
        std::cerr << "renkei-bench import: " << payloads.status().message() << "\n";
        return 2;
    }
    auto setup = makeRenderSetup(options);
    if (!setup) {
        std::cerr << "renkei-bench import: " << setup.status().toString() << "\n";
        return 1;
    }
    const form::SheetTemplate* sheet = setup->templates->find(sheetId);
    if (!sheet) {
        std::cerr << "renkei-bench import: no sheet " << sheetId << " in " << setup->settings.templatesDir << "\n";
        return 2;
    }

    // The workbooks: one per payload, rendered as for a job.
    std::vector<std::string> workbooks;
    double bytes = 0;
    for (std::size_t i = 0; i < payloads->size(); ++i) {
        const Payload& p = payloads.value()[i];
        if (!p.sheet.empty() && p.sheet != sheetId) {
            std::cerr << "renkei-bench import: the payloads are for sheet " << p.sheet << ", not " << sheetId << "\n";
            return 2;
        }
        Poco::JSON::Parser parser;
        auto fields = parser.parse(p.fieldsJson).extract<Poco::JSON::Object::Ptr>();
        auto data = setup->documents->validate(sheetId, fields);
        if (!data) {
            std::cerr << "renkei-bench import: payload " << i + 1 << ": " << data.status().toString() << "\n";
            return 2;
        }
        auto doc = setup->documents->render(*sheet, data.value(), app::Format::Xlsx, "", "2025-11-20T15:10:00+09:00");
        if (!doc) {
            std::cerr << "renkei-bench import: rendering payload " << i + 1 << ": " << doc.status().toString() << "\n";
            return 1;
        }
        bytes += static_cast<double>(doc->bytes.size());
        workbooks.push_back(std::move(doc->bytes));
    }

    // Each import must give back a workbook without problems: a benchmark of
    // imports that fail would measure the wrong thing.
    std::vector<double> wallMs, cpuMs, readMs;
    const long long total = warmup.value() + n.value();
    for (long long i = 0; i < total; ++i) {
        const std::string& workbook = workbooks[static_cast<std::size_t>(i) % workbooks.size()];
        double cpuStart = threadCpuMs();
        auto start = Clock::now();
        auto imported = xlsx_import::importWorkbook(*sheet, workbook);
        const double wall = msSince(start), cpu = threadCpuMs() - cpuStart;
        if (!imported || !imported->problems.empty()) {
            std::cerr << "renkei-bench import: workbook " << i % workbooks.size() + 1 << " did not import cleanly: "
                      << (imported ? imported->problems.front().code + " " + imported->problems.front().field
                                   : imported.status().toString())
                      << "\n";
            return 1;
        }
        // The package alone (unzip and SAX), without the fields and validation.
        const double readStart = threadCpuMs();
        auto read = xlsx_import::readWorkbook(workbook);
        const double readOnly = threadCpuMs() - readStart;
        if (!read) {
            std::cerr << "renkei-bench import: " << read.status().toString() << "\n";
            return 1;
        }
        if (i < warmup.value()) continue;
        wallMs.push_back(wall);
        cpuMs.push_back(cpu);
        readMs.push_back(readOnly);
    }
    double loadAverage = 0;
    if (std::FILE* load = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(load, "%lf", &loadAverage) != 1) loadAverage = 0;
        std::fclose(load);
    }
    Memory memory = readMemory("self");
    std::cout << "renkei-bench import: " << sheetId << ", " << n.value() << " imports of " << workbooks.size()
              << " rendered workbooks, after " << warmup.value() << " warm-up imports\n"
              << "  per workbook      median " << fixed(percentile(wallMs, 50), 2) << " ms   p95 "
              << fixed(percentile(wallMs, 95), 2) << " ms   max " << fixed(percentile(wallMs, 100), 2) << " ms\n"
              << "  CPU per workbook  median " << fixed(percentile(cpuMs, 50), 2) << " ms   p95 "
              << fixed(percentile(cpuMs, 95), 2) << " ms\n"
              << "    read only       median " << fixed(percentile(readMs, 50), 2) << " ms CPU (unzip + SAX)\n"
              << "  size              " << fixed(bytes / static_cast<double>(workbooks.size()) / 1024, 1)
              << " KiB per workbook\n"
              << "  memory            peak RSS " << fixed(memory.peakKb / 1024.0, 1) << " MiB (VmHWM)\n"
              << "  machine           " << std::thread::hardware_concurrency() << " cores, load average "
              << fixed(loadAverage, 2) << "\n";
    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "import");
    json->set("sheet", sheetId);
    json->set("n", n.value());
    json->set("workbooks", static_cast<int>(workbooks.size()));
    json->set("median_ms", percentile(wallMs, 50));
    json->set("p95_ms", percentile(wallMs, 95));
    json->set("cpu_median_ms", percentile(cpuMs, 50));
    json->set("cpu_p95_ms", percentile(cpuMs, 95));
    json->set("read_cpu_median_ms", percentile(readMs, 50));
    json->set("bytes_per_workbook", bytes / static_cast<double>(workbooks.size()));
    json->set("peak_rss_kb", memory.peakKb);
    json->set("load_average", loadAverage);
    printJsonLine(json);
    return 0;
}

}  // namespace bench
