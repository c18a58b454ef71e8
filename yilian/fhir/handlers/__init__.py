"""Importing this package registers every resource handler."""

from . import clinical, directory, records  # noqa: F401
