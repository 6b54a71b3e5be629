"""Importers: parsers that only read (MedQuAD XML, JSONL) and one pipeline that writes."""
