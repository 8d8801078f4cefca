"""Reference data of the demo company's world: countries, names, industries, company words.

Countries carry what makes their accounts and contacts look local: continent, sales region,
billing currency, web domain suffix, IANA time zones (weighted by population of customers) and a
family of personal names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    continent: str
    region: str  # the vendor's sales region: AMER, EMEA or APAC
    currency: str  # what the vendor bills accounts there in
    weight: float  # share of accounts, relative
    tld: str
    zones: tuple[tuple[str, float], ...]  # (IANA time zone, weight)
    names: str  # key of NAMES
    legal: tuple[str, ...]  # company-name suffixes


CONTINENTS = ("Africa", "Asia", "Europe", "North America", "Oceania", "South America")

AF, AS, EU, NA, OC, SA = CONTINENTS

COUNTRIES: tuple[Country, ...] = (
    Country("US", NA, "AMER", "USD", 28, "com",
            (("America/New_York", 45), ("America/Chicago", 25), ("America/Denver", 8),
             ("America/Los_Angeles", 22)), "en", ("Inc.", "LLC")),
    Country("CA", NA, "AMER", "CAD", 4, "ca",
            (("America/Toronto", 55), ("America/Vancouver", 25), ("America/Edmonton", 12),
             ("America/Halifax", 8)), "en", ("Inc.", "Ltd.")),
    Country("MX", NA, "AMER", "USD", 2, "com.mx",
            (("America/Mexico_City", 80), ("America/Monterrey", 20)), "es", ("S.A. de C.V.",)),
    Country("BR", SA, "AMER", "USD", 3, "com.br", (("America/Sao_Paulo", 1),), "pt",
            ("Ltda.", "S.A.")),
    Country("AR", SA, "AMER", "USD", 1, "com.ar", (("America/Argentina/Buenos_Aires", 1),), "es",
            ("S.A.", "S.R.L.")),
    Country("CL", SA, "AMER", "USD", 1, "cl", (("America/Santiago", 1),), "es", ("SpA", "S.A.")),
    Country("CO", SA, "AMER", "USD", 1, "com.co", (("America/Bogota", 1),), "es", ("S.A.S.",)),
    Country("GB", EU, "EMEA", "GBP", 9, "co.uk", (("Europe/London", 1),), "en", ("Ltd", "plc")),
    Country("IE", EU, "EMEA", "EUR", 1.5, "ie", (("Europe/Dublin", 1),), "en", ("Ltd", "DAC")),
    Country("DE", EU, "EMEA", "EUR", 6, "de", (("Europe/Berlin", 1),), "de", ("GmbH", "AG")),
    Country("FR", EU, "EMEA", "EUR", 4, "fr", (("Europe/Paris", 1),), "fr", ("SAS", "SA")),
    Country("NL", EU, "EMEA", "EUR", 2.5, "nl", (("Europe/Amsterdam", 1),), "nl", ("B.V.",)),
    Country("ES", EU, "EMEA", "EUR", 2, "es", (("Europe/Madrid", 1),), "es", ("S.L.", "S.A.")),
    Country("IT", EU, "EMEA", "EUR", 1.5, "it", (("Europe/Rome", 1),), "it", ("S.r.l.", "S.p.A.")),
    Country("SE", EU, "EMEA", "EUR", 1.5, "se", (("Europe/Stockholm", 1),), "nordic", ("AB",)),
    Country("PL", EU, "EMEA", "EUR", 1, "pl", (("Europe/Warsaw", 1),), "pl", ("Sp. z o.o.",)),
    Country("CH", EU, "EMEA", "EUR", 1, "ch", (("Europe/Zurich", 1),), "de", ("AG", "GmbH")),
    Country("IN", AS, "APAC", "USD", 4, "in", (("Asia/Kolkata", 1),), "in", ("Pvt Ltd",)),
    Country("JP", AS, "APAC", "JPY", 2.5, "co.jp", (("Asia/Tokyo", 1),), "jp", ("K.K.",)),
    Country("SG", AS, "APAC", "USD", 2, "com.sg", (("Asia/Singapore", 1),), "zh", ("Pte Ltd",)),
    Country("KR", AS, "APAC", "USD", 1, "co.kr", (("Asia/Seoul", 1),), "kr", ("Co., Ltd.",)),
    Country("AE", AS, "EMEA", "USD", 1, "ae", (("Asia/Dubai", 1),), "ar", ("LLC", "FZ-LLC")),
    Country("IL", AS, "EMEA", "USD", 1, "co.il", (("Asia/Jerusalem", 1),), "he", ("Ltd",)),
    Country("ID", AS, "APAC", "USD", 0.8, "co.id", (("Asia/Jakarta", 1),), "id", ("PT",)),
    Country("PH", AS, "APAC", "USD", 0.7, "com.ph", (("Asia/Manila", 1),), "ph", ("Inc.",)),
    Country("AU", OC, "APAC", "AUD", 3, "com.au",
            (("Australia/Sydney", 45), ("Australia/Melbourne", 35), ("Australia/Brisbane", 12),
             ("Australia/Perth", 8)), "en", ("Pty Ltd",)),
    Country("NZ", OC, "APAC", "USD", 1, "co.nz", (("Pacific/Auckland", 1),), "en", ("Ltd",)),
    Country("ZA", AF, "EMEA", "USD", 1.5, "co.za", (("Africa/Johannesburg", 1),), "en",
            ("(Pty) Ltd",)),
    Country("NG", AF, "EMEA", "USD", 1, "com.ng", (("Africa/Lagos", 1),), "af", ("Ltd",)),
    Country("KE", AF, "EMEA", "USD", 0.7, "co.ke", (("Africa/Nairobi", 1),), "af", ("Ltd",)),
    Country("EG", AF, "EMEA", "USD", 0.7, "com.eg", (("Africa/Cairo", 1),), "ar", ("S.A.E.",)),
    Country("MA", AF, "EMEA", "EUR", 0.5, "ma", (("Africa/Casablanca", 1),), "ar", ("SARL",)),
)  # fmt: skip

BY_CODE = {country.code: country for country in COUNTRIES}
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
# Roughly the early-2024 value of one unit in US dollars; the demo lets each drift from here.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.09, "GBP": 1.27, "CAD": 0.74, "AUD": 0.66, "JPY": 0.0068}
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me")

# Given names, then family names, per name family.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason",
            "Isabella", "Lucas", "Mia", "Henry", "Charlotte", "Jack", "Amelia"),
           ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Taylor", "Anderson", "Thomas", "Moore", "Clark", "Walker", "Hall", "O'Neill")),
    "es": (("Sofía", "Mateo", "Valentina", "Santiago", "Lucía", "Diego", "Camila", "Javier",
            "Martina", "Alejandro", "Daniela", "Pablo"),
           ("García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez",
            "Sánchez", "Ramírez", "Torres", "Flores", "Álvarez")),
    "pt": (("João", "Ana", "Pedro", "Maria", "Lucas", "Beatriz", "Gabriel", "Mariana", "Rafael",
            "Júlia", "Thiago", "Larissa"),
           ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira",
            "Almeida", "Carvalho", "Ribeiro", "Gomes")),
    "de": (("Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Laura", "Paul",
            "Sophie", "Tobias", "Julia"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Hoffmann", "Schäfer", "Koch", "Richter")),
    "fr": (("Louis", "Camille", "Hugo", "Chloé", "Jules", "Léa", "Arthur", "Manon", "Gabriel",
            "Inès", "Théo", "Zoé"),
           ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Lefèvre", "Girard")),
    "nl": (("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sophie", "Levi", "Anna",
            "Milan", "Sanne"),
           ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
            "Meijer", "Mulder", "de Boer", "Bos", "Vos")),
    "it": (("Leonardo", "Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Lorenzo",
            "Martina", "Matteo", "Chiara", "Andrea", "Francesca"),
           ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo")),
    "nordic": (("Erik", "Elsa", "Oskar", "Maja", "Lars", "Ingrid", "Nils", "Astrid", "Anders",
                "Freja", "Johan", "Linnea"),
               ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
                "Olsson", "Persson", "Svensson", "Gustafsson", "Lindberg", "Berg")),
    "pl": (("Jakub", "Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Szymon", "Zofia", "Filip",
            "Hanna", "Kacper", "Aleksandra"),
           ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński",
            "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski")),
    "in": (("Aarav", "Priya", "Vihaan", "Ananya", "Arjun", "Diya", "Rohan", "Isha", "Aditya",
            "Kavya", "Rahul", "Sneha"),
           ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Das",
            "Rao", "Joshi")),
    "jp": (("Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Riku", "Sakura", "Ren", "Mei",
            "Kaito", "Yuna"),
           ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
            "Kobayashi", "Kato", "Yoshida", "Yamada")),
    "kr": (("Min-jun", "Seo-yeon", "Ji-ho", "Ji-woo", "Hyun-woo", "Su-bin", "Do-hyun", "Ha-eun",
            "Jun-seo", "Ye-jin"),
           ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim")),
    "zh": (("Wei", "Jia Hui", "Jun Jie", "Xin Yi", "Zhi Hao", "Hui Min", "Kai Wen", "Li Ting",
            "Jian Ming", "Shu Fen"),
           ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh")),
    "ar": (("Omar", "Fatima", "Ahmed", "Layla", "Youssef", "Mariam", "Khalid", "Noor", "Hassan",
            "Salma", "Karim", "Aisha"),
           ("Al-Mansouri", "Haddad", "Hassan", "Khalil", "Nasser", "Saleh", "Farouk", "Mahmoud",
            "Ibrahim", "Mansour", "El-Amin", "Aziz")),
    "he": (("Noam", "Tamar", "Itai", "Noa", "Yonatan", "Maya", "Ariel", "Shira", "Eitan", "Yael"),
           ("Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham", "Friedman", "Katz",
            "Azoulay")),
    "id": (("Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Ayu", "Dimas", "Rina"),
           ("Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Kusuma", "Nugroho",
            "Setiawan", "Halim", "Gunawan")),
    "ph": (("Jose", "Maria", "Mark", "Angelica", "John Paul", "Kristine", "Carlo", "Patricia",
            "Miguel", "Andrea"),
           ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Villanueva",
            "Ramos", "Aquino")),
    "af": (("Chinedu", "Amara", "Tunde", "Ngozi", "Emeka", "Zainab", "Kwame", "Wanjiru",
            "Otieno", "Achieng", "Babajide", "Funmilayo"),
           ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Mwangi", "Kamau", "Otieno", "Odhiambo",
            "Eze", "Nwosu", "Kariuki", "Abubakar")),
}  # fmt: skip

# Industry → the words its company names end in.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Software": ("Labs", "Systems", "Software", "Cloud", "Digital"),
    "Financial services": ("Capital", "Bank", "Finance", "Insurance", "Payments"),
    "Healthcare": ("Health", "Care", "Clinics", "Medical", "Bio"),
    "Retail & e-commerce": ("Retail", "Market", "Goods", "Stores", "Outfitters"),
    "Manufacturing": ("Industries", "Manufacturing", "Works", "Components", "Machines"),
    "Education": ("Learning", "Academy", "Schools", "Education", "Campus"),
    "Media & entertainment": ("Media", "Studios", "Publishing", "Broadcasting", "Games"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport", "Cargo"),
    "Energy & utilities": ("Energy", "Power", "Utilities", "Solar", "Grid"),
    "Telecommunications": ("Telecom", "Networks", "Communications", "Mobile", "Fiber"),
    "Professional services": ("Consulting", "Advisors", "Group", "Associates", "Partners"),
    "Hospitality & travel": ("Hotels", "Travel", "Resorts", "Hospitality", "Journeys"),
}

NAME_WORDS = (
    "Acorn", "Alder", "Altura", "Apex", "Arbor", "Aster", "Atlas", "Aurora", "Beacon", "Birch",
    "Bluefin", "Bright", "Cascade", "Cedar", "Cobalt", "Copper", "Crescent", "Delta", "Ember",
    "Evergreen", "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Horizon", "Indigo", "Iron",
    "Juniper", "Keystone", "Kite", "Lumen", "Maple", "Meridian", "Monarch", "Nimbus", "Northwind",
    "Nova", "Oakridge", "Onyx", "Orchid", "Pacific", "Pinecrest", "Polar", "Prism", "Quartz",
    "Radiant", "Redwood", "Ridgeline", "Riverstone", "Sable", "Sage", "Sierra", "Silverline",
    "Solstice", "Sparrow", "Spruce", "Summit", "Sunward", "Terra", "Tidal", "Timber", "Topaz",
    "Vector", "Velvet", "Vertex", "Willow", "Zenith",
)  # fmt: skip

# The vendor's customer-success managers, who own accounts, per sales region.
OWNERS = {
    "AMER": ("Dana Whitfield", "Marcus Bell", "Priya Raman", "Carlos Mendes"),
    "EMEA": ("Sophie Laurent", "Jonas Weber", "Amara Okafor", "Oliver Hughes"),
    "APAC": ("Kenji Mori", "Mei Lin Tan", "Ravi Iyer", "Chloe Nguyen"),
}
