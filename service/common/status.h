// Status and Result<T>: how every module reports an expected failure. Both
// are [[nodiscard]]: a failure is handled, or dropped with ignoreStatus().
// A Status is a code plus a message; OK carries no allocation. A Status may
// also carry field problems (validation) so the HTTP layer can list them all.
// Values are plain data and safe to copy between threads.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace common {

// One problem with one input field: a JSON path ("fields.pt_name"), a stable
// English code ("required") and a Japanese message for the care worker.
struct FieldError {
    std::string field;
    std::string code;
    std::string message;
};

class [[nodiscard]] Status {
public:
    // StorageFull: a write failed because the disk or the user's quota is full
    // (ENOSPC, EDQUOT, SQLITE_FULL). Unlike IOError it heals once space is
    // freed, so the HTTP layer answers 503 with Retry-After.
    enum class Code { Ok, InvalidArgument, NotFound, Conflict, Unavailable, TooLarge, IOError, StorageFull, Internal };

    Status() = default;
    static Status ok() { return Status(); }
    static Status invalidArgument(std::string msg, std::vector<FieldError> errors = {}) {
        return Status(Code::InvalidArgument, std::move(msg), std::move(errors));
    }
    static Status notFound(std::string msg) { return Status(Code::NotFound, std::move(msg)); }
    static Status conflict(std::string msg) { return Status(Code::Conflict, std::move(msg)); }
    // A conflict that says which one it is: `reason` is a stable English code
    // ("duplicate_submission", "not_cancellable") that the HTTP answer uses
    // instead of "conflict", and `jobId` the caller's own job it concerns
    // (empty when there is none or it is not the caller's to see).
    static Status conflict(std::string msg, std::string reason, std::string jobId = "") {
        Status s(Code::Conflict, std::move(msg));
        s.reason_ = std::move(reason);
        s.jobId_ = std::move(jobId);
        return s;
    }
    static Status unavailable(std::string msg) { return Status(Code::Unavailable, std::move(msg)); }
    static Status tooLarge(std::string msg) { return Status(Code::TooLarge, std::move(msg)); }
    static Status ioError(std::string msg) { return Status(Code::IOError, std::move(msg)); }
    static Status storageFull(std::string msg) { return Status(Code::StorageFull, std::move(msg)); }
    // IOError, or StorageFull when err (an errno value) is ENOSPC or EDQUOT.
    static Status fromErrno(int err, std::string msg);
    static Status internal(std::string msg) { return Status(Code::Internal, std::move(msg)); }

    bool isOk() const { return code_ == Code::Ok; }
    explicit operator bool() const { return isOk(); }
    Code code() const { return code_; }
    const std::string& message() const { return message_; }
    const std::vector<FieldError>& fieldErrors() const { return fieldErrors_; }
    // The specific stable code, when the maker gave one (see conflict()).
    const std::string& reason() const { return reason_; }
    const std::string& jobId() const { return jobId_; }
    // Stable English name of the code, e.g. "invalid_argument".
    std::string codeName() const;
    std::string toString() const;

private:
    Status(Code code, std::string msg, std::vector<FieldError> errors = {})
        : code_(code), message_(std::move(msg)), fieldErrors_(std::move(errors)) {}

    Code code_ = Code::Ok;
    std::string message_;
    std::vector<FieldError> fieldErrors_;
    std::string reason_;
    std::string jobId_;
};

// Either a value or a non-OK Status. Like Status, a Result must be looked at:
// drop one only through ignoreStatus() below.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::move(value)) {}
    Result(Status status) : data_(std::move(status)) {
        if (std::get<Status>(data_).isOk()) throw std::logic_error("Result built from an OK status");
    }

    bool isOk() const { return std::holds_alternative<T>(data_); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const {
        static const Status kOk;
        return isOk() ? kOk : std::get<Status>(data_);
    }
    T& value() & { return checked(); }
    const T& value() const& { return const_cast<Result*>(this)->checked(); }
    T&& value() && { return std::move(checked()); }
    T* operator->() { return &checked(); }
    const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
    T& operator*() { return checked(); }

private:
    T& checked() {
        if (!isOk()) throw std::logic_error("Result::value on error: " + std::get<Status>(data_).toString());
        return std::get<T>(data_);
    }
    std::variant<T, Status> data_;
};

// Drops a Status or a Result on purpose. Status and Result are [[nodiscard]],
// so each dropped one says here why nothing is lost by it, e.g.
//   ignoreStatus(fs.remove(tmp), "a leftover temp file is removed by prepare() at the next start");
// Costs nothing at run time.
inline void ignoreStatus(const Status&, const char* why) { (void)why; }
template <typename T>
void ignoreStatus(const Result<T>&, const char* why) {
    (void)why;
}

}  // namespace common
