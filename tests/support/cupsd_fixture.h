// CupsdFixture: a private cupsd with one cups-pdf printer, for tests that
// print through real CUPS. Everything lives in a fresh /tmp/renkei-cupsd-*
// folder (config, spool, logs, socket, printed PDFs); the system's cupsd and
// its config are never touched. The one file outside that folder is
// cups-pdf's per-instance config /etc/cups/cups-pdf-<instance>.conf, which
// cups-pdf only reads from there; it is removed with the fixture. A run
// killed outright takes its cupsd down with it, and the next fixture removes
// the folder and config it left.
// Needs root (cupsd runs backends as root, cups-pdf insists on it) and the
// packages from scripts/install-deps. Test-only; use from one thread.
#pragma once

#include <string>
#include <sys/types.h>

namespace testing_support {

class CupsdFixture {
public:
    // Starts cupsd and adds the printer; waits until both answer. On return
    // either ready() or skipReason() or failure() says what happened.
    CupsdFixture();
    // Stops cupsd (SIGTERM to its process group, SIGKILL after 5 s) and
    // removes the folder and the cups-pdf instance config.
    ~CupsdFixture();
    CupsdFixture(const CupsdFixture&) = delete;
    CupsdFixture& operator=(const CupsdFixture&) = delete;

    bool ready() const { return failure_.empty() && skipReason_.empty(); }
    // Non-empty when this machine cannot run cupsd at all (not root, packages
    // missing) and the test should be skipped. Never set when $CI is set:
    // there the same conditions are a failure().
    const std::string& skipReason() const { return skipReason_; }
    // Non-empty when cupsd should have started but did not; includes the tail
    // of cupsd's error log.
    const std::string& failure() const { return failure_; }

    // The domain socket cupsd listens on: pass it as CupsPrinter's server.
    std::string server() const { return dir_ + "/run/cups.sock"; }
    // The cups-pdf queue, "renkei-test".
    std::string queue() const { return "renkei-test"; }
    // Where cups-pdf writes the printed PDFs: <title>.pdf, from the job title.
    std::string outputDir() const { return dir_ + "/out"; }
    // cupsd's error log and cups-pdf's log, for a failing test to print.
    std::string logs() const;

private:
    bool start();
    void stop();

    std::string dir_;
    std::string instance_;     // cups-pdf instance name, also in the device URI
    std::string instanceConf_;  // /etc/cups/cups-pdf-<instance>.conf
    pid_t pid_ = -1;
    std::string skipReason_;
    std::string failure_;
};

}  // namespace testing_support
