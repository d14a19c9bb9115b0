// Metrics: counters, gauges and histograms with fixed buckets, and their
// Prometheus text exposition (version 0.0.4). A Registry holds families of
// one kind each; a family holds one child per set of label values. Updating
// a child is a few atomic operations; finding a child by its label values
// takes the family's mutex briefly, so a hot path may keep the reference
// (children live as long as their registry). Everything is thread-safe.
//
// The process-wide registry (processMetrics()) carries what the service
// counts as it works (ServiceMetrics below). Values that are read from the
// service when scraped (jobs by state, queue depths) are written straight
// into an Exposition by the /metrics handler (ops/service_metrics.h).
// Label values must come from small fixed sets (sheet ids, channels, status
// codes), never from request data, or the number of series grows unbounded.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ops {

using Labels = std::vector<std::pair<std::string, std::string>>;  // name, value

// Writes the text format: one "# HELP"/"# TYPE" header per family, then its
// samples. Names are checked ([a-zA-Z_:][a-zA-Z0-9_:]*, label names without
// ':' and not starting with "__"): a bad one is a logic_error. Label values
// and help texts are escaped as the format requires. Not thread-safe: one
// writer per scrape.
class Exposition {
public:
    // type: "counter", "gauge" or "histogram".
    void family(const std::string& name, const std::string& help, const std::string& type);
    // One sample of the current family; name is the family's name or, for a
    // histogram, its name with _bucket, _sum or _count.
    void sample(const std::string& name, const Labels& labels, double value);
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

// Shortest decimal that reads back as the same double; "+Inf", "-Inf", "NaN".
std::string formatValue(double value);

class Counter {
public:
    // Adds by (>= 0; a negative amount is a logic_error: counters only go up).
    void inc(double by = 1.0);
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Gauge {
public:
    void set(double value) { value_.store(value, std::memory_order_relaxed); }
    void add(double by);
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Histogram {
public:
    // bounds: the buckets' upper bounds, strictly increasing and finite; the
    // +Inf bucket is implicit. A bad list is a logic_error.
    explicit Histogram(std::vector<double> bounds);
    // Counts value in the first bucket whose bound is >= value.
    void observe(double value);

    struct Snapshot {
        std::vector<double> bounds;
        std::vector<unsigned long long> cumulative;  // per bound, then +Inf
        double sum = 0;
        unsigned long long count = 0;  // == cumulative.back()
    };
    // The counts at one moment; observations made meanwhile may be in the
    // buckets but not yet in the sum, never the other way round.
    Snapshot snapshot() const;

private:
    const std::vector<double> bounds_;
    std::unique_ptr<std::atomic<unsigned long long>[]> counts_;  // bounds_.size() + 1, not cumulative
    std::atomic<double> sum_{0.0};
};

// Bucket bounds in seconds for durations from 1 ms to 30 s.
std::vector<double> latencyBuckets();

class FamilyBase {
public:
    FamilyBase(std::string name, std::string help, std::vector<std::string> labelNames);
    virtual ~FamilyBase() = default;
    FamilyBase(const FamilyBase&) = delete;
    FamilyBase& operator=(const FamilyBase&) = delete;
    const std::string& name() const { return name_; }
    virtual void write(Exposition& out) const = 0;

protected:
    Labels labelsFor(const std::vector<std::string>& values) const;
    const std::string name_;
    const std::string help_;
    const std::vector<std::string> labelNames_;
};

// The children of one metric, by label values (in the order of labelNames).
template <typename T>
class Family : public FamilyBase {
public:
    template <typename... Args>
    Family(std::string name, std::string help, std::vector<std::string> labelNames, Args... childArgs)
        : FamilyBase(std::move(name), std::move(help), std::move(labelNames)),
          make_([childArgs...] { return std::make_unique<T>(childArgs...); }) {}

    // The child for these label values, made on first use. As many values as
    // label names, else a logic_error. The reference stays valid.
    T& labels(const std::vector<std::string>& values);
    void write(Exposition& out) const override;

private:
    std::function<std::unique_ptr<T>()> make_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<T>> children_;  // guarded by mutex_
};

template <>
void Family<Counter>::write(Exposition& out) const;
template <>
void Family<Gauge>::write(Exposition& out) const;
template <>
void Family<Histogram>::write(Exposition& out) const;
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Registers a family; a second family with the same name is a logic_error.
    // A counter's name must end in _total. The family lives as long as the registry.
    CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
    GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
    HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                               std::vector<double> bounds);

    // Every family in the order registered.
    void write(Exposition& out) const;

private:
    template <typename F>
    F& add(std::unique_ptr<F> family);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<FamilyBase>> families_;  // guarded by mutex_
};

// What the service counts as it works, in the process-wide registry.
struct ServiceMetrics {
    // renkei_job_submissions_total{sheet,channel,code}: POST /api/v1/jobs by
    // sheet ("unknown" when the request named none the server knows),
    // channel (print, fax, unknown) and HTTP status code.
    CounterFamily& submissions;
    // renkei_render_duration_seconds{sheet,format}: one rendering (pdf, xlsx,
    // fax_pdf), waiting for a turn included.
    HistogramFamily& renderSeconds;
    // renkei_store_commit_duration_seconds: a write transaction of the job
    // store, from BEGIN to COMMIT.
    HistogramFamily& storeCommitSeconds;
    // renkei_store_sync_duration_seconds: a caller's wait for the log to be
    // on disk (GroupCommitLog::sync), sharing a sync included.
    HistogramFamily& storeSyncSeconds;
    // renkei_delivery_results_total{channel,result}: jobs the fax gateway,
    // the print consumer or CUPS reported sent or failed.
    CounterFamily& deliveryResults;
    // renkei_inbound_files_total: received fax files handled (issue 18),
    // re-delivered copies included; renkei_inbound_files_failed_total: those
    // that could not be read at all (too large, not a PDF or TIFF, malformed).
    CounterFamily& inboundFiles;
    CounterFamily& inboundFilesFailed;
    // renkei_inbound_pages_total{result}: received pages attached to the job
    // their code names (matched) or put in the inbox (inbox).
    CounterFamily& inboundPages;
    // renkei_inbound_file_duration_seconds: reading, matching and recording one received file.
    HistogramFamily& inboundFileSeconds;
};

Registry& processMetrics();
ServiceMetrics& serviceMetrics();

// Measures the time from construction to destruction (or done()) in
// seconds, into a histogram child.
class Timer {
public:
    explicit Timer(Histogram& into);
    ~Timer() { done(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    // Observes now; later calls and the destructor do nothing.
    void done();

private:
    Histogram* into_;
    long long startNs_;
};

}  // namespace ops
