"""What the knowledge base announces, so layers above it keep up without being imported here.

Receivers run in the sender's thread; `questions_changed` is sent inside the write's
transaction, so what a receiver writes commits or rolls back with the questions.
"""

from django.dispatch import Signal

# Questions were created or changed: `question_ids`; `bulk` is True inside a bulk import,
# whose derived data (related lists) is refreshed once when it ends (see questions_bulk).
questions_changed = Signal()

# This process dropped the content's cached reads (between tests): drop yours. Writes do not
# send it: they start a new content generation (healthqa.kb.generation), which every process's
# cached reads are checked against, so keep yours in a healthqa.kb.generation.GenerationMemo.
read_caches_cleared = Signal()
