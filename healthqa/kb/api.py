"""The JSON API (placeholder until written)."""

from ninja import NinjaAPI

api = NinjaAPI(title="healthqa API", version="1")
