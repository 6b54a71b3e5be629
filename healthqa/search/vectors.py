"""Sentence vectors of questions: written to the database, held in memory for search."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from healthqa.kb.models import Question
from healthqa.search.encoder import Encoder
from healthqa.search.models import IndexMeta, QuestionVector
from healthqa.search.text import stem_words

FORMAT_VERSION = "1"


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


def vectors_write(*, question_ids: Iterable[int], encoder: Encoder, batch_size: int = 128,
                  progress: bool = False) -> int:
    """Embed these questions and store their vectors; returns how many were written."""
    index_check(encoder=encoder)
    ids = list(question_ids)
    rows = list(
        Question.objects.filter(pk__in=ids).values_list(
            "pk", "title", "focus", "focus_synonyms", "content_hash"
        )
    ) if len(ids) <= 30000 else _rows_chunked(ids)
    if not rows:
        return 0
    texts = [question_text(title, focus, syn or []) for _, title, focus, syn, _ in rows]
    if progress:
        from tqdm import tqdm

        vectors = np.concatenate([
            encoder.encode(texts[i : i + 2048], batch_size=batch_size)
            for i in tqdm(range(0, len(texts), 2048), desc="embedding", unit_scale=2048,
                          unit=" questions")
        ])
    else:
        vectors = encoder.encode(texts, batch_size=batch_size)
    objs = [
        QuestionVector(question_id=pk, vector=vec.astype(np.float32).tobytes(), content_hash=h)
        for (pk, _, _, _, h), vec in zip(rows, vectors, strict=True)
    ]
    with transaction.atomic():
        QuestionVector.objects.filter(question_id__in=[o.question_id for o in objs]).delete()
        QuestionVector.objects.bulk_create(objs, batch_size=1000)
        _bump_generation(encoder)
    return len(objs)


def _rows_chunked(ids: list[int]) -> list[tuple[int, str, str, list[str], str]]:
    rows: list[tuple[int, str, str, list[str], str]] = []
    for i in range(0, len(ids), 20000):
        rows.extend(
            Question.objects.filter(pk__in=ids[i : i + 20000]).values_list(
                "pk", "title", "focus", "focus_synonyms", "content_hash"
            )
        )
    return rows


@dataclass
class VectorMatrix:
    """All published questions' vectors in memory with what filters need, row-aligned."""

    generation: str
    ids: np.ndarray  # int64 question ids
    matrix: np.ndarray  # float32 (n, dim)
    category: np.ndarray  # int64
    source: np.ndarray  # int64, -1 when none
    has_answer: np.ndarray  # bool
    row_of: dict[int, int]
    question_type: list[str]
    focus_words: list[tuple[frozenset[str], ...]]  # the focus and each synonym, as word sets

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])


def _generation() -> str:
    row = IndexMeta.objects.filter(key="generation").values_list("value", flat=True).first()
    return row or "0"


def _load(dim: int) -> VectorMatrix:
    generation = _generation()
    sql = (
        "SELECT v.question_id, v.vector, q.category_id, COALESCE(q.source_id, -1), q.has_answer, "
        "q.question_type, q.focus, q.focus_synonyms "
        "FROM search_questionvector v JOIN kb_question q ON q.id = v.question_id "
        "WHERE q.status = 'published' ORDER BY v.question_id"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    n = len(rows)
    matrix = np.empty((n, dim), dtype=np.float32)
    for i, row in enumerate(rows):
        matrix[i] = np.frombuffer(bytes(row[1]), dtype=np.float32)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    return VectorMatrix(
        generation=generation,
        ids=ids,
        matrix=matrix,
        category=np.fromiter((r[2] for r in rows), dtype=np.int64, count=n),
        source=np.fromiter((r[3] for r in rows), dtype=np.int64, count=n),
        has_answer=np.fromiter((bool(r[4]) for r in rows), dtype=bool, count=n),
        row_of={int(q): i for i, q in enumerate(ids)},
        question_type=[r[5] for r in rows],
        focus_words=[_focus_words(r[6], r[7]) for r in rows],
    )


def _focus_words(focus: str, synonyms_json: str | None) -> tuple[frozenset[str], ...]:
    names = [focus]
    if synonyms_json:
        names.extend(json.loads(synonyms_json)[:5])
    sets = (frozenset(stem_words(name)) for name in names if name)
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
            current = _load(encoder.dim)
            _cache[connection.alias] = current
    return current


def vector_matrix_forget() -> None:
    """Drop the in-memory copy (tests, after a reindex)."""
    _cache.clear()
