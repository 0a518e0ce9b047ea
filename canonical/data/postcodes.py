"""Postcode shapes per country, and which countries' postcodes lose leading zeros."""

# Postcode shapes per country: ISO alpha-2 -> (regex on the upper-cased, trimmed code, example).
POSTCODE_PATTERNS: dict[str, tuple[str, str]] = {
    "IT": (r"\d{5}", "20121"),
    "SM": (r"4789\d", "47890"),
    "VA": (r"00120", "00120"),
    "DE": (r"\d{5}", "10115"),
    "FR": (r"\d{5}", "75008"),
    "ES": (r"\d{5}", "28013"),
    "AT": (r"\d{4}", "1010"),
    "CH": (r"\d{4}", "6900"),
    "BE": (r"\d{4}", "1000"),
    "LU": (r"(L-)?\d{4}", "L-1330"),
    "NL": (r"\d{4} ?[A-Z]{2}", "1012 AB"),
    "PT": (r"\d{4}-\d{3}", "1100-148"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "SW1A 1AA"),
    "IE": (r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "D02 X285"),
    "US": (r"\d{5}(-\d{4})?", "10001"),
    "PL": (r"\d{2}-\d{3}", "00-950"),
    "SE": (r"\d{3} ?\d{2}", "111 22"),
    "DK": (r"\d{4}", "1050"),
    "NO": (r"\d{4}", "0150"),
    "FI": (r"\d{5}", "00100"),
    "GR": (r"\d{3} ?\d{2}", "105 57"),
    "CZ": (r"\d{3} ?\d{2}", "110 00"),
    "SK": (r"\d{3} ?\d{2}", "811 01"),
    "HU": (r"\d{4}", "1051"),
    "RO": (r"\d{6}", "010011"),
    "HR": (r"\d{5}", "10000"),
    "SI": (r"\d{4}", "1000"),
    "CA": (r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "K1A 0B1"),
}
# Countries whose numeric postcodes lose leading zeros in spreadsheets ("100" -> "00100").
ZERO_PADDED_POSTCODE_LENGTH: dict[str, int] = {"IT": 5, "DE": 5, "FR": 5, "ES": 5, "US": 5, "FI": 5}
