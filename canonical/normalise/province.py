"""Italian provinces: the two-letter sigla ("MI") from a sigla or a name ("Milano")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from canonical.data.provinces import HISTORICAL_SIGLE, PROVINCE_NAME_ALIASES, PROVINCES, Province
from canonical.normalise.result import Normalised
from canonical.normalise.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvinceResult(Normalised[str]):
    """An Italian province: ``value`` is its sigla ("MI").

    Attributes:
        name: the province's name ("Milano").
        region: the region it belongs to ("Lombardia").
    """

    name: str | None = None
    region: str | None = None


@cache
def _province_index() -> dict[str, str]:
    """Folded sigla or name -> sigla."""
    index = {fold(sigla): sigla for sigla in (*PROVINCES, *HISTORICAL_SIGLE)}
    index.update({fold(p.name): sigla for sigla, p in PROVINCES.items()})
    index.update({fold(p.name): sigla for sigla, p in HISTORICAL_SIGLE.items()})
    index.update({fold(name): sigla for name, sigla in PROVINCE_NAME_ALIASES.items()})
    return index


def province_of(sigla: str) -> Province:
    """The province (name, region) of a known sigla, current or historical."""
    return PROVINCES.get(sigla) or HISTORICAL_SIGLE[sigla]


@lru_cache(maxsize=4096)
def normalise_province(raw: str) -> ProvinceResult:
    """Italian province as sigla: "mi", "(MI)", "Milano", "Provincia di Milano" -> "MI"."""
    key = fold(raw)
    for prefix in ("provincia di ", "prov di ", "citta metropolitana di "):
        key = key.removeprefix(prefix)
    if not key:
        return ProvinceResult.fail(raw, "the province is empty")
    sigla = _province_index().get(key)
    if sigla is None:
        return ProvinceResult.fail(
            raw, f"{raw!r} is not an Italian province (expected a sigla such as MI, RM, NA)"
        )
    province = province_of(sigla)
    return ProvinceResult.ok(raw, sigla, name=province.name, region=province.region)


def is_province_sigla(text: str) -> bool:
    """True for the upper-case sigla of a current Italian province ("MI")."""
    return text in PROVINCES
