"""Approximate nearest neighbours for large corpora: an HNSW graph of the vectors (usearch).

Below ANN_MIN_ROWS questions the dense searcher scans the whole matrix exactly (MedQuAD's
47k rows take a few milliseconds); above it a scan costs too much per query (a million rows
read 1.5 GB) and the graph gives the candidates instead. Candidates are always rescored with
the exact float32 rows, so the graph only decides *which* rows are looked at; its recall
against exact search is measured by benchmarks/ask.py.

The graph is keyed by question id and saved beside the SQLite database with the index
generation it reflects. A process that finds it stale (another process wrote questions)
brings it up to date by comparing fingerprints of the vectors it holds with the current
ones: removed and changed questions leave the graph, new and changed ones join it. No edit
needs a rebuild; `healthqa reindex` and bulk imports bring the saved graph up to date
(ann_refresh), so web processes find it ready.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.search.encoder import Encoder
from healthqa.search.vectors import VectorMatrix, vector_matrix, vector_matrix_is_current

log = logging.getLogger(__name__)

# Exact scan up to here: scanning costs ~3 ms a query at MedQuAD's 47k rows and grows with
# the rows (the float32 numpy product: 77 ms at 1M); the graph answers in ~3 ms at 1M but
# costs memory (0.9 GB at 1M) and a build (1.5k rows/s on the 2 shared cores), which small
# sites are spared.
ANN_MIN_ROWS = 200_000
# HNSW parameters (Malkov & Yashunin 2016): M=16 links per node, efConstruction=128, a
# query-time ef of 384. On the 1M benchmark corpus (600 dev-set queries) recall against
# exact search was 0.986 at 10 and 0.979 at 100 (0.982 / 0.970 at ef=256), and the ask top
# 10 was the same as with an exact scan for 192 of 200 queries: docs/benchmarks.md.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 384
# Half-precision storage halves the graph's memory; rescoring uses the float32 rows anyway.
DTYPE = "f16"
# Save the graph again after an update touching more than this share of it; smaller updates
# are cheaper to redo in each process than to write a gigabyte.
_SAVE_SHARE = 0.01
FORMAT = 1


# Fixed random directions: a row's projections on them fingerprint its vector, so a stale
# graph finds the rows that changed without reading its own stored vectors back.
_PROJECTIONS = 4
_PRINT_TOLERANCE = 1e-4


def _directions(dim: int) -> np.ndarray:
    rng = np.random.default_rng(20240501)
    return rng.standard_normal((dim, _PROJECTIONS)).astype(np.float32)


def fingerprints(matrix: np.ndarray) -> np.ndarray:
    """(n, 4) projections of each row on fixed random directions."""
    if matrix.shape[0] == 0:
        return np.zeros((0, _PROJECTIONS), dtype=np.float32)
    return np.asarray(matrix @ _directions(int(matrix.shape[1])), dtype=np.float32)


@dataclass
class AnnIndex:
    """The graph, with the ids and fingerprints of the vectors it holds."""

    index: Any  # usearch.index.Index
    generation: str
    ids: np.ndarray  # int64, ascending
    prints: np.ndarray  # float32 (n, 4), row-aligned with ids
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def size(self) -> int:
        return len(self.index)

    def search(self, vector: np.ndarray, count: int) -> np.ndarray:
        """The question ids of about the `count` nearest vectors, nearest first."""
        if count <= 0 or len(self.index) == 0:
            return np.zeros(0, dtype=np.int64)
        with self.lock:
            self.index.expansion_search = max(EXPANSION_SEARCH, count)  # type: ignore[misc]
            matches = self.index.search(vector, count)
        return np.asarray(matches.keys, dtype=np.int64)

    def search_many(self, vectors: np.ndarray, count: int, *, threads: int = 0) -> np.ndarray:
        """Question ids (n, count) of the nearest vectors of each of several queries; -1 pads."""
        with self.lock:
            self.index.expansion_search = max(EXPANSION_SEARCH, count)  # type: ignore[misc]
            matches = self.index.search(vectors, count, threads=threads)
        keys = np.asarray(matches.keys).astype(np.int64).reshape(len(vectors), -1)
        counts = np.asarray(matches.counts).reshape(-1)
        keys[np.arange(keys.shape[1])[None, :] >= counts[:, None]] = -1
        return keys


def ann_folder() -> Path | None:
    """Where the graph is saved: the backend's folder beside the database, if it has one."""
    from healthqa.search.backends import lexical_backend

    return lexical_backend().files_folder()


def usearch_module() -> Any:
    """The usearch module, imported after ONNX Runtime.

    usearch 2.26's wheel links its own libstdc++ statically; loaded first, it makes ONNX
    Runtime's module crash (SIGSEGV in std::codecvt) when that is imported later in the same
    process. ONNX Runtime first, then usearch, works (tests/search/test_dense.py checks it).
    """
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    import usearch.index

    return usearch.index


def _new_index(dim: int) -> Any:
    return usearch_module().Index(ndim=dim, metric="ip", dtype=DTYPE,
                                  connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD,
                                  expansion_search=EXPANSION_SEARCH)


def _paths(folder: Path, dim: int) -> tuple[Path, Path, Path]:
    stem = folder / f"questions-{dim}d"
    return stem.with_suffix(".usearch"), stem.with_suffix(".npz"), stem.with_suffix(".json")


def _params(dim: int) -> dict[str, Any]:
    return {"format": FORMAT, "dim": dim, "dtype": DTYPE, "connectivity": CONNECTIVITY,
            "expansion_add": EXPANSION_ADD}


_lock = threading.Lock()


def ann_index(m: VectorMatrix, *, folder: Path | None = None, threads: int = 0,
              progress: bool = False) -> AnnIndex:
    """The graph of `m`'s rows: kept on `m`, else read and updated, else built (slow)."""
    current = m.ann
    if isinstance(current, AnnIndex) and (
        current.generation == m.generation or not vector_matrix_is_current(m)
    ):
        # A request still holding the previous matrix uses the newer graph as it is: ids
        # the matrix does not know are dropped by the caller, and the graph never flips back.
        return current
    with _lock:
        current = m.ann
        if isinstance(current, AnnIndex) and current.generation == m.generation:
            return current
        folder = folder if folder is not None else ann_folder()
        dim = int(m.matrix.shape[1])
        if not isinstance(current, AnnIndex) and folder is not None:
            current = _read(folder, dim)
        changed = m.size
        if isinstance(current, AnnIndex):
            changed = ann_update(current, m, threads=threads, progress=progress)
        else:
            current = ann_build(m, threads=threads, progress=progress)
        if folder is not None and changed > _SAVE_SHARE * max(m.size, 1):
            _write(folder, dim, current)
        m.ann = current
        return current


def ann_build(m: VectorMatrix, *, threads: int = 0, progress: bool = False) -> AnnIndex:
    """A new graph of all of `m`'s rows (minutes at a million rows on two cores)."""
    started = time.perf_counter()
    index = _new_index(int(m.matrix.shape[1]))
    if m.size:
        index.add(m.ids.astype(np.uint64), m.matrix, threads=threads, log=progress)
    log.info("built the ANN graph of %d vectors in %.1f s", m.size,
             time.perf_counter() - started)
    return AnnIndex(index=index, generation=m.generation, ids=m.ids.copy(),
                    prints=fingerprints(m.matrix))


def ann_update(ann: AnnIndex, m: VectorMatrix, *, threads: int = 0,
               progress: bool = False) -> int:
    """Bring the graph in line with `m` (removed, changed and new rows); returns how many."""
    prints = fingerprints(m.matrix)
    with ann.lock:
        # Rows of the graph's vectors in m (-1: the question left), and which of them moved.
        rows = m.rows_of(ann.ids)
        kept = rows >= 0
        moved = np.zeros(ann.ids.shape[0], dtype=bool)
        moved[kept] = np.abs(ann.prints[kept] - prints[rows[kept]]).max(axis=1) > _PRINT_TOLERANCE
        leaving = ann.ids[~kept | moved]
        present = np.zeros(m.size, dtype=bool)
        present[rows[kept & ~moved]] = True
        joining = np.flatnonzero(~present)
        changed = int(leaving.shape[0] + joining.shape[0])
        if joining.shape[0] > m.size // 2:  # another model: a fresh graph is quicker
            fresh = ann_build(m, threads=threads, progress=progress)
            ann.index = fresh.index
        else:
            if leaving.shape[0]:
                ann.index.remove(leaving.astype(np.uint64))
            if joining.shape[0]:
                ann.index.add(m.ids[joining].astype(np.uint64), m.matrix[joining],
                              threads=threads)
        ann.ids, ann.prints, ann.generation = m.ids.copy(), prints, m.generation
    if changed:
        log.info("updated the ANN graph: %d vectors left it, %d joined",
                 leaving.shape[0], joining.shape[0])
    return changed


def _read(folder: Path, dim: int) -> AnnIndex | None:
    path, arrays_path, meta_path = _paths(folder, dim)
    try:
        meta = json.loads(meta_path.read_text())
        with np.load(arrays_path) as arrays:
            ids, prints = arrays["ids"], arrays["prints"]
    except (OSError, ValueError, KeyError):
        return None
    if {k: meta.get(k) for k in _params(dim)} != _params(dim):
        return None  # another layout: built afresh
    try:
        index = usearch_module().Index.restore(str(path))
    except Exception:  # usearch raises plain RuntimeErrors for damaged files
        log.warning("could not read %s; building the ANN graph again", path, exc_info=True)
        return None
    if index is None or len(index) != ids.shape[0]:
        return None
    index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
    return AnnIndex(index=index, generation=str(meta.get("generation")), ids=ids, prints=prints)


def _write(folder: Path, dim: int, ann: AnnIndex) -> None:
    path, arrays_path, meta_path = _paths(folder, dim)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp{os.getpid()}"
    with _file_lock(folder / ".lock"), ann.lock:
        # Each file is written under a temporary name and renamed; the metadata goes last
        # and names the generation, so a reader never pairs it with an older graph (the
        # sizes are checked too, should a writer die between two renames).
        ann.index.save(str(path) + suffix)
        with open(str(arrays_path) + suffix, "wb") as handle:
            np.savez(handle, ids=ann.ids, prints=ann.prints)
        meta = {**_params(dim), "generation": ann.generation, "size": len(ann.index)}
        Path(str(meta_path) + suffix).write_text(json.dumps(meta, indent=1) + "\n")
        os.replace(str(path) + suffix, path)
        os.replace(str(arrays_path) + suffix, arrays_path)
        os.replace(str(meta_path) + suffix, meta_path)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: the renames alone keep readers safe
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ann_refresh(*, encoder: Encoder, progress: bool = False,
                min_rows: int = ANN_MIN_ROWS) -> bool:
    """After a rebuild or a bulk import: bring the saved graph up to date if one is used."""
    m = vector_matrix(encoder=encoder)
    if m.size < min_rows:
        return False
    ann_index(m, progress=progress)
    return True
