"""ASGI entry point for the Ralph peer benchmark: Ralph's LRS app, fs backend in append mode.

benchmarks/lrs.py runs this with the uvicorn of Ralph's own virtual environment
(ralph-malph 5.1.0, installed under the benchmark's cache directory); Learnsight never imports it.

Why: Ralph's API writes statements without naming an operation type, so its fs backend falls
back to its default one, "create", which refuses to write into a file that already exists.
Every statement goes to the same file, so only the first POST would succeed. Changing the
backend's default to "append" makes each POST add its lines to that file. Nothing installed
is modified; the change lives in this process only.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

# Consulted at write time whenever the caller names no operation type (all API writes).
FSLRSBackend.default_operation_type = BaseOperationType.APPEND

# Imported only now, so nothing can have written through the backend before the switch.
from ralph.api import app  # noqa: E402

__all__ = ["app"]
