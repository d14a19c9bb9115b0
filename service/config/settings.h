// Settings: every tunable of the service with its default, read once at
// start from a .properties file (config/renkei.properties documents each key)
// and the command line. Plain data; read-only after start.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace config {

// The embedded defaults are where the Debian package puts things (see
// packaging/): read-only data under /usr/share/renkei, configuration under
// /etc/renkei, state under /var/lib/renkei. No path of the build machine is
// compiled in; a source checkout runs with config/renkei.properties, whose
// relative paths point back into the tree.
//
// Paths: a relative path in a .properties file is taken relative to the
// folder of that file (so config/renkei.properties can say ../templates from
// anywhere); a relative --data on the command line, relative to the working
// folder.
struct Settings {
    // server.host: address to listen on. Loopback by default.
    std::string host = "127.0.0.1";
    // server.port: TCP port; 0 picks a free one (tests).
    int port = 8080;
    // server.threads: HTTP worker threads: requests handled at once. Plain
    // HTTP reads connections on one I/O thread and hands only whole requests
    // to these threads, so idle and slow clients hold none; with built-in TLS
    // each connection holds one, so this is also how many TLS clients are
    // served at once. The CPU work is bounded separately by render.workers.
    int threads = 64;
    // server.queue: with built-in TLS, connections waiting for a thread
    // before new ones are refused.
    int queueLength = 64;
    // server.maxQueuedRequests: whole requests waiting for a worker thread;
    // past it a request is answered 503 with Retry-After (plain HTTP).
    int maxQueuedRequests = 1024;
    // server.listenBacklog: connections the kernel holds before the server
    // accepts them (capped by net.core.somaxconn).
    int listenBacklog = 1024;
    // server.timeoutMs: a connection that sends nothing for this long in the
    // middle of a request (408), or does not read its answer for this long,
    // is closed; with built-in TLS the receive and send timeout.
    int timeoutMs = 10000;
    // server.requestTimeoutMs: a request (head and body) must arrive whole
    // within this long of its first byte, however steadily it trickles in;
    // otherwise 408 and the connection closes (plain HTTP).
    int requestTimeoutMs = 30000;
    // server.keepAliveTimeoutMs: idle time allowed between requests on one connection.
    int keepAliveTimeoutMs = 5000;
    // server.maxConnections: open connections in all (plain HTTP); at the
    // limit new ones wait in the listen backlog. Lowered to fit the open
    // files limit, which the server raises to its hard limit.
    int maxConnections = 4096;
    // server.maxConnectionsPerClient: open connections from one client
    // address (plain HTTP); more are answered 503 and closed. Behind a
    // proxy every client shares the proxy's address: raise it there.
    int maxConnectionsPerClient = 1024;
    // data.dir: job store (renkei.db) and spool/ live here; created 0700 if missing.
    std::string dataDir = "/var/lib/renkei";
    // templates.dir: one folder per sheet with template.json.
    std::string templatesDir = "/usr/share/renkei/templates";
    // fonts.primary / fonts.fallback: TrueType files for the PDF.
    std::string primaryFont = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf";
    std::string fallbackFont = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf";
    // xlsx.font: font the workbook names (Japanese office PCs have ＭＳ ゴシック).
    std::string xlsxFont = "ＭＳ ゴシック";
    // xlsx.importMaxParts: entries a workbook sent back (import, or a job's
    // "workbook") may have; more are refused as too_many_parts (422).
    int xlsxImportMaxParts = 256;
    // xlsx.importMaxPartCompressedBytes / xlsx.importMaxPartBytes: the size of
    // one entry as stored and inflated; a larger one is refused as
    // part_too_large while it inflates (a zip bomb never takes more memory).
    long long xlsxImportMaxPartCompressedBytes = 4LL << 20;
    long long xlsxImportMaxPartBytes = 8LL << 20;
    // xlsx.importMaxTotalBytes: all entries read, inflated (part_too_large).
    // At least xlsx.importMaxPartBytes (check-config says so).
    long long xlsxImportMaxTotalBytes = 32LL << 20;
    // limits.maxBodyBytes: larger request bodies get 413.
    long long maxBodyBytes = 1 << 20;
    // limits.maxHeaderCount / maxHeaderBytes: more or larger request headers get 431.
    int maxHeaderCount = 64;
    long long maxHeaderBytes = 16384;
    // auth.tokensFile: access tokens (hashes only), CSV "name,office,role,sha256,status".
    // Without tokens the API is open, which the server allows on loopback only.
    std::string tokensFile;
    // auth.maxFailures / auth.failureWindowSeconds: a client address that fails
    // authentication more than maxFailures times in one window (windows are
    // aligned to the clock: 12:03:00–12:04:00 for 60 s) is answered 429 with
    // Retry-After until the window ends; a valid token is still served.
    // Unauthenticated requests are audited as one row per address, answer and
    // window, carrying the count, written when the window ends.
    int authMaxFailures = 20;
    int authFailureWindowSeconds = 60;
    // auth.trackedAddresses: addresses counted one by one per window; further
    // addresses share one counter (audited as client "*"), never answered 429.
    // Bounds the memory the counting takes (about 100 bytes per address).
    int authTrackedAddresses = 10000;
    // tls.certificateFile / tls.privateKeyFile (PEM): serve HTTPS: TLS 1.3, and
    // TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 suites only.
    std::string tlsCertificateFile;
    std::string tlsPrivateKeyFile;
    // server.behindTlsProxy: plain HTTP on a non-loopback address is allowed only
    // when a TLS-terminating proxy sits in front and this says so.
    bool behindTlsProxy = false;
    // render.workers: documents rendered at once; 0 = number of cores.
    int renderWorkers = 0;
    // render.queue: requests waiting for a render slot before 503 Retry-After.
    int renderQueue = 64;
    // jobs.concurrent: job submissions in progress at once; 0 = three per core.
    int jobsConcurrent = 0;
    // jobs.queue: submissions waiting for their turn before 503 Retry-After.
    int jobsQueue = 64;
    // jobs.store: where jobs are kept. "sqlite" (default): the file
    // <data.dir>/renkei.db, one instance per data folder. "postgresql": the
    // database jobs.postgresql names, which several instances may share.
    std::string jobsStore = "sqlite";
    // jobs.postgresql: a libpq connection string ("host=db1 dbname=renkei
    // user=renkei"; a password is better kept in ~/.pgpass); required when
    // jobs.store is postgresql. Default empty. No spaces inside a value:
    // Poco splits the string at them.
    std::string jobsPostgresql;
    // jobs.postgresqlPool: connections each instance keeps open; store calls
    // beyond it wait for a free one. Default 8.
    int jobsPostgresqlPool = 8;
    // jobs.claimSeconds: how long an instance's claim on a job it is handing
    // to the spool or CUPS lasts; a job an instance left unfinished is taken
    // over by another this long after it was accepted or last claimed.
    // Used with jobs.store = postgresql only. Default 60.
    int jobsClaimSeconds = 60;
    // spool.dir: the print and fax spool folders. Default empty: <data.dir>/spool.
    std::string spoolDirectory;
    // spool.shared: this spool.dir is shared by every instance on the
    // database (one host, or a shared file system), so an instance may take
    // over a job whose hand-over another began: it finds a file already
    // there and never writes it twice. false (default): each instance has
    // its own spool, and such a job waits for its own instance to restart.
    bool spoolShared = false;
    // partners.file: the partner directory (CSV); reloaded on SIGHUP.
    std::string partnersFile = "/etc/renkei/partners.csv";
    // fax.holdSeconds: a fax job waits this long before it goes to the gateway
    // and can be cancelled meanwhile (DELETE /api/v1/jobs/{id}); 0 = no hold.
    int faxHoldSeconds = 60;
    // fax.allowAdHocNumbers: accept "number" instead of a directory partner.
    bool faxAllowAdHocNumbers = false;
    // fax.defaultMask: masking for partners without their own (none, initials, partial).
    std::string faxDefaultMask = "initials";
    // jobs.duplicateWindowSeconds: the same submission again within this time is a 409.
    int duplicateWindowSeconds = 600;
    // jobs.idempotencyKeepSeconds: how long an Idempotency-Key is remembered.
    int idempotencyKeepSeconds = 7 * 24 * 3600;
    // limits.documentsPerJob / attachmentsPerJob / pagesPerJob: per job.
    int documentsPerJob = 10;
    int attachmentsPerJob = 5;
    int pagesPerJob = 60;
    // print.cupsQueue: when set, print jobs go to this CUPS queue instead of the
    // spool/print folder; print.cupsServer: where cupsd is ("" = the default).
    std::string cupsQueue;
    std::string cupsServer;
    // dispatch.pollMs: how often held jobs and gateway results are looked at.
    int dispatchPollMs = 250;
    // spool.retryFirstMs / spool.retryMaxMs: a job that could not be sent out
    // (e.g. the disk was full) is tried again after retryFirstMs, then twice
    // as long each time, up to retryMaxMs between tries.
    int spoolRetryFirstMs = 1000;
    int spoolRetryMaxMs = 60000;
    // offices.file: the office registry (CSV: profile, business calendar,
    // care managers of each office the server acts for); reloaded on SIGHUP.
    std::string officesFile = "/etc/renkei/offices.csv";
    // office.default: the office an open API (no tokens) acts for.
    std::string defaultOffice = "harunire-no-oka";
    // web.dir: the browser interface's static files, served at "/"; "" serves none.
    std::string webDir = "/usr/share/renkei/web";
    // web.sessionIdleMinutes: a browser session unused this long ends (sign in again).
    int sessionIdleMinutes = 30;
    // web.sessionMaxHours: a browser session ends this long after sign-in, used or not.
    int sessionMaxHours = 12;
    // drafts.maxBytes: largest draft (its JSON) an office may keep; larger ones get 413.
    int draftMaxBytes = 256 * 1024;
    // drafts.perOffice: drafts one office may keep at once; one more is a 409.
    int draftsPerOffice = 200;
    // drafts.keepDays: a draft not saved for this many days is deleted.
    int draftKeepDays = 90;
    // inbound.maxBytes: largest received fax file read; a larger one goes to the inbox unread.
    int inboundMaxBytes = 20 << 20;
    // inbound.maxPages: pages of a received fax read; a file with more goes to the inbox unread.
    int inboundMaxPages = 50;
    // inbound.maxPixelsPerPage: largest page image (A4 at 408x392 dpi is 15.5 million).
    int inboundMaxPixelsPerPage = 20'000'000;

    // log.format: "text" (one readable line per event) or "json" (one JSON
    // object per line, for a log collector: common/logging.h).
    std::string logFormat = "text";

    // ready.maxGatewayLagSeconds: /readyz answers 503 while the oldest fax
    // waiting in spool/fax/new for the gateway is older than this.
    int readyMaxGatewayLagSeconds = 600;
    // metrics.allow: who may read /metrics: loopback (clients on this
    // machine, not through a proxy), all, or none; others get 403.
    std::string metricsAllow = "loopback";

    std::string dbPath() const { return dataDir + "/renkei.db"; }
    std::string spoolDir() const { return spoolDirectory.empty() ? dataDir + "/spool" : spoolDirectory; }
    std::string draftsDbPath() const { return dataDir + "/drafts.db"; }
};

// The configuration file the package installs, read when no --config is given.
constexpr const char* kDefaultConfigFile = "/etc/renkei/renkei.properties";

// One problem of a configuration: where (a file and its line, or the key as
// written; the command line has no file), the value as written, and why.
struct ConfigProblem {
    std::string file;     // "" for the command line or an embedded default
    int line = 0;         // 1-based line in file; 0 when there is none
    std::string key;      // the settings key (or option) as written; "" for a line of a data file
    std::string value;    // as written; left "" where it could hold a secret
    std::string message;  // why, in English (an operator reads it)
    // False for a problem the server works around (and logs itself): a line
    // of the partner directory or tokens file left out, no web.dir folder.
    bool stopsServer = true;

    // "file:line: key = \"value\": message" with the parts that are known.
    std::string toString() const;
};

// Reads a .properties file over base: every valid key is applied, and every
// problem is appended to problems in file order: an unreadable file, unknown
// keys (with the likely key when one is close), values out of range or of the
// wrong kind, a key given twice (Poco would keep the last one silently). Relative paths are resolved against the
// file's folder (see above) and come back absolute.
Settings readSettings(const std::string& path, std::vector<ConfigProblem>& problems, Settings base = Settings());

// Sets one key from its text as written; a relative path is taken from the
// folder relativeTo. Returns why the value is refused ("" when it was set);
// an unknown key is refused too. For the command line's --port and --data.
std::string applySetting(Settings& settings, const std::string& key, const std::string& value,
                         const std::string& relativeTo);

// Each key of a .properties file and the (last) line that sets it; empty when
// the file cannot be read.
std::map<std::string, int> keyLines(const std::string& path);

// readSettings for callers that only want the settings: InvalidArgument (or
// IOError for an unreadable file) listing every problem that stops the
// server, joined by "; ".
common::Result<Settings> loadSettings(const std::string& path, Settings base = Settings());

// The config file to read without --config: kDefaultConfigFile when it
// exists, else "" (embedded defaults). The working folder plays no part, so a
// service started anywhere reads the same file.
std::string defaultConfigPath();

}  // namespace config
