"""Give the English catalogue each message's own text where it has none.

The source is written in English, so ``en`` translates every message to itself;
filling it in keeps that catalogue complete (the completeness test reads both),
and leaves room for a later wording change made in English only.

Usage: python tools/fill_en_catalogue.py src/zhengkedai/locale/en/LC_MESSAGES/zhengkedai.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> None:
    with open(path, "rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not any(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        main(arg)
