"""The living half: readers ask the experts, experts answer, editors review."""
