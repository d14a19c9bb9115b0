#include "common/status.h"

#include <cerrno>

namespace common {

std::string Status::codeName() const {
    switch (code_) {
    case Code::Ok: return "ok";
    case Code::InvalidArgument: return "invalid_argument";
    case Code::NotFound: return "not_found";
    case Code::Conflict: return "conflict";
    case Code::Unavailable: return "unavailable";
    case Code::TooLarge: return "too_large";
    case Code::IOError: return "io_error";
    case Code::StorageFull: return "storage_full";
    case Code::Internal: return "internal";
    }
    return "internal";
}

Status Status::fromErrno(int err, std::string msg) {
    if (err == ENOSPC || err == EDQUOT) return storageFull(std::move(msg));
    return ioError(std::move(msg));
}

std::string Status::toString() const {
    if (isOk()) return "OK";
    return (reason_.empty() ? codeName() : reason_) + ": " + message_;
}

}  // namespace common
