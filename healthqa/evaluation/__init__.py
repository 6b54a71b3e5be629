"""Evaluation: metrics, TREC files, the RQE pairs and a dev set rewritten from MedQuAD.

Pure Python and numpy; nothing here imports Django, so the toolkit runs beside any engine.
"""
