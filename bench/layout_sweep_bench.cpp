// renkei-bench layout-sweep: what a page costs as a sheet grows (issue 22,
// item 3). The sheet's sample.json with its free text (every mtext field)
// made longer and longer, until the document has 1, 2, ... N pages (the 別紙
// continuation pages); for each page count the CPU time of validate + lay out
// + render, divided by the pages. Layout that is linear in the text keeps ms
// per page flat: the target is every count within ±P % of the median ms per
// page over all counts; the spread (max / min - 1) is reported as well.
// The sample's optional pages (a page printed only when a field has a value)
// are left out by default, so the sweep starts at the sheet's fewest pages.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <iostream>
#include <thread>

#include "form/validator.h"
#include "modes.h"
#include "payload_generator.h"
#include "render_setup.h"

namespace bench {
namespace {

// Free text as a care manager writes it: sentences with 、。「」, digits and
// a little ASCII, so line breaking meets its kinsoku rules throughout.
const char* const kSentences[] = {
    "退院後は長女宅の近くに戻り、日中は独居となるため見守りが必要。",
    "「また転ぶのが怖い」と本人が話しており、屋内の手すり設置を検討している。",
    "血糖は朝食前120〜140mg/dL程度で安定、インスリンは長女が確認する。",
    "入浴は週2回デイサービスで介助を受け、自宅ではシャワーのみとする。",
    "夜間のトイレ移動時にふらつきあり(2回/夜)、ポータブルトイレを併用。",
    "服薬カレンダーを使用し、訪問看護(週1回)で残薬を確認する予定です。",
    "リハビリはT字杖で屋内30m歩行可能、屋外は車いす介助が必要である。",
    "主治医より、転倒予防と体重管理(目標BMI 22)について指導を受けた。",
};

// The first `chars` characters (code points) of the free text.
std::string freeText(std::size_t chars) {
    std::string out;
    std::size_t count = 0;
    for (std::size_t i = 0; count < chars; ++i) {
        const std::string sentence = kSentences[i % (sizeof kSentences / sizeof kSentences[0])];
        for (std::size_t at = 0; at < sentence.size() && count < chars;) {
            std::size_t len = 1;
            while (at + len < sentence.size() && (static_cast<unsigned char>(sentence[at + len]) & 0xc0) == 0x80)
                ++len;
            out.append(sentence, at, len);
            at += len;
            ++count;
        }
    }
    return out;
}

struct Sweep {
    const app::DocumentService& documents;
    form::SheetTemplate sheet;  // a copy: free text may be longer than the sheet accepts
    Poco::JSON::Object::Ptr sample;
    std::vector<std::string> freeFields;  // the mtext fields, in declared order
    app::Format format = app::Format::Pdf;

    // The sample with `chars` characters of free text spread evenly over the
    // free-text fields. The sample's own free text is left out where the
    // sheet allows that (see emptyFreeText()), so 0 characters is the sheet
    // with as little free text as it accepts.
    Poco::JSON::Object::Ptr fields(std::size_t chars) const {
        Poco::JSON::Object::Ptr out = new Poco::JSON::Object(*sample);
        const std::size_t each = chars / freeFields.size();
        for (std::size_t i = 0; i < freeFields.size(); ++i) {
            const std::size_t n = each + (i < chars % freeFields.size() ? 1 : 0);
            if (n > 0) out->set(freeFields[i], freeText(n));
        }
        return out;
    }

    // Removes from the sample each free-text field it still validates
    // without (a field required only in some cases keeps its text); returns
    // how many it removed.
    std::size_t emptyFreeText() {
        std::size_t removed = 0;
        for (const std::string& key : freeFields) {
            if (!sample->has(key)) continue;
            Poco::JSON::Object::Ptr without = new Poco::JSON::Object(*sample);
            without->remove(key);
            if (!form::validateFields(sheet, without)) continue;
            sample = without;
            ++removed;
        }
        return removed;
    }

    struct Run {
        int pages = 0;
        double cpuMs = 0;
        double wallMs = 0;
    };
    common::Result<Run> render(std::size_t chars) const {
        Run run;
        const auto wallStart = std::chrono::steady_clock::now();
        const double cpuStart = threadCpuMs();
        auto data = form::validateFields(sheet, fields(chars));
        if (!data) return data.status();
        auto doc = documents.render(sheet, data.value(), format, "0123456789abcdef0123456789abcdef",
                                    "2025-12-12T10:00:00+09:00");
        if (!doc) return doc.status();
        run.cpuMs = threadCpuMs() - cpuStart;
        run.wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
        run.pages = doc->pageCount;
        return run;
    }
};

// The least free text (in characters) that gives at least `pages` pages,
// searched between lo (fewer pages) and hi (at least that many).
common::Result<std::size_t> charsFor(const Sweep& sweep, int pages, std::size_t lo, std::size_t hi) {
    while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        auto run = sweep.render(mid);
        if (!run) return run.status();
        (run->pages >= pages ? hi : lo) = mid;
    }
    return hi;
}

struct Row {
    int pages = 0;
    std::size_t chars = 0;
    double cpuMs = 0;   // median per document
    double wallMs = 0;  // median per document
    double cpuMsPerPage() const { return cpuMs / pages; }
};

}  // namespace

int runLayoutSweep(const Options& options) {
    const std::string sheetId = options.get("sheet", "discharge-liaison");
    const std::string formatName = options.get("format", "pdf");
    if (formatName != "pdf" && formatName != "xlsx") {
        std::cerr << "renkei-bench layout-sweep: --format is pdf or xlsx\n";
        return 2;
    }
    auto maxPages = options.integer("max-pages", 20, 1, 60);
    auto n = options.integer("n", 9, 1, 100000);
    auto warmup = options.integer("warmup", 3, 0, 100000);
    auto target = options.integer("target-pct", 20, 0, 1000);
    const bool keepOptional = options.has("keep-optional-pages");
    for (const auto* r : {&maxPages, &n, &warmup, &target}) {
        if (!*r) {
            std::cerr << "renkei-bench layout-sweep: " << r->status().message() << "\n";
            return 2;
        }
    }
    if (!options.positional.empty()) {
        std::cerr << "renkei-bench layout-sweep: unexpected argument " << options.positional.front() << "\n";
        return 2;
    }
    auto setup = makeRenderSetup(options);
    if (!setup) {
        std::cerr << "renkei-bench layout-sweep: " << setup.status().toString() << "\n";
        return 1;
    }
    const form::SheetTemplate* found = setup->templates->find(sheetId);
    if (!found) {
        std::cerr << "renkei-bench layout-sweep: no sheet " << sheetId << " in " << setup->settings.templatesDir << "\n";
        return 2;
    }
    auto sample = loadSampleFields(setup->settings.templatesDir, sheetId);
    if (!sample || sample.value().isNull()) {
        std::cerr << "renkei-bench layout-sweep: " << sheetId << " has no sample.json to start from\n";
        return 1;
    }
    Sweep sweep{*setup->documents, *found, sample.value(), {},
                formatName == "pdf" ? app::Format::Pdf : app::Format::Xlsx};
    // The fewest pages: without the fields that switch on an optional page
    // (the discharge sheet's 2枚目 prints only with a conference record), as
    // long as the sample still validates without them.
    std::vector<std::string> dropped;
    if (!keepOptional) {
        Poco::JSON::Object::Ptr shortest = new Poco::JSON::Object(*sweep.sample);
        for (const form::PageSpec& page : sweep.sheet.pages) {
            if (page.onlyWhen.empty() || !shortest->has(page.onlyWhen)) continue;
            shortest->remove(page.onlyWhen);
            dropped.push_back(page.onlyWhen);
        }
        if (!dropped.empty() && form::validateFields(sweep.sheet, shortest)) {
            sweep.sample = shortest;
        } else {
            dropped.clear();
        }
    }
    // Twenty pages need more free text than the sheet accepts (4,000
    // characters a field): this copy lifts the cap, since what is measured is
    // the layout of long text, not the validator's limit.
    std::size_t acceptedChars = 0;
    for (form::FieldSpec& f : sweep.sheet.fields) {
        if (f.type != form::FieldType::MText) continue;
        sweep.freeFields.push_back(f.key);
        acceptedChars += static_cast<std::size_t>(f.maxLength);
        f.maxLength = 10000000;
    }
    if (sweep.freeFields.empty()) {
        std::cerr << "renkei-bench layout-sweep: " << sheetId << " has no free-text (mtext) field\n";
        return 2;
    }
    std::size_t keptFree = 0;  // free-text fields that keep the sample's text at 0 characters
    for (const std::string& key : sweep.freeFields) keptFree += sweep.sample->has(key) ? 1 : 0;
    keptFree -= sweep.emptyFreeText();

    // The free text for each page count: the least that gives that many
    // pages. A count the layout jumps over is left out.
    std::vector<Row> rows;
    {
        auto shortest = sweep.render(0);
        if (!shortest) {
            std::cerr << "renkei-bench layout-sweep: " << shortest.status().toString() << "\n";
            return 1;
        }
        std::size_t lo = 0;
        std::size_t hi = 1024;
        for (int pages = shortest->pages; pages <= maxPages.value(); ++pages) {
            if (pages == shortest->pages) {
                rows.push_back({pages, 0, 0, 0});
                continue;
            }
            common::Result<Sweep::Run> run = sweep.render(hi);
            for (; run && run->pages < pages && hi < (std::size_t{1} << 26); run = sweep.render(hi)) {
                lo = hi;
                hi *= 2;
            }
            if (!run) {
                std::cerr << "renkei-bench layout-sweep: " << run.status().toString() << "\n";
                return 1;
            }
            auto chars = charsFor(sweep, pages, lo, hi);
            if (!chars) {
                std::cerr << "renkei-bench layout-sweep: " << chars.status().toString() << "\n";
                return 1;
            }
            auto exact = sweep.render(chars.value());
            if (!exact) {
                std::cerr << "renkei-bench layout-sweep: " << exact.status().toString() << "\n";
                return 1;
            }
            if (exact->pages == pages) rows.push_back({pages, chars.value(), 0, 0});
            lo = chars.value();
            hi = std::max(hi, lo + 1);
        }
    }

    if (rows.empty()) {
        std::cerr << "renkei-bench layout-sweep: " << sheetId << " has more pages than --max-pages "
                  << maxPages.value() << " without any added text\n";
        return 2;
    }
    // Timed: the counts in turn, n rounds, so a busy moment of the machine
    // falls on all counts alike rather than on one.
    std::vector<std::vector<double>> cpu(rows.size()), wall(rows.size());
    for (long long round = -warmup.value(); round < n.value(); ++round) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            auto run = sweep.render(rows[i].chars);
            if (!run) {
                std::cerr << "renkei-bench layout-sweep: " << run.status().toString() << "\n";
                return 1;
            }
            if (run->pages != rows[i].pages) {
                std::cerr << "renkei-bench layout-sweep: " << rows[i].chars << " characters gave " << run->pages
                          << " pages, then " << rows[i].pages << "\n";
                return 1;
            }
            if (round < 0) continue;
            cpu[i].push_back(run->cpuMs);
            wall[i].push_back(run->wallMs);
        }
    }
    std::vector<double> perPage;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].cpuMs = percentile(cpu[i], 50);
        rows[i].wallMs = percentile(wall[i], 50);
        perPage.push_back(rows[i].cpuMsPerPage());
    }
    const double lowest = *std::min_element(perPage.begin(), perPage.end());
    const double highest = *std::max_element(perPage.begin(), perPage.end());
    const double spread = lowest > 0 ? highest / lowest - 1 : 0;
    const double middle = percentile(perPage, 50);
    // The target: every count's ms per page within ±target % of the median.
    double worst = 0;  // the largest deviation from the median, as a fraction
    for (double v : perPage) {
        const double deviation = middle > 0 ? v / middle - 1 : 0;
        if (std::abs(deviation) > std::abs(worst)) worst = deviation;
    }
    const bool met = std::abs(worst) <= target.value() / 100.0 + 1e-12;
    // Whether the cost is linear in the text whatever the pages: the least
    // squares line CPU ms per document = fixed + perChar * characters, and the
    // largest distance of a count from it.
    double fixedMs = 0, perCharMs = 0, worstResidual = 0;
    if (rows.size() >= 2) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (const Row& r : rows) {
            const double x = static_cast<double>(r.chars);
            sx += x;
            sy += r.cpuMs;
            sxx += x * x;
            sxy += x * r.cpuMs;
        }
        const double count = static_cast<double>(rows.size());
        const double denominator = count * sxx - sx * sx;
        if (denominator > 0) {
            perCharMs = (count * sxy - sx * sy) / denominator;
            fixedMs = (sy - perCharMs * sx) / count;
        }
        for (const Row& r : rows) {
            const double fitted = fixedMs + perCharMs * static_cast<double>(r.chars);
            if (fitted > 0 && std::abs(r.cpuMs / fitted - 1) > std::abs(worstResidual)) worstResidual = r.cpuMs / fitted - 1;
        }
    }

    std::cout << "renkei-bench layout-sweep: " << sheetId << " as " << formatName << ", free text over "
              << sweep.freeFields.size() << " fields (the sheet accepts " << acceptedChars
              << " characters in all), median of " << n.value() << " runs per page count after " << warmup.value()
              << " warm-up rounds\n";
    if (!dropped.empty()) {
        std::cout << "  optional pages left out (sample without";
        for (const std::string& key : dropped) std::cout << " " << key;
        std::cout << "; --keep-optional-pages keeps them)\n";
    }
    if (keptFree > 0) {
        std::cout << "  " << keptFree << " free-text field(s) keep the sample's text at 0 characters (required there)\n";
    }
    std::cout
              << "  pages  characters  CPU ms/doc  wall ms/doc  CPU ms/page  vs median\n";
    for (const Row& r : rows) {
        const double deviation = middle > 0 ? (r.cpuMsPerPage() / middle - 1) * 100 : 0;
        std::cout << "  " << std::string(5 - std::min<std::size_t>(5, std::to_string(r.pages).size()), ' ')
                  << r.pages << "  " << std::string(10 - std::min<std::size_t>(10, std::to_string(r.chars).size()), ' ')
                  << r.chars << "  " << std::string(10 - std::min<std::size_t>(10, fixed(r.cpuMs, 2).size()), ' ')
                  << fixed(r.cpuMs, 2) << "  " << std::string(11 - std::min<std::size_t>(11, fixed(r.wallMs, 2).size()), ' ')
                  << fixed(r.wallMs, 2) << "  "
                  << std::string(11 - std::min<std::size_t>(11, fixed(r.cpuMsPerPage(), 3).size()), ' ')
                  << fixed(r.cpuMsPerPage(), 3) << "  " << (deviation >= 0 ? "+" : "") << fixed(deviation, 1) << " %"
                  << (r.chars > acceptedChars ? "   (more free text than the sheet accepts)" : "") << "\n";
    }
    std::cout << "  median            " << fixed(middle, 3) << " CPU ms per page; largest deviation "
              << (worst >= 0 ? "+" : "") << fixed(worst * 100, 1) << " %; target every count within ±"
              << target.value() << " % of the median: " << (met ? "met" : "NOT met") << "\n"
              << "  spread            " << fixed(spread * 100, 1) << " % (max/min - 1 of CPU ms per page, "
              << fixed(lowest, 3) << " to " << fixed(highest, 3) << " ms)\n"
              << "  linear fit        CPU ms per document = " << fixed(fixedMs, 3) << " + "
              << fixed(perCharMs * 1000, 4) << " us x characters; largest distance from it "
              << (worstResidual >= 0 ? "+" : "") << fixed(worstResidual * 100, 1) << " %\n"
              << "  machine           " << std::thread::hardware_concurrency()
              << " cores; CPU time of the rendering thread, so other load on the machine matters less\n";

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "layout-sweep");
    json->set("sheet", sheetId);
    json->set("format", formatName);
    json->set("n", n.value());
    Poco::JSON::Array::Ptr counts = new Poco::JSON::Array;
    for (const Row& r : rows) {
        Poco::JSON::Object::Ptr row = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        row->set("pages", r.pages);
        row->set("chars", static_cast<long long>(r.chars));
        row->set("cpu_ms", r.cpuMs);
        row->set("wall_ms", r.wallMs);
        row->set("cpu_ms_per_page", r.cpuMsPerPage());
        row->set("deviation", middle > 0 ? r.cpuMsPerPage() / middle - 1 : 0);
        row->set("within_sheet_limits", r.chars <= acceptedChars);
        counts->add(row);
    }
    Poco::JSON::Array::Ptr left = new Poco::JSON::Array;
    for (const std::string& key : dropped) left->add(key);
    json->set("optional_fields_dropped", left);
    json->set("free_fields_kept", static_cast<long long>(keptFree));
    json->set("counts", counts);
    json->set("median_ms_per_page", middle);
    json->set("max_deviation", worst);
    json->set("min_ms_per_page", lowest);
    json->set("max_ms_per_page", highest);
    json->set("spread", spread);
    json->set("fit_fixed_ms", fixedMs);
    json->set("fit_us_per_char", perCharMs * 1000);
    json->set("fit_max_residual", worstResidual);
    json->set("target", target.value() / 100.0);
    json->set("target_met", met);
    printJsonLine(json);
    return 0;
}

}  // namespace bench
