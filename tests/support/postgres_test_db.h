// Which job store engine a test runs on, and a fresh PostgreSQL schema for
// each test that runs on PostgreSQL. ctest runs the store tests twice: as
// they are (SQLite), and as "postgresql: ..." with RENKEI_TEST_POSTGRES naming
// the conninfo file that the private server (tests/support/private_postgres.sh,
// a ctest fixture) wrote. Test-only code.
#pragma once

#include <string>

namespace testing_support {

// True when RENKEI_TEST_POSTGRES is set: the store tests run on PostgreSQL.
bool storeOnPostgres();
// The private server's connection string. Throws (failing the test, never
// skipping it) when RENKEI_TEST_POSTGRES is unset or its file is missing.
std::string postgresConninfo();
// A connection string whose search_path is a new, empty schema of its own,
// so every test starts from an empty store on the shared server.
std::string freshPostgresSchema();

}  // namespace testing_support
