#!/usr/bin/env python3
"""Recompute the zhengkedai (郑科贷) journal's hash chain from an export, without zkd.

    zkd journal export --format jsonl -o journal.jsonl
    python3 recompute_chain.py journal.jsonl        # or journal.csv

Standard library only. Prints the chain head and the entry it is at, or every
entry whose hash or link does not recompute, and exits 1. The recipe is in
docs/audit-chain.md:

    hash = SHA-256( previous hash, as 64 ASCII hex digits
                    + UTF-8 of the canonical JSON of the entry )

where the canonical JSON has the keys seq, date, kind, memo, key, source,
reverses, operator, created_at and lines ([[account, amount_fen], ...]),
sorted, no spaces, non-ASCII characters as themselves. The first entry's
previous hash is 64 zeros.
"""

import csv
import hashlib
import json
import sys

GENESIS = "0" * 64
HASHED = ("seq", "date", "kind", "memo", "key", "source", "reverses", "operator",
          "created_at", "lines")
TEXT = ("kind", "memo", "key", "source", "operator", "account")


def entries_from_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def entries_from_csv(path):
    """Rows (one a journal line) grouped back into entries; one leading ' undone."""
    def cell(row, name):
        value = row[name]
        return value[1:] if name in TEXT and value.startswith("'") else value

    entry = None
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            seq = int(row["seq"])
            if entry is None or entry["seq"] != seq:
                if entry is not None:
                    yield entry
                entry = {"seq": seq, "date": row["date"], "kind": cell(row, "kind"),
                         "memo": cell(row, "memo"), "key": cell(row, "key"),
                         "source": cell(row, "source"),
                         "reverses": int(row["reverses"]) if row["reverses"] else None,
                         "operator": cell(row, "operator"), "created_at": row["created_at"],
                         "lines": [], "prev_hash": row["prev_hash"], "hash": row["hash"]}
            entry["lines"].append([cell(row, "account"), int(row["amount_fen"])])
    if entry is not None:
        yield entry


def entry_hash(prev_hash, entry):
    content = {k: entry[k] for k in HASHED}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(prev_hash.encode("ascii") + canonical.encode("utf-8")).hexdigest()


def main(path):
    reader = entries_from_csv if path.lower().endswith(".csv") else entries_from_jsonl
    prev, count, problems = GENESIS, 0, []
    for entry in reader(path):
        count += 1
        seq = entry["seq"]
        if seq != count:
            problems.append(f"entry #{seq}: expected entry #{count} here (an entry is missing)")
        if entry["prev_hash"] != prev:
            problems.append(f"entry #{seq}: its previous hash is not the hash before it")
        recomputed = entry_hash(prev, entry)
        if recomputed != entry["hash"]:
            problems.append(f"entry #{seq}: content does not match its hash "
                            f"(recomputed {recomputed})")
        if sum(amount for _, amount in entry["lines"]) != 0:
            problems.append(f"entry #{seq}: its lines do not balance")
        prev = entry["hash"]  # go on from the stored hash, so each problem is named once
    if problems:
        print(f"FAILED: {len(problems)} problem(s) in {count} entries", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"OK: {count} entries, chain head {prev} at entry #{count}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: recompute_chain.py EXPORT.jsonl|EXPORT.csv", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
