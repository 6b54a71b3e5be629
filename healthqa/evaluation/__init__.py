"""Evaluation: metrics, TREC files, the RQE pairs and a dev set rewritten from MedQuAD.

Pure Python and numpy; nothing here imports Django, so the toolkit runs beside any engine,
except runner.py and tuning.py, which wire healthqa's own engine to it (`healthqa eval`).
"""
