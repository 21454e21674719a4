"""Chinese text normalisation shared by keyword matching and similarity.

Chinese has no spaces, so matching works on normalised character strings (substring search) and
similarity on character bigrams.
"""

import unicodedata

# Punctuation and symbols carry no routing signal; removing them lets "营业执照，" match "营业执照".
_DROPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Po", "Ps", "Pe", "Pi", "Pf", "Pd", "Pc", "Sm", "Sc",
                                 "Sk", "So"})


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower-case, drop whitespace and punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch) not in _DROPPED_CATEGORIES)


def bigrams(normalised: str) -> list[str]:
    """Overlapping character bigrams; a one-character text yields itself."""
    if len(normalised) < 2:
        return [normalised] if normalised else []
    return [normalised[i : i + 2] for i in range(len(normalised) - 1)]
