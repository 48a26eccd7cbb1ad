"""mtaudit: audit machine-translated English before it is published."""

from .version import __version__

__all__ = ["audit", "audit_file", "Auditor", "Report", "__version__"]


def __getattr__(name):  # lazy: `import mtaudit` stays cheap for the CLI
    if name in ("audit", "audit_file", "Auditor", "Report"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
