#include "cupsd_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;

namespace testing_support {

namespace {

constexpr const char* kCupsd = "/usr/sbin/cupsd";
constexpr const char* kLpadmin = "/usr/sbin/lpadmin";
constexpr const char* kLpstat = "/usr/bin/lpstat";
constexpr const char* kCupsPdfBackend = "/usr/lib/cups/backend/cups-pdf";
// The name cups-driverd gives /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd
// (printer-driver-cups-pdf 3.0.1, Debian 12), as `lpinfo -m` lists it.
constexpr const char* kCupsPdfPpd = "lsb/usr/cups-pdf/CUPS-PDF_noopt.ppd";
constexpr const char* kCupsPdfConfigDir = "/etc/cups";  // compiled into cups-pdf; no other place works
constexpr const char* kInstancePrefix = "renkei-test-";
constexpr const char* kDirPrefix = "renkei-cupsd-";  // under /tmp
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

std::string tail(const std::string& path, std::size_t maxChars = 4000) {
    std::ifstream in(path);
    if (!in) return "";
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > maxChars) text = "..." + text.substr(text.size() - maxChars);
    return "--- " + path + "\n" + text + "\n";
}

// A test killed outright (ctest's timeout, SIGKILL) never runs stop(): its
// cupsd goes down with it (PR_SET_PDEATHSIG) but its folder and cups-pdf
// instance config stay. Remove those whose owning test process is gone; a
// folder younger than a minute may still be starting, so leave it.
void removeLeftoversOfDeadRuns() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(kDirPrefix, 0) != 0) continue;
        auto age = fs::file_time_type::clock::now() - fs::last_write_time(entry.path(), ec);
        if (ec || age < std::chrono::minutes(1)) continue;
        std::ifstream owner(entry.path() / "owner.pid");
        pid_t pid = 0;
        if (owner >> pid && pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) continue;
        fs::remove_all(entry.path(), ec);
    }
    for (const auto& entry : fs::directory_iterator(kCupsPdfConfigDir, ec)) {
        std::string name = entry.path().filename().string();
        std::string prefix = std::string("cups-pdf-") + kInstancePrefix;
        if (name.rfind(prefix, 0) != 0 || name.size() <= prefix.size() + 5) continue;
        std::string suffix = name.substr(prefix.size(), name.size() - prefix.size() - 5);
        if (!fs::exists(std::string("/tmp/") + kDirPrefix + suffix, ec)) fs::remove(entry.path(), ec);
    }
}

// Only the admin operations need a user; root on the domain socket passes by
// its peer credentials. The socket sits in a root-only folder, so no other
// local user can reach this cupsd at all.
std::string cupsdConf(const std::string& dir) {
    return "LogLevel warn\n"
           "MaxLogSize 0\n"
           "Listen " + dir + "/run/cups.sock\n"
           "Browsing No\n"
           "BrowseLocalProtocols none\n"
           "DefaultShared No\n"
           "WebInterface No\n"
           // A failing filter or backend ends the job at once instead of
           // retrying or stopping the queue, so a broken test fails fast.
           "ErrorPolicy abort-job\n"
           "PreserveJobHistory Yes\n"
           "<Location />\n  Order allow,deny\n  Allow localhost\n</Location>\n"
           "<Location /admin>\n  Order allow,deny\n  Allow localhost\n</Location>\n"
           "<Policy default>\n"
           "  JobPrivateAccess default\n  JobPrivateValues default\n"
           "  SubscriptionPrivateAccess default\n  SubscriptionPrivateValues default\n"
           "  <Limit Create-Job Print-Job Print-URI Validate-Job>\n    Order deny,allow\n  </Limit>\n"
           "  <Limit Send-Document Send-URI Hold-Job Release-Job Restart-Job Purge-Jobs Set-Job-Attributes"
           " Create-Job-Subscription Renew-Subscription Cancel-Subscription Get-Notifications Reprocess-Job"
           " Cancel-Current-Job Suspend-Current-Job Resume-Job Cancel-My-Jobs Close-Job CUPS-Move-Job"
           " CUPS-Get-Document Cancel-Job CUPS-Authenticate-Job>\n"
           "    Require user @OWNER @SYSTEM\n    Order deny,allow\n  </Limit>\n"
           "  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class"
           " CUPS-Set-Default CUPS-Get-Devices Pause-Printer Resume-Printer Enable-Printer Disable-Printer"
           " Pause-Printer-After-Current-Job Hold-New-Jobs Release-Held-New-Jobs Deactivate-Printer"
           " Activate-Printer Restart-Printer Shutdown-Printer Startup-Printer Promote-Job"
           " Schedule-Job-After Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>\n"
           "    AuthType Default\n    Require user @SYSTEM\n    Order deny,allow\n  </Limit>\n"
           "  <Limit All>\n    Order deny,allow\n  </Limit>\n"
           "</Policy>\n";
}

// Everything cupsd writes goes under dir; only the programs and data it runs
// (filters, backends, cups-driverd, mime types) come from the system.
std::string cupsFilesConf(const std::string& dir) {
    return "ServerRoot " + dir + "\n"
           "ServerBin /usr/lib/cups\n"
           "DataDir /usr/share/cups\n"
           "DocumentRoot /usr/share/cups/doc-root\n"
           "CacheDir " + dir + "/cache\n"
           "StateDir " + dir + "/state\n"
           "RequestRoot " + dir + "/spool\n"
           "TempDir " + dir + "/spool/tmp\n"
           "AccessLog " + dir + "/log/access_log\n"
           "ErrorLog " + dir + "/log/error_log\n"
           "PageLog " + dir + "/log/page_log\n"
           "User lp\n"
           "Group lp\n"
           "SystemGroup root\n"
           "FileDevice No\n";
}

// cups-pdf reads /etc/cups/cups-pdf-<instance>.conf for a device URI
// cups-pdf:/<instance>. TitlePref 1 names the file after the job title:
// cups-pdf 3.0.1 reads the PostScript %%Title with a fixed-width sscanf and
// appends stack garbage to the name, so the PS title is unusable.
std::string cupsPdfConf(const std::string& dir) {
    return "Out " + dir + "/out\n"
           "AnonDirName " + dir + "/out\n"
           "Spool " + dir + "/cups-pdf-spool\n"
           "Log " + dir + "/log\n"
           "LogType 3\n"
           "TitlePref 1\n"
           "Label 0\n"
           "Grp lp\n";
}

}  // namespace

CupsdFixture::CupsdFixture() {
    try {
        if (!start()) stop();
    } catch (const std::exception& e) {
        failure_ = std::string("cupsd fixture: ") + e.what() + "\n" + logs();
        stop();
    }
}

CupsdFixture::~CupsdFixture() { stop(); }

bool CupsdFixture::start() {
    // CI runs as root with scripts/install-deps done, so a skip there would
    // hide a broken setup: report it as a failure instead.
    const char* ci = std::getenv("CI");
    bool mustRun = ci && *ci;
    auto cannotRun = [&](const std::string& why) {
        (mustRun ? failure_ : skipReason_) = why;
        return false;
    };
    if (::geteuid() != 0) return cannotRun("the CUPS tests need root: cupsd runs the cups-pdf backend as root");
    for (const char* path : {kCupsd, kLpadmin, kLpstat, kCupsPdfBackend})
        if (::access(path, X_OK) != 0)
            return cannotRun(std::string(path) +
                             " is missing: run scripts/install-deps (cups, cups-client, printer-driver-cups-pdf)");
    if (!fs::is_directory(kCupsPdfConfigDir)) return cannotRun(std::string(kCupsPdfConfigDir) + " is missing");

    removeLeftoversOfDeadRuns();
    // /tmp, not $RENKEI_TEST_TMP: a domain socket path must fit in 108 bytes.
    std::string tmpl = std::string("/tmp/") + kDirPrefix + "XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    writeText(dir_ + "/owner.pid", std::to_string(::getpid()) + "\n");
    // Filters run as lp and must reach the spool files and PPDs below.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    for (const char* sub : {"cache", "state", "spool", "spool/tmp", "log", "run", "out", "cups-pdf-spool"})
        fs::create_directories(dir_ + "/" + sub);
    fs::permissions(dir_ + "/run", fs::perms::owner_all);
    fs::permissions(dir_ + "/out", fs::perms::owner_all);

    instance_ = kInstancePrefix + dir_.substr(tmpl.size() - 6);
    instanceConf_ = std::string(kCupsPdfConfigDir) + "/cups-pdf-" + instance_ + ".conf";
    writeText(dir_ + "/cupsd.conf", cupsdConf(dir_));
    writeText(dir_ + "/cups-files.conf", cupsFilesConf(dir_));
    writeText(instanceConf_, cupsPdfConf(dir_));

    // Built before fork(): the child only calls async-signal-safe functions.
    std::string output = dir_ + "/log/cupsd.out";
    std::string conf = dir_ + "/cupsd.conf";
    std::string files = dir_ + "/cups-files.conf";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // Own process group, so stop() reaches cupsd and every filter and
        // backend it started with one kill().
        ::setpgid(0, 0);
        // A test killed by ctest's timeout never runs stop(); this takes
        // cupsd (and so its children) down with it instead of leaving it running.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0) ::dup2(in, 0);
        int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        ::execl(kCupsd, "cupsd", "-f", "-c", conf.c_str(), "-s", files.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here: whichever of the two runs first wins the race

    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            failure_ = "cupsd exited at startup (status " + std::to_string(status) + ")\n" + logs();
            return false;
        }
        if (fs::exists(server()) && run({kLpstat, "-h", server(), "-r"}).output.find("is running") != std::string::npos)
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            failure_ = "cupsd did not answer within 15 s\n" + logs();
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }

    CommandResult added = run({kLpadmin, "-h", server(), "-p", queue(), "-E", "-v", "cups-pdf:/" + instance_, "-m",
                               kCupsPdfPpd});
    if (added.exitCode != 0) {
        failure_ = "lpadmin could not add " + queue() + ": " + added.output + "\n" + logs();
        return false;
    }
    return true;
}

void CupsdFixture::stop() {
    if (pid_ > 0) {
        // SIGTERM lets cupsd stop its jobs and filters itself.
        ::kill(-pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(-pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        // A filter that ignored SIGTERM would keep the group (and its id) alive.
        ::kill(-pid_, SIGKILL);
        pid_ = -1;
    }
    std::error_code ec;
    if (!instanceConf_.empty()) fs::remove(instanceConf_, ec);
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string CupsdFixture::logs() const {
    if (dir_.empty()) return "";
    return tail(dir_ + "/log/cupsd.out") + tail(dir_ + "/log/error_log") +
           tail(dir_ + "/log/cups-pdf-" + queue() + "_log");
}

}  // namespace testing_support
