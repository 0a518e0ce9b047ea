"""The 107 Italian provinces (and metropolitan cities): sigla -> (name, region).

Sigle are the two-letter codes used in postal addresses and on number plates.
HISTORICAL_SIGLE lists codes of Sardinian provinces abolished in 2016 that still
appear in addresses; they are accepted as they are.
"""

from __future__ import annotations

from typing import NamedTuple


class Province(NamedTuple):
    """An Italian province: its name and its region."""

    name: str
    region: str


PROVINCES: dict[str, Province] = {
    # Piemonte
    "AL": Province("Alessandria", "Piemonte"),
    "AT": Province("Asti", "Piemonte"),
    "BI": Province("Biella", "Piemonte"),
    "CN": Province("Cuneo", "Piemonte"),
    "NO": Province("Novara", "Piemonte"),
    "TO": Province("Torino", "Piemonte"),
    "VB": Province("Verbano-Cusio-Ossola", "Piemonte"),
    "VC": Province("Vercelli", "Piemonte"),
    # Valle d'Aosta
    "AO": Province("Aosta", "Valle d'Aosta"),
    # Lombardia
    "BG": Province("Bergamo", "Lombardia"),
    "BS": Province("Brescia", "Lombardia"),
    "CO": Province("Como", "Lombardia"),
    "CR": Province("Cremona", "Lombardia"),
    "LC": Province("Lecco", "Lombardia"),
    "LO": Province("Lodi", "Lombardia"),
    "MB": Province("Monza e della Brianza", "Lombardia"),
    "MI": Province("Milano", "Lombardia"),
    "MN": Province("Mantova", "Lombardia"),
    "PV": Province("Pavia", "Lombardia"),
    "SO": Province("Sondrio", "Lombardia"),
    "VA": Province("Varese", "Lombardia"),
    # Trentino-Alto Adige
    "BZ": Province("Bolzano", "Trentino-Alto Adige"),
    "TN": Province("Trento", "Trentino-Alto Adige"),
    # Veneto
    "BL": Province("Belluno", "Veneto"),
    "PD": Province("Padova", "Veneto"),
    "RO": Province("Rovigo", "Veneto"),
    "TV": Province("Treviso", "Veneto"),
    "VE": Province("Venezia", "Veneto"),
    "VI": Province("Vicenza", "Veneto"),
    "VR": Province("Verona", "Veneto"),
    # Friuli-Venezia Giulia
    "GO": Province("Gorizia", "Friuli-Venezia Giulia"),
    "PN": Province("Pordenone", "Friuli-Venezia Giulia"),
    "TS": Province("Trieste", "Friuli-Venezia Giulia"),
    "UD": Province("Udine", "Friuli-Venezia Giulia"),
    # Liguria
    "GE": Province("Genova", "Liguria"),
    "IM": Province("Imperia", "Liguria"),
    "SP": Province("La Spezia", "Liguria"),
    "SV": Province("Savona", "Liguria"),
    # Emilia-Romagna
    "BO": Province("Bologna", "Emilia-Romagna"),
    "FC": Province("Forlì-Cesena", "Emilia-Romagna"),
    "FE": Province("Ferrara", "Emilia-Romagna"),
    "MO": Province("Modena", "Emilia-Romagna"),
    "PC": Province("Piacenza", "Emilia-Romagna"),
    "PR": Province("Parma", "Emilia-Romagna"),
    "RA": Province("Ravenna", "Emilia-Romagna"),
    "RE": Province("Reggio Emilia", "Emilia-Romagna"),
    "RN": Province("Rimini", "Emilia-Romagna"),
    # Toscana
    "AR": Province("Arezzo", "Toscana"),
    "FI": Province("Firenze", "Toscana"),
    "GR": Province("Grosseto", "Toscana"),
    "LI": Province("Livorno", "Toscana"),
    "LU": Province("Lucca", "Toscana"),
    "MS": Province("Massa-Carrara", "Toscana"),
    "PI": Province("Pisa", "Toscana"),
    "PO": Province("Prato", "Toscana"),
    "PT": Province("Pistoia", "Toscana"),
    "SI": Province("Siena", "Toscana"),
    # Umbria
    "PG": Province("Perugia", "Umbria"),
    "TR": Province("Terni", "Umbria"),
    # Marche
    "AN": Province("Ancona", "Marche"),
    "AP": Province("Ascoli Piceno", "Marche"),
    "FM": Province("Fermo", "Marche"),
    "MC": Province("Macerata", "Marche"),
    "PU": Province("Pesaro e Urbino", "Marche"),
    # Lazio
    "FR": Province("Frosinone", "Lazio"),
    "LT": Province("Latina", "Lazio"),
    "RI": Province("Rieti", "Lazio"),
    "RM": Province("Roma", "Lazio"),
    "VT": Province("Viterbo", "Lazio"),
    # Abruzzo
    "AQ": Province("L'Aquila", "Abruzzo"),
    "CH": Province("Chieti", "Abruzzo"),
    "PE": Province("Pescara", "Abruzzo"),
    "TE": Province("Teramo", "Abruzzo"),
    # Molise
    "CB": Province("Campobasso", "Molise"),
    "IS": Province("Isernia", "Molise"),
    # Campania
    "AV": Province("Avellino", "Campania"),
    "BN": Province("Benevento", "Campania"),
    "CE": Province("Caserta", "Campania"),
    "NA": Province("Napoli", "Campania"),
    "SA": Province("Salerno", "Campania"),
    # Puglia
    "BA": Province("Bari", "Puglia"),
    "BR": Province("Brindisi", "Puglia"),
    "BT": Province("Barletta-Andria-Trani", "Puglia"),
    "FG": Province("Foggia", "Puglia"),
    "LE": Province("Lecce", "Puglia"),
    "TA": Province("Taranto", "Puglia"),
    # Basilicata
    "MT": Province("Matera", "Basilicata"),
    "PZ": Province("Potenza", "Basilicata"),
    # Calabria
    "CS": Province("Cosenza", "Calabria"),
    "CZ": Province("Catanzaro", "Calabria"),
    "KR": Province("Crotone", "Calabria"),
    "RC": Province("Reggio Calabria", "Calabria"),
    "VV": Province("Vibo Valentia", "Calabria"),
    # Sicilia
    "AG": Province("Agrigento", "Sicilia"),
    "CL": Province("Caltanissetta", "Sicilia"),
    "CT": Province("Catania", "Sicilia"),
    "EN": Province("Enna", "Sicilia"),
    "ME": Province("Messina", "Sicilia"),
    "PA": Province("Palermo", "Sicilia"),
    "RG": Province("Ragusa", "Sicilia"),
    "SR": Province("Siracusa", "Sicilia"),
    "TP": Province("Trapani", "Sicilia"),
    # Sardegna
    "CA": Province("Cagliari", "Sardegna"),
    "NU": Province("Nuoro", "Sardegna"),
    "OR": Province("Oristano", "Sardegna"),
    "SS": Province("Sassari", "Sardegna"),
    "SU": Province("Sud Sardegna", "Sardegna"),
}

HISTORICAL_SIGLE: dict[str, Province] = {
    "CI": Province("Carbonia-Iglesias", "Sardegna"),
    "VS": Province("Medio Campidano", "Sardegna"),
    "OG": Province("Ogliastra", "Sardegna"),
    "OT": Province("Olbia-Tempio", "Sardegna"),
}

# Other names sources use for a province -> sigla (compared after folding).
PROVINCE_NAME_ALIASES: dict[str, str] = {
    "monza": "MB",
    "monza brianza": "MB",
    "monza e brianza": "MB",
    "bolzano bozen": "BZ",
    "bozen": "BZ",
    "forli": "FC",
    "cesena": "FC",
    "pesaro": "PU",
    "urbino": "PU",
    "massa": "MS",
    "carrara": "MS",
    "barletta": "BT",
    "andria": "BT",
    "trani": "BT",
    "reggio nell'emilia": "RE",
    "reggio di calabria": "RC",
    "verbania": "VB",
    "aquila": "AQ",
    "la spezia": "SP",
    "spezia": "SP",
}
