#include "ops/metrics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace ops {
namespace {

bool validName(const std::string& name, bool label) {
    if (name.empty()) return false;
    if (label && name.rfind("__", 0) == 0) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

void checkName(const std::string& name, bool label) {
    if (!validName(name, label))
        throw std::logic_error(std::string("bad metric ") + (label ? "label " : "") + "name: " + name);
}

// Label values escape backslash, double quote and line feed; help texts
// backslash and line feed.
std::string escaped(const std::string& s, bool quotes) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && quotes) out += "\\\"";
        else out += c;
    }
    return out;
}

void addTo(std::atomic<double>& target, double by) {
    double current = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
}

long long nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    return buf;
}

void Exposition::family(const std::string& name, const std::string& help, const std::string& type) {
    checkName(name, false);
    if (type != "counter" && type != "gauge" && type != "histogram")
        throw std::logic_error("unknown metric type " + type);
    text_ += "# HELP " + name + " " + escaped(help, false) + "\n";
    text_ += "# TYPE " + name + " " + type + "\n";
}

void Exposition::sample(const std::string& name, const Labels& labels, double value) {
    checkName(name, false);
    text_ += name;
    if (!labels.empty()) {
        text_ += "{";
        for (size_t i = 0; i < labels.size(); ++i) {
            checkName(labels[i].first, true);
            if (i > 0) text_ += ",";
            text_ += labels[i].first + "=\"" + escaped(labels[i].second, true) + "\"";
        }
        text_ += "}";
    }
    text_ += " " + formatValue(value) + "\n";
}

void Counter::inc(double by) {
    if (!(by >= 0)) throw std::logic_error("a counter only goes up");
    addTo(value_, by);
}

void Gauge::add(double by) { addTo(value_, by); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<unsigned long long>[bounds_.size() + 1]) {
    for (size_t i = 0; i < bounds_.size(); ++i)
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
            throw std::logic_error("histogram bounds must be finite and strictly increasing");
    for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
    const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    // The sum first: a snapshot reads the buckets first, so it never sees an
    // observation in the sum that is missing from the buckets' count.
    addTo(sum_, value);
    counts_[bucket].fetch_add(1, std::memory_order_release);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.bounds = bounds_;
    unsigned long long running = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        running += counts_[i].load(std::memory_order_acquire);
        s.cumulative.push_back(running);
    }
    s.count = running;
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

std::vector<double> latencyBuckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> labelNames)
    : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)) {
    checkName(name_, false);
    for (const auto& l : labelNames_) checkName(l, true);
}

Labels FamilyBase::labelsFor(const std::vector<std::string>& values) const {
    Labels out;
    for (size_t i = 0; i < labelNames_.size(); ++i) out.emplace_back(labelNames_[i], values[i]);
    return out;
}

template <typename T>
T& Family<T>::labels(const std::vector<std::string>& values) {
    if (values.size() != labelNames_.size())
        throw std::logic_error(name_ + ": " + std::to_string(labelNames_.size()) + " label values expected");
    std::lock_guard<std::mutex> lock(mutex_);
    auto& child = children_[values];
    if (!child) child = make_();
    return *child;
}

template <>
void Family<Counter>::write(Exposition& out) const {
    out.family(name_, help_, "counter");
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [values, child] : children_) out.sample(name_, labelsFor(values), child->value());
}

template <>
void Family<Gauge>::write(Exposition& out) const {
    out.family(name_, help_, "gauge");
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [values, child] : children_) out.sample(name_, labelsFor(values), child->value());
}

template <>
void Family<Histogram>::write(Exposition& out) const {
    out.family(name_, help_, "histogram");
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [values, child] : children_) {
        const Histogram::Snapshot s = child->snapshot();
        const Labels labels = labelsFor(values);
        for (size_t i = 0; i <= s.bounds.size(); ++i) {
            Labels withLe = labels;
            withLe.emplace_back("le", i < s.bounds.size() ? formatValue(s.bounds[i]) : "+Inf");
            out.sample(name_ + "_bucket", withLe, static_cast<double>(s.cumulative[i]));
        }
        out.sample(name_ + "_sum", labels, s.sum);
        out.sample(name_ + "_count", labels, static_cast<double>(s.count));
    }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename F>
F& Registry::add(std::unique_ptr<F> family) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : families_)
        if (f->name() == family->name()) throw std::logic_error("metric registered twice: " + family->name());
    F& ref = *family;
    families_.push_back(std::move(family));
    return ref;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0)
        throw std::logic_error("a counter's name ends in _total: " + name);
    return add(std::make_unique<CounterFamily>(name, help, std::move(labelNames)));
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
    return add(std::make_unique<GaugeFamily>(name, help, std::move(labelNames)));
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labelNames, std::vector<double> bounds) {
    for (const auto& l : labelNames)
        if (l == "le") throw std::logic_error(name + ": a histogram cannot have a label named le");
    Histogram check(bounds);  // bad bounds fail here, not at the first observation
    return add(std::make_unique<HistogramFamily>(name, help, std::move(labelNames), std::move(bounds)));
}

void Registry::write(Exposition& out) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : families_) f->write(out);
}

Registry& processMetrics() {
    static Registry registry;
    return registry;
}

ServiceMetrics& serviceMetrics() {
    static ServiceMetrics metrics = [] {
        Registry& r = processMetrics();
        ServiceMetrics m{
            r.counter("renkei_job_submissions_total", "Job submissions (POST /api/v1/jobs) by sheet, channel and HTTP status code.",
                      {"sheet", "channel", "code"}),
            r.histogram("renkei_render_duration_seconds", "Time to render one document, waiting for a render turn included.",
                        {"sheet", "format"}, latencyBuckets()),
            r.histogram("renkei_store_commit_duration_seconds", "Time of one write transaction of the job store, BEGIN to COMMIT.",
                        {}, latencyBuckets()),
            r.histogram("renkei_store_sync_duration_seconds",
                        "Time a durable write waits for the job store's log to reach the disk (a shared sync included).",
                        {}, latencyBuckets()),
            r.counter("renkei_delivery_results_total",
                      "Jobs reported sent or failed by the fax gateway, the print consumer or CUPS, by channel and result.",
                      {"channel", "result"}),
            r.counter("renkei_inbound_files_total", "Received fax files handled, re-delivered copies included."),
            r.counter("renkei_inbound_files_failed_total",
                      "Received fax files that could not be read at all (too large, not a PDF or TIFF, malformed)."),
            r.counter("renkei_inbound_pages_total",
                      "Received fax pages attached to the job their code names (matched) or put in the inbox.",
                      {"result"}),
            r.histogram("renkei_inbound_file_duration_seconds",
                        "Time to read, match and record one received fax file.", {}, latencyBuckets()),
        };
        m.inboundFiles.labels({});
        m.inboundFilesFailed.labels({});
        m.inboundPages.labels({"matched"});
        m.inboundPages.labels({"inbox"});
        m.inboundFileSeconds.labels({});
        // Unlabelled histograms show their zero buckets from the first scrape.
        m.storeCommitSeconds.labels({});
        m.storeSyncSeconds.labels({});
        return m;
    }();
    return metrics;
}

Timer::Timer(Histogram& into) : into_(&into), startNs_(nowNs()) {}

void Timer::done() {
    if (!into_) return;
    into_->observe(static_cast<double>(nowNs() - startNs_) / 1e9);
    into_ = nullptr;
}

}  // namespace ops
