// CSV: the one reader of the small comma-separated tables the service is
// configured with (config/partners.csv, the tokens file), and the quoting of
// the CSV it writes (the evidence export). A record is one line: fields are
// separated by commas and may be quoted as in RFC 4180 ("a ""b"", c" is one
// field), but a field holds no line break. Excel's BOM at the start of the
// text and a CR at the end of a line are dropped, and each line and field is
// trimmed of spaces and tabs. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace common {

struct CsvLine {
    int number = 0;    // 1-based, as an editor shows it
    std::string text;  // the line without BOM or CR, trimmed
    // The trimmed fields; nullopt when a quote is left open.
    std::optional<std::vector<std::string>> fields;

    // True for an empty line and for a comment (a line starting with '#'),
    // which the tables allow anywhere after their header.
    bool blankOrComment() const { return text.empty() || text[0] == '#'; }
};

// Every line of `text`, in order, blank and comment lines included.
std::vector<CsvLine> readCsv(const std::string& text);

// One field as CSV: quoted (with its quotes doubled) when it holds a comma,
// a quote or a line break, else as it is.
std::string csvField(const std::string& value);

}  // namespace common
