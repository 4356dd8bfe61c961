"""Admin helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shebao.common.identifiers import identifier_text


class SpelledSearchMixin:
    """Admin search in the identifiers' one spelling: a full-width or other-script ID number,
    credit code or mobile typed in the search box finds the stored ASCII one. (Only the shared
    NFKC step, so that names and other text fields search as typed.) A test fails on an admin
    that searches an identifier field without it."""

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        return super().get_search_results(request, queryset, identifier_text(search_term))  # type: ignore[misc]
