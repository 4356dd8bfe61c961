"""Writes that belong to no single domain: repairing stored text the hall cannot show.

Input is checked at the edge (:mod:`shebao.common.text`), but rows written before that check
(or by hand, or by an import) may hold a lone surrogate, a NUL or a control character, and a
page or API answer that shows such a row fails for good. :func:`stored_text_repair` finds them
in every text and JSON column of every model and makes them safe in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, models, transaction

from shebao.common.text import UNSAFE_CHARACTERS, text_repair

CHUNK_SIZE = 2000
_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


@dataclass(frozen=True)
class TextRepair:
    model: str  # app_label.ModelName
    pk: object
    fields: tuple[str, ...]
    repaired: bool  # False: a dry run, or the repaired value collides with a unique row

    def __str__(self) -> str:
        state = "已修复" if self.repaired else "未修复"
        return f"{self.model} #{self.pk} {'、'.join(self.fields)}：{state}"


def _text_fields(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, _TEXT_FIELDS) and not field.primary_key
    ]


def _needs_repair(value: object) -> bool:
    if isinstance(value, str):
        return UNSAFE_CHARACTERS.search(value) is not None
    return value is not None and not isinstance(value, (int, bool)) and text_repair(value) != value


def _models() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = _text_fields(model)
        if fields:
            yield model, fields


def stored_text_repair(*, dry_run: bool = False) -> list[TextRepair]:
    """Find every row with unshowable text and (unless ``dry_run``) repair it: lone surrogates
    become U+FFFD, control characters are dropped (:func:`~shebao.common.text.text_repair`).

    Rows are updated in place with ``update()``: no ``auto_now`` stamp moves and no signal
    fires, since a repair is not an edit by anyone. A row whose repaired value would collide
    with another under a unique constraint is reported and left as it is.
    """
    found: list[TextRepair] = []
    for model, fields in _models():
        rows = model._base_manager.only("pk", *fields).order_by("pk")
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            changes = {
                name: text_repair(getattr(row, name))
                for name in fields
                if _needs_repair(getattr(row, name))
            }
            if not changes:
                continue
            repaired = False
            if not dry_run:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=row.pk).update(**changes)
                    repaired = True
                except IntegrityError:
                    repaired = False
            found.append(
                TextRepair(
                    model=model._meta.label, pk=row.pk, fields=tuple(changes), repaired=repaired
                )
            )
    return found
