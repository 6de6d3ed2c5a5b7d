"""The only package that speaks SQL. Query functions take an engine, a Scope and Filters."""
