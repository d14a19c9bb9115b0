#include "ops/gateway_backlog.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ops {

common::Result<GatewayBacklog> gatewayBacklog(const common::FileSystem& fs, const std::string& newDir,
                                              Poco::Timestamp now) {
    auto names = fs.listDir(newDir);
    if (!names) return names.status();
    GatewayBacklog out;
    const double nowSeconds = static_cast<double>(now.epochMicroseconds()) / 1e6;
    for (const std::string& name : names.value()) {
        // The control file is written last: a PDF alone is a job still arriving.
        if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
        struct stat st {};
        if (::stat((newDir + "/" + name).c_str(), &st) != 0) {
            const int err = errno;
            if (err == ENOENT) continue;  // the gateway took it meanwhile
            return common::Status::ioError("fax gateway backlog: " + newDir + "/" + name + ": " + std::strerror(err));
        }
        const double arrived = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
        ++out.waiting;
        out.oldestAgeSeconds = std::max(out.oldestAgeSeconds, std::max(0.0, nowSeconds - arrived));
    }
    return out;
}

}  // namespace ops
