"""The source documents (``/work/shared/seeds``) a matter cites in ``Matter.sources``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seed:
    id: str
    place: str  # the city or province whose practice the document describes
    title: str


SEEDS: dict[str, Seed] = {
    seed.id: seed
    for seed in (
        Seed("000", "吉林市", "吉林市社会保险事业管理局：疫情防控期间社保业务办理问答"),
        Seed("001", "武汉市", "武汉晚报：武汉全国率先推出网上办社保"),
        Seed("002", "江苏省（常州）", "江苏省人社一体化信息平台上线后社保经办问答"),
        Seed("003", "北京市", "北京市社会保险基金管理中心：疫情防控期间社会保险经办工作安排"),
        Seed("004", "昆山市", "昆山人社：疫情期间高频可“线上办”事项"),
    )
}
