"""Uploaded images: only real JPEG, PNG, GIF or WebP pictures are kept, and they are served inertly.

A file is decoded with Pillow before it is stored: its format (not its name or the browser's word)
decides what it is, and the name's extension must agree. SVG is refused outright (it is a document
that can carry script), as is anything over MAX_IMAGE_BYTES or MAX_PIXELS (a decompression bomb).
Served images carry their stored content type, `nosniff` and a policy that lets nothing run.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from flask import Response
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.storefront.models import Image
from sandbox.worlds.world import World

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000 * 4000
MAX_SIDE = 8000
MIN_SIDE = 16
# Pillow's format name -> (content type, the file name extensions it may have)
FORMATS = {
    "JPEG": ("image/jpeg", {".jpg", ".jpeg", ".jfif"}),
    "PNG": ("image/png", {".png"}),
    "GIF": ("image/gif", {".gif"}),
    "WEBP": ("image/webp", {".webp"}),
}
ALLOWED_EXTENSIONS = sorted(ext for _, exts in FORMATS.values() for ext in exts)
# What the served image may do: nothing (it is shown by <img>, never as a document that runs).
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass
class CheckedImage:
    """An upload that decoded as an allowed image."""

    filename: str
    content_type: str
    width: int
    height: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def columns(self, now: datetime) -> dict:
        """The columns every stored picture has (shop images, listing and forum pictures)."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "width": self.width,
            "height": self.height,
            "sha256": self.sha256,
            "data": self.data,
            "created_at": now,
        }


def _looks_like_svg(name: str, data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return (
        name.lower().endswith((".svg", ".svgz"))
        or head.startswith((b"<?xml", b"<svg", b"<!doctype svg"))
        or b"<svg" in head
    )


def check_image(filename: str | None, data: bytes) -> CheckedImage:
    """Decode an uploaded file and return it if it is an allowed image; DomainError otherwise."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()[:120]
    if not data:
        raise DomainError(N_("请选择要上传的图片文件"))
    if len(data) > MAX_IMAGE_BYTES:
        raise DomainError(N_("图片不能超过 2 MB"), status=413)
    if _looks_like_svg(name, data):
        raise DomainError(N_("不支持 SVG 图片（可能含有脚本），请上传 JPG、PNG、GIF 或 WebP 图片"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            # Only the four decoders ever look at the bytes (no EPS, PSD, TIFF … parsers).
            with PILImage.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                fmt, (width, height) = probe.format, probe.size
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise DomainError(N_("图片尺寸过大（最多 %(max)s 万像素）"), max=MAX_PIXELS // 10000)
                if min(width, height) < MIN_SIDE:
                    raise DomainError(N_("图片太小（宽和高至少 %(min)s 像素）"), min=MIN_SIDE)
                probe.verify()
            with PILImage.open(io.BytesIO(data), formats=[fmt]) as image:
                image.load()  # a truncated or corrupt file fails here
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise DomainError(N_("文件不是有效的图片：只能上传 JPG、PNG、GIF 或 WebP 图片")) from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise DomainError(N_("图片尺寸过大（最多 %(max)s 万像素）"), max=MAX_PIXELS // 10000) from None
    content_type, extensions = FORMATS[fmt]
    if PurePosixPath(name.lower()).suffix not in extensions:
        raise DomainError(N_("文件扩展名与图片实际格式（%(format)s）不符"), format=fmt.replace("JPEG", "JPG"))
    return CheckedImage(name, content_type, width, height, data)


def store_image(w: World, shop_id: int, checked: CheckedImage) -> Image:
    """Keep a checked image in the world for a shop (the same bytes uploaded again are one row)."""
    digest = checked.sha256
    same = w.db.scalars(select(Image).where(Image.shop_id == shop_id, Image.sha256 == digest)).first()
    if same is not None:
        return same
    image = Image(shop_id=shop_id, **checked.columns(w.now()))
    w.db.add(image)
    w.db.flush()
    return image


def image_response(image: Image) -> Response:
    """An image as a response that no browser will run or reinterpret."""
    resp = Response(image.data, mimetype=image.content_type)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = IMAGE_CSP
    resp.headers["Content-Disposition"] = "inline"
    resp.set_etag(image.sha256)
    resp.cache_control.private = True
    resp.cache_control.max_age = 3600
    return resp
