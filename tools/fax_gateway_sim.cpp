// renkei-fax-sim: a stand-in for the fax gateway, for tests and demos. It
// follows the contract in docs/fax-gateway.md: it takes a job once its control
// file <id>.json is in new/, "sends" it, moves the PDF and the control file to
// done/ or failed/, and writes <id>.result.json there (atomically, via a
// temporary name). It dials nothing.
//
//   renkei-fax-sim --spool DIR [--outcome LIST] [--delay-ms N] [--once] [--seconds S]
//   renkei-fax-sim --spool DIR --receive FILE [--receive FILE ...] [--sender NUMBER] [--received-at ISO]
//
// DIR is the fax spool (<data>/spool/fax). LIST is a comma list of outcomes
// used in turn, one per job: sent, busy, no_answer, error (default: sent).
// --receive plays received faxes (docs/fax-gateway.md, "received faxes"):
// each FILE (a PDF or a TIFF) is written into DIR/inbound/ as the gateway
// writes it, the control file (sender, receivedAt, pages when given) first,
// each through inbound/tmp/ and renamed; then it exits. Prints the names.
#include <Poco/DateTimeFormatter.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <Poco/Timestamp.h>

#include <csignal>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stopRequested = 0;

std::string readAll(const std::string& path) {
    Poco::FileInputStream in(path);
    std::string s;
    Poco::StreamCopier::copyToString(in, s);
    return s;
}

void writeAtomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        Poco::FileOutputStream out(tmp, std::ios::trunc);
        out << text;
    }
    Poco::File(tmp).renameTo(path);
}

std::string nowJst() {
    Poco::Timestamp now;
    return Poco::DateTimeFormatter::format(now + Poco::Timespan(9 * Poco::Timespan::HOURS), "%Y-%m-%dT%H:%M:%S") +
           "+09:00";
}

// Handles one job whose control file is in new/. Returns false if it vanished.
bool handle(const std::string& spool, const std::string& id, const std::string& outcome) {
    const std::string control = spool + "/new/" + id + ".json";
    const std::string pdf = spool + "/new/" + id + ".pdf";
    if (!Poco::File(control).exists() || !Poco::File(pdf).exists()) return false;
    int pages = 0;
    try {
        auto c = Poco::JSON::Parser().parse(readAll(control)).extract<Poco::JSON::Object::Ptr>();
        pages = c->optValue<int>("pageCount", 0);
    } catch (const Poco::Exception&) {
    }
    const bool sent = outcome == "sent";
    const std::string dir = spool + (sent ? "/done/" : "/failed/");
    Poco::File(pdf).renameTo(dir + id + ".pdf");
    Poco::File(control).renameTo(dir + id + ".json");
    Poco::JSON::Object result(Poco::JSON_PRESERVE_KEY_ORDER);
    result.set("jobId", id);
    result.set("status", sent ? "sent" : "failed");
    result.set("pagesSent", sent ? pages : 0);
    result.set("finishedAt", nowJst());
    if (!sent) result.set("reason", outcome);
    std::ostringstream text;
    result.stringify(text);
    writeAtomically(dir + id + ".result.json", text.str());
    std::cout << id << " " << outcome << std::endl;
    return true;
}

// Plays one received fax into <spool>/inbound/ under a new name; returns the name.
std::string receive(const std::string& spool, const std::string& file, const std::string& sender,
                    const std::string& receivedAt, size_t index) {
    const std::string bytes = readAll(file);
    const bool pdf = bytes.compare(0, 5, "%PDF-") == 0;
    std::string stem = "rx-" + std::to_string(Poco::Timestamp().epochMicroseconds()) + "-" + std::to_string(index);
    const std::string inbound = spool + "/inbound/";
    Poco::File(inbound + "tmp").createDirectories();
    Poco::JSON::Object control(Poco::JSON_PRESERVE_KEY_ORDER);
    if (!sender.empty()) control.set("sender", sender);
    control.set("receivedAt", receivedAt.empty() ? nowJst() : receivedAt);
    std::ostringstream text;
    control.stringify(text);
    auto place = [&](const std::string& name, const std::string& content) {
        {
            Poco::FileOutputStream out(inbound + "tmp/" + name, std::ios::trunc | std::ios::binary);
            out << content;
        }
        Poco::File(inbound + "tmp/" + name).renameTo(inbound + name);
    };
    place(stem + ".json", text.str());
    const std::string name = stem + (pdf ? ".pdf" : ".tif");
    place(name, bytes);
    return name;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    std::set<std::string> flags;
    std::vector<std::string> received;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--once") {
            flags.insert(a);
        } else if (a == "--receive" && i + 1 < argc) {
            received.push_back(argv[++i]);
        } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
            opt[a] = argv[++i];
        } else {
            std::cerr << "usage: renkei-fax-sim --spool DIR [--outcome sent,busy,...] [--delay-ms N] [--once] [--seconds S]\n"
                         "       renkei-fax-sim --spool DIR --receive FILE ... [--sender NUMBER] [--received-at ISO]\n";
            return 2;
        }
    }
    if (!opt.count("--spool")) {
        std::cerr << "renkei-fax-sim: --spool is required\n";
        return 2;
    }
    const std::string spool = opt["--spool"];
    if (!received.empty()) {
        try {
            for (size_t i = 0; i < received.size(); ++i)
                std::cout << receive(spool, received[i], opt["--sender"], opt["--received-at"], i) << std::endl;
        } catch (const Poco::Exception& e) {
            std::cerr << "renkei-fax-sim: " << e.displayText() << "\n";
            return 1;
        }
        return 0;
    }
    std::vector<std::string> outcomes;
    std::istringstream list(opt.count("--outcome") ? opt["--outcome"] : "sent");
    for (std::string o; std::getline(list, o, ',');) {
        if (o != "sent" && o != "busy" && o != "no_answer" && o != "error") {
            std::cerr << "renkei-fax-sim: unknown outcome " << o << "\n";
            return 2;
        }
        outcomes.push_back(o);
    }
    const long delayMs = opt.count("--delay-ms") ? std::stol(opt["--delay-ms"]) : 0;
    const long seconds = opt.count("--seconds") ? std::stol(opt["--seconds"]) : 0;
    std::signal(SIGTERM, [](int) { stopRequested = 1; });
    std::signal(SIGINT, [](int) { stopRequested = 1; });
    Poco::Timestamp started;
    size_t handled = 0;
    while (!stopRequested) {
        std::vector<std::string> ids;
        for (Poco::DirectoryIterator it(spool + "/new"), end; it != end; ++it) {
            const std::string name = it.name();
            if (name.size() == 37 && name.compare(32, 5, ".json") == 0) ids.push_back(name.substr(0, 32));
        }
        std::sort(ids.begin(), ids.end());
        for (const auto& id : ids) {
            if (delayMs > 0) Poco::Thread::sleep(delayMs);
            if (handle(spool, id, outcomes[handled % outcomes.size()])) ++handled;
        }
        if (flags.count("--once")) break;
        if (seconds > 0 && started.elapsed() > seconds * 1000000LL) break;
        Poco::Thread::sleep(100);
    }
    return 0;
}
