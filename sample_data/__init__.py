"""Synthetic sample data calibrated to the bureau's published 2022 figures."""

from sample_data.build import DEFAULT_AS_OF, DatabaseNotEmpty, build_database

__all__ = ["DEFAULT_AS_OF", "DatabaseNotEmpty", "build_database"]
