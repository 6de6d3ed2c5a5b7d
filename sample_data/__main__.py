"""python -m sample_data [--db URL] [--as-of DATE] [--scale N] [--seed S] [--replace]"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from data_access.config import database_url, exit_on_bad_settings, parse_as_of
from data_access.engine import describe_url, make_engine
from sample_data.build import DEFAULT_AS_OF, DEFAULT_SEED, DatabaseNotEmpty, build_database


def main(argv: list[str] | None = None) -> int:
    exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m sample_data", description="Build the synthetic sample database.")
    parser.add_argument("--db", default=None, help="database URL (default: DATABASE_URL or var/dashboard.db)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF.isoformat(timespec="minutes"),
                        help="the moment the data ends, ISO date or date-time (default: %(default)s)")
    parser.add_argument("--scale", type=int, default=1, help="multiply children, cases and payments (default: 1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    parser.add_argument("--replace", action="store_true", help="delete the data already in the database")
    args = parser.parse_args(argv)

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        parser.error(f"--as-of: {exc}")
    if args.scale < 1:
        parser.error("--scale must be 1 or more")

    url = args.db or database_url()
    started = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    try:
        summary = build_database(make_engine(url), as_of=as_of, scale=args.scale, seed=args.seed,
                                 replace=args.replace, progress=progress)
    except DatabaseNotEmpty as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, ValueError) as exc:
        print(f"could not build the sample database at {describe_url(url)}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    rows = ", ".join(f"{name} {count}" for name, count in summary.rows.items())
    print(f"built {describe_url(url)} as of {summary.as_of:%Y-%m-%d %H:%M} in {time.perf_counter() - started:.1f} s: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
