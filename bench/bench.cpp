// renkei-bench: the performance benchmark of the document server (issue 7).
//   renkei-bench render --sheet ID --format pdf|xlsx --n N PAYLOADS.jsonl
//   renkei-bench http --url URL --connections C --seconds S PAYLOADS.jsonl
//   renkei-bench layout-sweep [--sheet ID] [--max-pages N]
//   renkei-bench hostile --url URL [--passes P] [--connections C]
//   renkei-bench generate --sheet ID --n N > PAYLOADS.jsonl
// bench/README.md explains the figures. Not part of the test suite.
#include <Poco/JSON/Stringifier.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "config/settings.h"
#include "form/sheet_template.h"
#include "modes.h"
#include "payload_generator.h"

namespace bench {

int runGenerate(const Options& options) {
    if (!options.has("sheet") || !options.has("n")) {
        std::cerr << "renkei-bench generate: --sheet and --n are required\n";
        return 2;
    }
    auto n = options.integer("n", 0, 1, 10000000);
    auto seed = options.integer("seed", 1, 0, 1LL << 62);
    if (!n || !seed) {
        std::cerr << "renkei-bench generate: " << (!n ? n.status() : seed.status()).message() << "\n";
        return 2;
    }
    std::string templatesDir = options.get("templates", config::Settings().templatesDir);
    const std::string sheetId = options.get("sheet");
    // One template, not the whole registry: a sheet being edited next door
    // does not stop payloads for this one.
    auto sheet = form::loadTemplate(templatesDir + "/" + sheetId + "/template.json");
    if (!sheet) {
        std::cerr << "renkei-bench generate: " << sheet.status().toString() << "\n";
        return 1;
    }
    auto sample = loadSampleFields(templatesDir, sheetId);
    if (!sample) {
        std::cerr << "renkei-bench generate: " << sample.status().toString() << "\n";
        return 1;
    }
    PayloadGenerator generator(sheet.value(), sample.value());
    std::ofstream file;
    if (options.has("out")) {
        file.open(options.get("out"), std::ios::trunc);
        if (!file) {
            std::cerr << "renkei-bench generate: cannot write " << options.get("out") << "\n";
            return 1;
        }
    }
    std::ostream& out = options.has("out") ? file : std::cout;
    for (long long i = 0; i < n.value(); ++i) {
        auto fields = generator.generate(static_cast<std::uint64_t>(seed.value()), i);
        if (!fields) {
            std::cerr << "renkei-bench generate: " << fields.status().message() << "\n";
            return 1;
        }
        Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        line->set("sheet", sheetId);
        line->set("fields", fields.value());
        Poco::JSON::Stringifier::condense(line, out);
        out << '\n';
    }
    out.flush();
    return out ? 0 : 1;
}

}  // namespace bench

namespace {

int usage() {
    std::cerr << "usage: renkei-bench render --sheet ID --format pdf|xlsx --n N [--warmup W] [--threads T]\n"
                 "                           [--config FILE] [--templates DIR] [--tmp DIR] [--save FILE] PAYLOADS.jsonl\n"
                 "       renkei-bench http --url http://127.0.0.1:PORT --connections C --seconds S [--max-jobs J]\n"
                 "                         [--sheet ID] [--server-pid PID] [--timeout-ms MS] [--token T] PAYLOADS.jsonl\n"
                 "       renkei-bench layout-sweep [--sheet ID] [--max-pages N] [--n N] [--warmup W] [--format pdf|xlsx]\n"
                 "                                 [--target-pct P] [--keep-optional-pages] [--config FILE] [--templates DIR]\n"
                 "       renkei-bench hostile --url http://127.0.0.1:PORT [--passes P] [--connections C] [--requests N]\n"
                 "                            [--seed S] [--server-pid PID] [--sheet ID] [--templates DIR] [--token T]\n"
                 "                            [--timeout-ms MS] [--settle-ms MS] [--growth-target-mb M]\n"
                 "       renkei-bench compare --url http://127.0.0.1:PORT [--connections C] [--seconds S] [--rounds R]\n"
                 "                            [--threads T] [--sheet ID] [--config FILE] [--templates DIR] [--token T]\n"
                 "                            PAYLOADS.jsonl\n"
                 "       renkei-bench generate --sheet ID --n N [--seed S] [--templates DIR] [--out FILE]\n"
                 "See bench/README.md.\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    auto options = bench::parseOptions(argc, argv, 2, {"require-deadline", "keep-optional-pages"});
    if (!options) {
        std::cerr << "renkei-bench: " << options.status().message() << "\n";
        return usage();
    }
    try {
        if (std::strcmp(argv[1], "render") == 0) return bench::runRender(options.value());
        if (std::strcmp(argv[1], "http") == 0) return bench::runHttp(options.value());
        if (std::strcmp(argv[1], "layout-sweep") == 0) return bench::runLayoutSweep(options.value());
        if (std::strcmp(argv[1], "hostile") == 0) return bench::runHostile(options.value());
        if (std::strcmp(argv[1], "compare") == 0) return bench::runCompare(options.value());
        if (std::strcmp(argv[1], "generate") == 0) return bench::runGenerate(options.value());
    } catch (const std::exception& e) {
        std::cerr << "renkei-bench: " << e.what() << "\n";
        return 1;
    }
    return usage();
}
