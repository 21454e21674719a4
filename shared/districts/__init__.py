"""District packs (``python -m shared.districts validate|list``): the schema, its checks and the loader."""

from .loader import PACKS_DIR, PackInvalid, load_pack, load_packs, pack_problems_of, packs_dir, parse_pack
from .schema import DISTRICT_CODE_PATTERN, DistrictPack

__all__ = ["DISTRICT_CODE_PATTERN", "PACKS_DIR", "DistrictPack", "PackInvalid", "load_pack", "load_packs",
           "pack_problems_of", "packs_dir", "parse_pack"]
