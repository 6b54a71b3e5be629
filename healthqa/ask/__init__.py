"""The ask flow: a reader's own question matched to answered ones, urgent cases triaged first."""
