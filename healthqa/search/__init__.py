"""Search: sentence encoders and the lexical, dense and hybrid searchers built on them."""
