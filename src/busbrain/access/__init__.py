"""Who may use the dispatch console, and how they prove it: roles and the permission
table, password hashing (argon2), session tokens, and the values the store keeps (users,
sessions, audit entries).

Pure: no database, no web framework, no clock reads ("now" is always a parameter). The
store keeps what this package describes; the API and the CLI apply it.
"""
