"""The version of mtaudit (one place; the package, the signatures and the reports read it)."""

__version__ = "0.2.0"
