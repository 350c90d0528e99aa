"""Tooling for the Open Models book: checks, data and small Sphinx extensions."""
