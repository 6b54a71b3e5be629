"""Sentence vectors of questions: written to the database, held in memory for search."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F

from healthqa.kb.models import Question
from healthqa.search.backends import lexical_backend
from healthqa.search.encoder import DEFAULT_BATCH_SIZE, Encoder
from healthqa.search.models import IndexMeta, VectorChange
from healthqa.search.names import focus_plain
from healthqa.search.text import stem_words

FORMAT_VERSION = "1"
# IndexMeta key present while vectors are stored that no process has been told to load (a
# bulk import stores them batch by batch and bumps the generation only now and then).
UNPUBLISHED = "vectors_unpublished"
# Up to this many changed questions, processes read just their rows again (VectorChange);
# beyond it, a new generation makes them reload every vector.
CHANGES_MAX = 2000
PUBLISH_EVERY = 30.0  # seconds: how often a bulk import bumps the generation as it goes
# Batches the model may lag behind a bulk import's writing before the importing thread waits:
# at most what a killed import loses of its committed questions' vectors. Two encoding threads
# still have a batch each while the next one is written.
BEHIND_MAX = 3


class IndexMismatch(RuntimeError):
    """The stored index was built differently from what this process would build."""


def question_text(title: str, focus: str, synonyms: Sequence[str]) -> str:
    """What is embedded for a question: its title, plus other names of its focus."""
    extra = [s for s in synonyms if s.lower() not in title.lower()][:3]
    return title if not extra else f"{title} ({'; '.join(extra)})"


def _meta_expected(encoder: Encoder) -> dict[str, str]:
    return {"model": encoder.name, "dim": str(encoder.dim), "format": FORMAT_VERSION}


def index_meta() -> dict[str, str]:
    """The stored description of the index (empty before the first build)."""
    return dict(IndexMeta.objects.values_list("key", "value"))


def index_check(*, encoder: Encoder) -> None:
    """Raise IndexMismatch naming the fix when the stored vectors came from another model."""
    stored = index_meta()
    if not stored.get("model"):
        return  # nothing built yet: writes will record the meta
    expected = _meta_expected(encoder)
    for key, value in expected.items():
        if stored.get(key) != value:
            raise IndexMismatch(
                f"the search index was built with model {stored.get('model')!r} "
                f"(dimension {stored.get('dim')}, format {stored.get('format')}) but this "
                f"healthqa uses {encoder.name!r} (dimension {encoder.dim}, format "
                f"{FORMAT_VERSION}): run `healthqa reindex`"
            )


def _bump_generation(encoder: Encoder) -> None:
    for key, value in _meta_expected(encoder).items():
        IndexMeta.objects.update_or_create(key=key, defaults={"value": value})
    # A fresh token rather than a counter: processes (and test databases rolled back to an
    # earlier state) can never mistake another index's vectors for theirs.
    IndexMeta.objects.update_or_create(key="generation", defaults={"value": uuid.uuid4().hex})
    IndexMeta.objects.filter(key=UNPUBLISHED).delete()
    # Every process reloads everything for a new generation: the log of changes is moot.
    VectorChange.objects.all().delete()


def _in_bulk() -> bool:
    """Whether this thread is inside vectors_background() (a bulk import)."""
    return getattr(_local, "background", None) is not None


def index_changed(*, question_ids: Iterable[int]) -> None:
    """These questions' vectors or filters (published, answered, category) changed: a few are
    logged for processes to read again; many start a new generation (a full reload)."""
    ids = sorted(set(question_ids))
    if not ids or not IndexMeta.objects.filter(key="generation").exists():
        return
    if _in_bulk():
        return  # a bulk import in this thread: it starts a new generation as it goes
    if len(ids) > CHANGES_MAX:
        IndexMeta.objects.filter(key="generation").update(value=uuid.uuid4().hex)
        VectorChange.objects.all().delete()
    else:
        VectorChange.objects.bulk_create([VectorChange(question_id=q) for q in ids])


def index_generation_bump() -> None:
    """Mark the whole stored index as changed, so every process reloads it."""
    if IndexMeta.objects.filter(key="generation").exists():
        IndexMeta.objects.filter(key="generation").update(value=uuid.uuid4().hex)
        VectorChange.objects.all().delete()


def vectors_write(*, question_ids: Iterable[int], encoder: Encoder,
                  batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = False) -> int:
    """Embed these questions and store their vectors; returns how many were written.

    Inside vectors_background() (a bulk import) the texts go to the encoding thread instead
    and the vectors are stored later (vectors_background_store); this returns 0 then.
    """
    index_check(encoder=encoder)
    ids = list(question_ids)
    rows = _rows_chunked(ids)
    if not rows:
        return 0
    texts = [question_text(title, focus, syn or []) for _, title, focus, syn, _ in rows]
    background: _Background | None = getattr(_local, "background", None)
    if background is not None and background.encoder is encoder:
        background.submit([r[0] for r in rows], [r[4] for r in rows], texts)
        return 0
    if progress:
        from tqdm import tqdm

        vectors = np.concatenate([
            encoder.encode(texts[i : i + 4096], batch_size=batch_size)
            for i in tqdm(range(0, len(texts), 4096), desc="embedding", unit_scale=4096,
                          unit=" questions")
        ])
    else:
        vectors = encoder.encode(texts, batch_size=batch_size)
    return _store([r[0] for r in rows], [r[4] for r in rows], vectors, encoder=encoder)


def _store(ids: list[int], hashes: list[str], vectors: np.ndarray, *, encoder: Encoder,
           publish: bool = True) -> int:
    """Write vectors (replacing older ones) and start a new index generation.

    With publish=False the generation is left alone (unless there is none yet) and the
    UNPUBLISHED key notes that it is owed: processes go on with the vectors they hold.
    """
    values = [(pk, vec.astype(np.float32).tobytes(), h)
              for pk, h, vec in zip(ids, hashes, vectors, strict=True)]
    with transaction.atomic():
        lexical_backend().vectors_store(values, vectors)
        if not IndexMeta.objects.filter(key="generation").exists() or (
                publish and (len(ids) > CHANGES_MAX or _in_bulk())):
            _bump_generation(encoder)
        elif publish:  # a few questions: processes read just these rows again
            index_changed(question_ids=ids)
        else:
            IndexMeta.objects.update_or_create(key=UNPUBLISHED, defaults={"value": "1"})
    return len(values)


def _publish_owed(encoder: Encoder) -> None:
    """Bump the generation if vectors were stored without (by this run or a killed one)."""
    if IndexMeta.objects.filter(key=UNPUBLISHED).exists():
        with transaction.atomic():
            _bump_generation(encoder)


def _rows_chunked(ids: list[int]) -> list[tuple[int, str, str, list[str], str]]:
    rows: list[tuple[int, str, str, list[str], str]] = []
    for i in range(0, len(ids), 20000):
        rows.extend(
            Question.objects.filter(pk__in=ids[i : i + 20000]).values_list(
                "pk", "title", "focus", "focus_synonyms", "content_hash"
            )
        )
    return rows


_local = threading.local()


class _Background:
    """Encoding threads fed by the importing thread, so the model runs while rows are written.

    A MedQuAD import spends a third of its time in Python writing questions, on one core; the
    model meanwhile has the other (and both while the importing thread waits for it). With ONNX
    Runtime each thread has a single-threaded session of its own. The threads never touch the
    database: the importing thread stores the vectors, between batches and at the end, and
    waits when the model falls more than BEHIND_MAX batches behind (vectors_background_store).
    """

    def __init__(self, encoder: Encoder, batch_size: int) -> None:
        self.encoder = encoder
        self.batch_size = batch_size
        self.queue: queue.SimpleQueue[tuple[list[int], list[str], list[str]] | None] = (
            queue.SimpleQueue())
        self.done: list[tuple[list[int], list[str], np.ndarray]] = []
        self.submitted = 0
        self.encoded = 0
        self.cancelled = False
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.progressed = threading.Condition(self.lock)  # a batch was encoded (or failed)
        self.behind = 0  # batches submitted and not encoded yet
        self.published = time.monotonic()  # when the generation was last bumped
        # MedQuAD asks the same question in several files: each distinct text is encoded once.
        self.seen: dict[str, np.ndarray] = {}
        from healthqa.search.encoder import OnnxEncoder, _available_cores

        workers: list[Encoder] = [encoder]
        if isinstance(encoder, OnnxEncoder):
            workers = [encoder.with_threads(1) for _ in range(min(_available_cores(), 4))]
        self.threads = [
            threading.Thread(target=self._run, args=(worker,), name=f"healthqa-embedding-{i}",
                             daemon=True)
            for i, worker in enumerate(workers)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, ids: list[int], hashes: list[str], texts: list[str]) -> None:
        if self.error is not None:
            raise self.error
        self.submitted += len(ids)
        with self.lock:
            self.behind += 1
        self.queue.put((ids, hashes, texts))

    def wait_behind(self, batches: int) -> None:
        """Wait until at most `batches` submitted batches are still to be encoded."""
        with self.progressed:
            while self.behind > batches and self.error is None:
                self.progressed.wait(timeout=1.0)
        if self.error is not None:
            raise self.error

    def _run(self, worker: Encoder) -> None:
        while (item := self.queue.get()) is not None:
            if self.cancelled or self.error is not None:
                continue
            ids, hashes, texts = item
            try:
                new = [t for t in dict.fromkeys(texts) if t not in self.seen]
                if new:
                    vectors = worker.encode(new, batch_size=self.batch_size)
                    self.seen.update(zip(new, vectors, strict=True))
                with self.lock:
                    self.done.append((ids, hashes, np.stack([self.seen[t] for t in texts])))
                    self.encoded += len(ids)
                    self.behind -= 1
                    self.progressed.notify_all()
                if len(self.seen) > 200_000:  # bounds memory on very large imports
                    self.seen.clear()
            except BaseException as exc:  # handed to the importing thread
                self.error = exc
                with self.lock:
                    self.progressed.notify_all()

    def _stop(self, timeout: float | None, *, progress: bool = False) -> None:
        for _ in self.threads:
            self.queue.put(None)  # each thread ends at its first None, after the work queued
        if progress and self.encoded < self.submitted:
            from tqdm import tqdm

            with tqdm(total=self.submitted, initial=self.encoded, desc="embedding",
                      unit=" questions") as bar:
                while any(thread.is_alive() for thread in self.threads):
                    self.threads[0].join(timeout=0.5)
                    bar.update(self.encoded - bar.n)
        for thread in self.threads:
            thread.join(timeout=timeout)

    def finish(self, *, progress: bool) -> list[tuple[list[int], list[str], np.ndarray]]:
        """Wait for every submitted text (with a progress bar of the rest)."""
        self._stop(None, progress=progress)
        if self.error is not None:
            raise self.error
        return self.done

    def cancel(self) -> None:
        self.cancelled = True
        self._stop(30)


@contextlib.contextmanager
def vectors_background(*, encoder: Encoder, batch_size: int = DEFAULT_BATCH_SIZE,
                       progress: bool = False) -> Iterator[None]:
    """Around a bulk import: embed in background threads; the importing thread stores the
    vectors between its batches (vectors_background_store) and the rest at the end.

    Vectors are stored only for questions that still exist with the content they were
    computed from; then every question without a current vector (from this run, or from an
    earlier one that was killed) is embedded, so none is left without one, and the generation
    is bumped if vectors were stored without (so every process loads them).
    """
    if getattr(_local, "background", None) is not None:  # nested: the outer block stores
        yield
        return
    background = _Background(encoder, batch_size)
    _local.background = background
    # On PostgreSQL, into small tables, the search indexes are built once at the end.
    with lexical_backend().bulk_write():
        try:
            yield
        except Exception:
            # The questions committed so far keep their vectors (a strict import stops early).
            _local.background = None
            _background_store(background.finish(progress=progress), encoder=encoder)
            _publish_owed(encoder)
            raise
        except BaseException:  # Ctrl+C: stop encoding, keep what is done
            _local.background = None
            background.cancel()
            _background_store(background.done, encoder=encoder)
            _publish_owed(encoder)
            raise
        _local.background = None
        _background_store(background.finish(progress=progress), encoder=encoder)
        lexical_backend().statistics_refresh()
        missing = vectors_missing()
        if missing:
            vectors_write(question_ids=missing, encoder=encoder, batch_size=batch_size,
                          progress=progress)
        _publish_owed(encoder)


def vectors_background_store() -> int:
    """Inside vectors_background(), between two batches: store the vectors encoded so far.

    The importing thread calls it outside any transaction, so the questions of those vectors
    are committed (or were rolled back: the content hash check skips them). It first waits
    while the model is more than BEHIND_MAX batches behind, so a killed import loses the
    vectors of its last few batches only (the next run embeds them); the model has the cores
    meanwhile, so the import takes no longer. The generation, which makes every process reload
    all vectors, is bumped at most once every PUBLISH_EVERY seconds here, and at the end.
    Returns how many vectors were stored.
    """
    background: _Background | None = getattr(_local, "background", None)
    if background is None:
        return 0
    background.wait_behind(BEHIND_MAX)
    with background.lock:
        done, background.done = background.done, []
    publish = time.monotonic() - background.published >= PUBLISH_EVERY
    stored = _background_store(done, encoder=background.encoder, publish=publish)
    if stored and publish:
        background.published = time.monotonic()
    return stored


def _background_store(done: list[tuple[list[int], list[str], np.ndarray]], *,
                      encoder: Encoder, publish: bool = True) -> int:
    """Store the vectors of questions that still exist with the content they came from."""
    ids = [pk for chunk_ids, _, _ in done for pk in chunk_ids]
    current: dict[int, str] = {}
    for i in range(0, len(ids), 20000):
        current.update(Question.objects.filter(pk__in=ids[i : i + 20000]).values_list(
            "pk", "content_hash"))
    keep_ids: list[int] = []
    keep_hashes: list[str] = []
    keep_vectors: list[np.ndarray] = []
    for chunk_ids, hashes, vectors in done:
        for pk, h, vec in zip(chunk_ids, hashes, vectors, strict=True):
            if current.get(pk) == h:
                keep_ids.append(pk)
                keep_hashes.append(h)
                keep_vectors.append(vec)
    if not keep_ids:
        return 0
    return _store(keep_ids, keep_hashes, np.stack(keep_vectors), encoder=encoder,
                  publish=publish)


def vectors_missing() -> list[int]:
    """Ids of questions without a vector, or whose vector was computed from other content
    (a killed bulk import leaves some)."""
    return list(Question.objects.exclude(vector__content_hash=F("content_hash"))
                .order_by("pk").values_list("pk", flat=True))


class _FocusWords:
    """Each row's focus and synonyms as word sets, computed on first use of a row.

    Only the few hundred candidates of a query ever need them; computing them for all rows at
    load time took longer than reading the vectors (about 40 s at a million questions).
    """

    def __init__(self, focus: list[str], synonyms: list[str | None]) -> None:
        self._focus = focus
        self._synonyms = synonyms
        self._done: dict[int, tuple[frozenset[str], ...]] = {}

    def __len__(self) -> int:
        return len(self._focus)

    def __getitem__(self, row: int) -> tuple[frozenset[str], ...]:
        words = self._done.get(row)
        if words is None:
            words = self._done[row] = focus_words(self._focus[row], self._synonyms[row])
        return words


@dataclass
class VectorMatrix:
    """All published questions' vectors in memory with what filters need, row-aligned."""

    generation: str
    ids: np.ndarray  # int64 question ids, ascending
    matrix: np.ndarray  # float32 (n, dim)
    category: np.ndarray  # int64
    source: np.ndarray  # int64, -1 when none
    has_answer: np.ndarray  # bool
    question_type: list[str]
    focus_words: _FocusWords  # focus_words[row]: the focus and each synonym, as word sets
    # The approximate-neighbour index of these rows (healthqa.search.ann), built on first use
    # above ann.ANN_MIN_ROWS; carried over from the previous generation's matrix, if any.
    ann: Any = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def rows_of(self, question_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows of these question ids (-1 for ids not in the matrix), by binary search."""
        wanted = np.asarray(question_ids, dtype=np.int64)
        if self.size == 0 or wanted.size == 0:
            return np.full(wanted.shape, -1, dtype=np.int64)
        rows = np.searchsorted(self.ids, wanted)
        rows = np.minimum(rows, self.size - 1)
        return np.where(self.ids[rows] == wanted, rows, -1)

    @cached_property
    def row_of(self) -> dict[int, int]:
        """question id -> row (a dict; rows_of is cheaper for many ids at once)."""
        return {int(q): i for i, q in enumerate(self.ids)}


def _generation() -> str:
    """The index's state as "<generation>:<last change applied>"; asked on every search, in
    one plain SQL query (a tenth of the ORM's 0.6 ms)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT (SELECT value FROM {IndexMeta._meta.db_table} WHERE key = %s), "
                    f"(SELECT MAX(id) FROM {VectorChange._meta.db_table})", ["generation"])
        row = cur.fetchone()
    generation = str(row[0]) if row and row[0] else "0"
    return f"{generation}:{int(row[1] or 0) if row else 0}"


def index_state() -> str:
    """The stored index's state as processes compare it with theirs."""
    return _generation()


def _split(state: str) -> tuple[str, int]:
    generation, _, change = state.rpartition(":")
    return generation, int(change)


_LOAD_SQL = (
    "SELECT v.question_id, v.vector, q.category_id, COALESCE(q.source_id, -1), q.has_answer, "
    "q.question_type, q.focus, q.focus_synonyms "
    "FROM search_questionvector v JOIN kb_question q ON q.id = v.question_id "
    "WHERE q.status = 'published' ORDER BY v.question_id"
)
_LOAD_CHUNK = 20000
_CHANGED_SQL = (
    "SELECT v.question_id, v.vector, q.category_id, COALESCE(q.source_id, -1), q.has_answer, "
    "q.question_type, q.focus, q.focus_synonyms "
    "FROM search_questionvector v JOIN kb_question q ON q.id = v.question_id "
    "WHERE q.status = 'published' AND v.question_id IN ({marks}) ORDER BY v.question_id"
)


def _load(dim: int) -> VectorMatrix:
    # Rows are streamed into preallocated arrays: a million rows fetched at once would hold
    # the vectors twice (as bytes objects and in the matrix) plus a Python tuple per row.
    generation = _generation()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM search_questionvector v JOIN kb_question q "
            "ON q.id = v.question_id WHERE q.status = 'published'"
        )
        capacity = int(cur.fetchone()[0]) + 1024  # rows written between the two queries
        matrix = np.empty((capacity, dim), dtype=np.float32)
        ids = np.empty(capacity, dtype=np.int64)
        category = np.empty(capacity, dtype=np.int64)
        source = np.empty(capacity, dtype=np.int64)
        has_answer = np.empty(capacity, dtype=bool)
        question_type: list[str] = []
        focus: list[str] = []
        synonyms: list[str | None] = []
        interned: dict[str, str] = {}
        n = 0
        cur.execute(_LOAD_SQL)
        while rows := cur.fetchmany(_LOAD_CHUNK):
            end = n + len(rows)
            if end > capacity:
                capacity = max(end, capacity * 5 // 4)
                for array in (matrix, ids, category, source, has_answer):
                    array.resize((capacity, *array.shape[1:]), refcheck=False)
            blob = b"".join(bytes(r[1]) for r in rows)
            if len(blob) != len(rows) * dim * 4:
                raise IndexMismatch(
                    f"stored vectors are not all of dimension {dim}: run `healthqa reindex`"
                )
            matrix[n:end] = np.frombuffer(blob, dtype=np.float32).reshape(len(rows), dim)
            ids[n:end] = [r[0] for r in rows]
            category[n:end] = [r[2] for r in rows]
            source[n:end] = [r[3] for r in rows]
            has_answer[n:end] = [bool(r[4]) for r in rows]
            question_type.extend(interned.setdefault(r[5], r[5]) for r in rows)
            focus.extend(r[6] for r in rows)
            synonyms.extend(r[7] if r[7] not in ("[]", "") else None for r in rows)
            n = end
    return VectorMatrix(
        generation=generation,
        ids=ids[:n].copy() if n < capacity else ids,
        matrix=matrix[:n] if n < capacity else matrix,  # a view: no second copy of the vectors
        category=category[:n].copy(),
        source=source[:n].copy(),
        has_answer=has_answer[:n].copy(),
        question_type=question_type,
        focus_words=_FocusWords(focus, synonyms),
    )


def focus_words(focus: str, synonyms_json: str | None) -> tuple[frozenset[str], ...]:
    """The word sets of a question's focus, of its plain name (names.focus_plain) and of up to
    five synonyms: the names a reader may call its topic by."""
    names = [focus, focus_plain(focus)]
    if synonyms_json:
        names.extend(json.loads(synonyms_json)[:5])
    sets = dict.fromkeys(frozenset(stem_words(name)) for name in names if name)
    return tuple(s for s in sets if s)


_cache: dict[str, VectorMatrix] = {}
_cache_lock = threading.Lock()


def vector_matrix(*, encoder: Encoder) -> VectorMatrix:
    """The in-memory vectors, reloaded when the stored index changed (one cheap query)."""
    generation = _generation()
    current = _cache.get(connection.alias)
    if current is not None and current.generation == generation:
        return current
    with _cache_lock:
        current = _cache.get(connection.alias)
        if current is None or current.generation != generation:
            index_check(encoder=encoder)
            previous = current
            current = (_patched(previous, generation) if previous is not None else None) \
                or _load(encoder.dim)
            if previous is not None and previous.matrix.shape[1:] == current.matrix.shape[1:]:
                current.ann = previous.ann  # brought up to date on first use (ann.py)
            _cache[connection.alias] = current
    return current


def _patched(m: VectorMatrix, state: str) -> VectorMatrix | None:
    """`m` with the rows of the questions changed since it was loaded read again, or None
    when only a full reload will do: another generation, many changes, a question that left
    the index, a new one that does not sort last, or no room left after the rows.

    Rows that stay are rewritten in place, in the vectors' one buffer (a search running at
    that moment may read a row's new vector); new questions go into the spare rows after
    them, so the vectors are never copied. The small per-row arrays are copied.
    """
    generation, change = _split(state)
    had_generation, had_change = _split(m.generation)
    if generation != had_generation or change < had_change:
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT question_id FROM {VectorChange._meta.db_table} "
                    "WHERE id > %s AND id <= %s LIMIT %s", [had_change, change, CHANGES_MAX + 1])
        ids = sorted(int(r[0]) for r in cur.fetchall())
        if len(ids) > CHANGES_MAX:
            return None
        rows: list[tuple[Any, ...]] = []
        if ids:
            cur.execute(_CHANGED_SQL.format(marks=",".join(["%s"] * len(ids))), ids)
            rows = list(cur.fetchall())
    found = {int(r[0]) for r in rows}
    at = m.rows_of(ids)
    if any(row >= 0 and qid not in found for qid, row in zip(ids, at.tolist(), strict=True)):
        return None  # a question left the index: the rows after it would have to move
    new = [r for r in rows if m.rows_of([int(r[0])])[0] < 0]
    if new and m.size and int(new[0][0]) <= int(m.ids[-1]):
        return None
    base = m.matrix.base if m.matrix.base is not None else m.matrix
    size = m.size + len(new)
    if base.shape[0] < size or base.ndim != 2:
        return None
    dim = m.matrix.shape[1]
    ids_arr = np.concatenate([m.ids, np.array([int(r[0]) for r in new], dtype=np.int64)])
    category = np.concatenate([m.category, np.zeros(len(new), dtype=np.int64)])
    source = np.concatenate([m.source, np.zeros(len(new), dtype=np.int64)])
    has_answer = np.concatenate([m.has_answer, np.zeros(len(new), dtype=bool)])
    question_type = list(m.question_type) + [""] * len(new)
    focus = list(m.focus_words._focus) + [""] * len(new)
    synonyms = list(m.focus_words._synonyms) + [None] * len(new)
    row_of = {int(q): m.size + k for k, q in enumerate(ids_arr[m.size:].tolist())}
    changed_rows = []
    for r in rows:
        qid = int(r[0])
        i = row_of.get(qid)
        if i is None:
            i = int(m.rows_of([qid])[0])
        vector = np.frombuffer(bytes(r[1]), dtype=np.float32)
        if vector.shape[0] != dim:
            return None
        base[i] = vector
        category[i], source[i], has_answer[i] = r[2], r[3], bool(r[4])
        question_type[i], focus[i] = r[5], r[6]
        synonyms[i] = r[7] if r[7] not in ("[]", "") else None
        changed_rows.append(i)
    words = _FocusWords(focus, synonyms)
    words._done = {k: v for k, v in m.focus_words._done.items() if k not in set(changed_rows)}
    return VectorMatrix(generation=state, ids=ids_arr, matrix=base[:size],
                        category=category, source=source, has_answer=has_answer,
                        question_type=question_type, focus_words=words)


def vector_matrix_of(question_ids: Sequence[int]) -> VectorMatrix:
    """A matrix of just these published questions' vectors (ascending ids), read afresh: for
    computing a few related lists where the database searches the vectors itself, so the
    process never holds all of them."""
    ids = sorted(set(int(q) for q in question_ids))
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cur:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            cur.execute(_CHANGED_SQL.format(marks=",".join(["%s"] * len(chunk))), chunk)
            rows.extend(cur.fetchall())
    rows.sort(key=lambda r: int(r[0]))
    matrix = (np.stack([np.frombuffer(bytes(r[1]), dtype=np.float32) for r in rows])
              if rows else np.zeros((0, 0), dtype=np.float32))
    return VectorMatrix(
        generation="", ids=np.array([int(r[0]) for r in rows], dtype=np.int64), matrix=matrix,
        category=np.array([int(r[2]) for r in rows], dtype=np.int64),
        source=np.array([int(r[3]) for r in rows], dtype=np.int64),
        has_answer=np.array([bool(r[4]) for r in rows], dtype=bool),
        question_type=[str(r[5]) for r in rows],
        focus_words=_FocusWords([r[6] for r in rows],
                                [r[7] if r[7] not in ("[]", "") else None for r in rows]))


def vector_matrix_is_current(m: VectorMatrix) -> bool:
    """Whether `m` is this process's newest copy (not one a reload has replaced)."""
    return _cache.get(connection.alias) is m


def vector_matrix_forget() -> None:
    """Drop the in-memory copy (tests, after a reindex)."""
    _cache.clear()
