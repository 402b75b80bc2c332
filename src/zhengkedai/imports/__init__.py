"""Reading bank files: encodings and spreadsheets, header matching, cell parsers, row records."""
