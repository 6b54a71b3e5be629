"""healthqa: a self-hostable health question-and-answer knowledge base."""

import os

# numpy's OpenBLAS keeps its worker threads busy-waiting for about 0.1 s after every matrix
# product (2^28 cycles). On a small machine that takes the core the model, SQLite and the
# other requests need: one ask cost 41 ms of CPU for 21 ms of wall time, and 27 ms once the
# wait is the shortest (benchmarks/ask.py). Read by OpenBLAS when numpy is first imported,
# so it is set here, before any module of healthqa imports numpy; an explicit value wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

__version__ = "0.1.0"
