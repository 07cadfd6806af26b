"""Persistence on SQLite and PostgreSQL: tables, migrations, repositories, unit of work, audit."""
