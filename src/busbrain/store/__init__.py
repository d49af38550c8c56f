"""The store: the only package with SQL. Ports in ports.py; SQLite and PostgreSQL adapters."""
