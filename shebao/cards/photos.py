"""The card photo (本人近期免冠彩色电子照片): a real JPEG or PNG picture, big enough to print
and in portrait proportions.

The card bureau prints the photo at 26 mm × 32 mm from a file of at least 358 × 441 pixels
(the dimensions card bureaus ask for: 宽 358 像素、高 441 像素). People upload ID-style photos
too (1 or 2 inch, 5 : 7), so the height may be 1.15 to 1.45 times the width; a landscape, square
or strip picture cannot be cropped into the card's frame without losing the face.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, UnidentifiedImageError

from shebao.common.errors import InvalidInput

MIN_WIDTH = 358  # pixels
MIN_HEIGHT = 441
MAX_SIDE = 6000  # pixels: anything larger is not a photo taken for this (or a decompression bomb)
MIN_RATIO = 1.15  # height / width
MAX_RATIO = 1.45
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class PhotoFacts:
    content_type: str
    width: int
    height: int


def photo_check(stream: IO[bytes], *, field: str = "file") -> PhotoFacts:
    """Open the picture and check it; raise ``InvalidInput`` with a stable code and a Chinese
    message: ``PHOTO_NOT_IMAGE`` (not a JPEG/PNG picture, or a damaged one), ``PHOTO_TOO_SMALL``,
    ``PHOTO_TOO_LARGE``, ``PHOTO_WRONG_SHAPE``."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                kind = image.format or ""
                width, height = image.size
                if kind in FORMATS and max(width, height) <= MAX_SIDE:
                    image.load()  # a truncated or damaged file fails here, not at the bureau
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise InvalidInput(
            "照片无法识别：请上传 JPG 或 PNG 格式的彩色照片文件",
            code="PHOTO_NOT_IMAGE",
            field=field,
        ) from None
    finally:
        stream.seek(0)
    if kind not in FORMATS:
        raise InvalidInput(
            "照片无法识别：请上传 JPG 或 PNG 格式的彩色照片文件",
            code="PHOTO_NOT_IMAGE",
            field=field,
        )
    if max(width, height) > MAX_SIDE:
        raise InvalidInput(
            f"照片过大（{width}×{height} 像素）：宽和高都不能超过 {MAX_SIDE} 像素",
            code="PHOTO_TOO_LARGE",
            field=field,
        )
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise InvalidInput(
            f"照片太小（{width}×{height} 像素）：至少须宽 {MIN_WIDTH} 像素、高 {MIN_HEIGHT} 像素",
            code="PHOTO_TOO_SMALL",
            field=field,
        )
    ratio = height / width
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise InvalidInput(
            f"照片比例不符（{width}×{height} 像素）：须为竖版证件照，高约为宽的 1.2 至 1.4 倍",
            code="PHOTO_WRONG_SHAPE",
            field=field,
        )
    return PhotoFacts(content_type=FORMATS[kind], width=width, height=height)
