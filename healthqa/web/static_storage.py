"""Static files under names that carry a hash of their content, so browsers may keep them."""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's manifest storage, falling back to the plain name for a file not collected.

    `collectstatic` (run by `healthqa serve` and `healthqa demo` when needed) writes each
    file under a hashed name, its gzip copy and the manifest into STATIC_ROOT; `{% static %}`
    then gives the hashed name, which whitenoise serves as immutable for ten years. Without
    the manifest, as in the tests, or for a file added since the last collection, the plain
    name is given instead of an error page: whitenoise serves it from the package
    (WHITENOISE_USE_FINDERS) with a short cache lifetime.
    """

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # not in the manifest (manifest_strict stays on to say so)
            return name

    @property
    def keep_only_hashed_files(self) -> bool:
        # The plain names are served from the packages, so their copies would only double
        # the files to compress.
        return True

    def create_compressor(self, **kwargs: Any) -> Compressor:
        # gzip only, and not the source maps (only a browser's developer tools fetch them):
        # with Brotli a collection takes about a minute, this way under a second.
        skipped = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
        return Compressor(**{**kwargs, "extensions": skipped}, use_brotli=False)
