"""Reading captures, and reading them the way the seeds teach (see tcplab/__init__.py)."""
