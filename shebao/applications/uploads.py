"""Checking and storing uploaded material files.

A file is accepted only if its first bytes (magic number), its declared content type and its
file-name extension all say the same type, one of the kinds the material accepts (the
catalogue's ``accept``: a scan is PDF/JPEG/PNG, a photo JPEG/PNG, a roster .xlsx) and of
``settings.SHEBAO_UPLOAD_TYPES``, and its size is between 1 byte and
``settings.SHEBAO_UPLOAD_MAX_BYTES``. An .xlsx must also be a real workbook (an OOXML zip with
``xl/workbook.xml``), not any zip renamed. It is stored under MEDIA_ROOT with a
random name (the original name is kept only in the database) and is never served directly.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from shebao.catalogue.schema import DEFAULT_ACCEPT, FILE_KINDS, accept_label
from shebao.common.errors import InvalidInput
from shebao.common.text import REPLACEMENT, text_repair

XLSX = FILE_KINDS["xlsx"][0]
# Magic numbers of the types we accept (an .xlsx is a zip; its inside is checked after storing).
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    XLSX: (b"PK\x03\x04",),
}
EXTENSIONS = {content_type: extensions for content_type, extensions, _ in FILE_KINDS.values()}
KIND_OF = {content_type: kind for kind, (content_type, _, _) in FILE_KINDS.items()}
# Declared types some clients send for the same formats.
TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# A client that does not know the type says so with one of these; then magic and extension decide.
UNDECLARED = {"", "application/octet-stream"}
CHUNK = 64 * 1024
NAME_MAX_LENGTH = 200  # Material.original_name
_SUFFIX_MAX_LENGTH = 16


def upload_name(raw: str | None, *, limit: int = NAME_MAX_LENGTH) -> str:
    """The name an upload is kept under: the last path segment, without characters the hall
    cannot store or show, at most ``limit`` characters with the extension kept (a long name is
    shortened before its extension, so "….pdf" is still a PDF)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = text_repair(name).replace(REPLACEMENT, "").strip()
    if len(name) <= limit:
        return name
    suffix = PurePosixPath(name).suffix
    if not suffix or len(suffix) > _SUFFIX_MAX_LENGTH:
        return name[:limit]
    return name[: limit - len(suffix)] + suffix


@dataclass(frozen=True)
class StoredFile:
    name: str  # storage name under MEDIA_ROOT
    content_type: str
    size: int
    sha256: str


def limit_label() -> str:
    """The upload size limit as people read it: "10 MB", or "512 KB" below a megabyte."""
    limit = settings.SHEBAO_UPLOAD_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{limit / 1024 / 1024:g} MB"
    return f"{max(1, limit // 1024)} KB"


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, or None."""
    for content_type, magics in MAGIC.items():
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return None


def upload_check(
    *,
    name: str,
    declared_type: str,
    size: int | None,
    head: bytes,
    accept: list[str] | None = None,
) -> str:
    """The checked content type of an upload; raises InvalidInput with a stable code.

    ``accept``: the file kinds of the material (default: a scan, PDF/JPEG/PNG)."""
    kinds = [k for k in (accept or DEFAULT_ACCEPT) if k in FILE_KINDS]
    labels = accept_label(kinds)
    if size is not None and size > settings.SHEBAO_UPLOAD_MAX_BYTES:
        raise InvalidInput(
            f"文件过大：单个文件不能超过 {limit_label()}", code="UPLOAD_TOO_LARGE", field="file"
        )
    if size == 0 or not head:
        raise InvalidInput("文件是空的，请重新选择文件", code="UPLOAD_EMPTY", field="file")
    sniffed = sniff(head)
    allowed = set(settings.SHEBAO_UPLOAD_TYPES) & {FILE_KINDS[k][0] for k in kinds}
    if sniffed is None or sniffed not in allowed:
        raise InvalidInput(
            f"文件格式不支持：该材料只能上传 {labels} 格式的文件",
            code="UPLOAD_TYPE_NOT_ALLOWED",
            field="file",
            details={"accept": kinds},
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    declared = TYPE_ALIASES.get(declared, declared)
    if declared not in UNDECLARED and declared != sniffed:
        raise InvalidInput(
            f"文件内容与文件类型不符，请上传真实的 {labels} 文件",
            code="UPLOAD_TYPE_NOT_ALLOWED",
            field="file",
        )
    extension = PurePosixPath(name or "").suffix.lower()
    if extension not in EXTENSIONS[sniffed]:
        raise InvalidInput(
            f"文件扩展名与文件内容不符，请上传真实的 {labels} 文件",
            code="UPLOAD_TYPE_NOT_ALLOWED",
            field="file",
        )
    return sniffed


def _read_head(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    return head


def _check_workbook(path: str) -> None:
    """An .xlsx must open as an OOXML workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        names = set()
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise InvalidInput(
            "文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后上传",
            code="UPLOAD_TYPE_NOT_ALLOWED",
            field="file",
        )


def upload_store(
    *,
    stream: IO[bytes],
    name: str,
    declared_type: str,
    size: int | None,
    accept: list[str] | None = None,
) -> StoredFile:
    """Check and write an upload; returns where it went. The caller deletes it (with
    :func:`upload_discard`) if its database row does not commit."""
    content_type = upload_check(
        name=name, declared_type=declared_type, size=size, head=_read_head(stream), accept=accept
    )
    today = timezone.localdate()
    storage_name = (
        f"applications/{today:%Y/%m}/{secrets.token_hex(16)}"
        f"{settings.SHEBAO_UPLOAD_TYPES[content_type]}"
    )
    path = default_storage.path(storage_name)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > settings.SHEBAO_UPLOAD_MAX_BYTES:
                    # The declared size lied (or was unknown): stop reading at the limit.
                    raise InvalidInput(
                        f"文件过大：单个文件不能超过 {limit_label()}",
                        code="UPLOAD_TOO_LARGE",
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if content_type == XLSX:
            _check_workbook(path)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    return StoredFile(
        name=storage_name, content_type=content_type, size=written, sha256=digest.hexdigest()
    )


def upload_discard(name: str) -> None:
    """Delete a stored file whose database row was not written."""
    if name and default_storage.exists(name):
        default_storage.delete(name)
