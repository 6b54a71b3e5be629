"""healthqa: a self-hostable health question-and-answer knowledge base."""

__version__ = "0.1.0"
