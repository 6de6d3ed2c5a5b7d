"""Validated import of every table a bureau keeps, from CSV or Excel.

    python -m data_access.importer KIND FILE [--db URL] [--mode all-or-nothing|skip-bad]
                                   [--dry-run] [--rejects PATH] [--replace-sample]

A database holding the synthetic sample refuses real rows: initialise a real database
(python -m data_access.district init), or pass --replace-sample to delete the sample's rows,
load the bundled district network and make the database a real one for good.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from data_access import config
from data_access.engine import make_engine
from data_access.formulas import to_csv_bytes
from data_access.importer.kinds import KINDS
from data_access.importer.problems import message
from data_access.importer.writing import MODES, run_import


def main(argv: list[str] | None = None) -> int:
    config.exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.importer", description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", help="database URL (default: DATABASE_URL or the bundled sample)")
    parser.add_argument("--mode", choices=MODES, default="all-or-nothing")
    parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    parser.add_argument("--rejects", type=Path, help="write the rejected rows here (CSV, UTF-8 with BOM)")
    parser.add_argument("--replace-sample", action="store_true",
                        help="on the synthetic sample database: delete the sample and make the database real for good")
    args = parser.parse_args(argv)
    lang = config.default_language()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(message("report.where_file", lang, file=args.file, reason=message(
            "file.unreadable", lang, detail=exc.strerror or exc)), file=sys.stderr)
        return 2
    engine = make_engine(args.db or config.database_url())
    result = run_import(engine, args.kind, data, args.file.name, mode=args.mode, dry_run=args.dry_run,
                        username=getpass.getuser(), replace_sample=args.replace_sample)
    engine.dispose()
    for line in result.report(lang):
        print(line)
    if args.rejects and result.rejected:
        args.rejects.write_bytes(to_csv_bytes(result.rejects(lang)))
        print(message("report.rejects", lang, path=args.rejects))
    return 1 if result.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
