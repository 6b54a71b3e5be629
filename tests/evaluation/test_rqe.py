"""Reading the RQE pairs: a small file made here, and the shared data when it is present."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.evaluation.rqe import RqePair, rqe_pairs_read
from tests.helpers import require_shared

SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
<pair pid="1" type="originalQ-shortQ" value="true">
<chq>
   How should I treat   polymenorrhea?
</chq>
<faq>
   Treating polymenorrhea?
</faq>
</pair>
<pair pid="2" value="false"> <chq>Gout. what now</chq><faq>What is Lupus?</faq> </pair>
</MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
"""


def test_pairs_are_read_with_their_whitespace_collapsed(tmp_path: Path) -> None:
    path = tmp_path / "rqe.xml"
    path.write_text(SMALL)
    assert rqe_pairs_read(path=path) == [
        RqePair(pid="1", chq="How should I treat polymenorrhea?", faq="Treating polymenorrhea?",
                label=True, type="originalQ-shortQ"),
        RqePair(pid="2", chq="Gout. what now", faq="What is Lupus?", label=False, type=None),
    ]


def test_a_pair_without_a_true_or_false_value_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "rqe.xml"
    path.write_text(SMALL.replace('value="false"', 'value="maybe"'))
    with pytest.raises(ValueError, match="pair pid='2': value 'maybe' is not true or false"):
        rqe_pairs_read(path=path)


@pytest.mark.shared
def test_the_validation_set_has_302_pairs_129_of_them_entailed() -> None:
    pairs = rqe_pairs_read(path=require_shared("data", "rqe-amia2016", "rqe-validation.xml"))
    assert len(pairs) == 302
    assert sum(p.label for p in pairs) == 129
    assert len({p.pid for p in pairs}) == 302
    assert pairs[0].faq == "What is High Blood Pressure?"
    assert pairs[0].chq.startswith("High Blood Pressure. I know you may not answer this")
    assert all(p.chq and p.faq and p.chq == p.chq.strip() and "\n" not in p.chq for p in pairs)


@pytest.mark.shared
def test_the_training_set_has_8588_pairs_of_two_types() -> None:
    pairs = rqe_pairs_read(path=require_shared("data", "rqe-amia2016", "rqe-train.xml"))
    assert len(pairs) == 8588
    assert sum(p.label for p in pairs) == 4655
    assert {p.type for p in pairs} == {"originalQ-shortQ", "originalQ-shortRandQ"}
    assert all(p.label == (p.type == "originalQ-shortQ") for p in pairs)
    # The data has one empty FAQ (pair 5860); it is kept so the count matches the paper.
    assert [p.pid for p in pairs if not p.faq] == ["5860"]
