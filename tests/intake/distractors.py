"""Distractors for test_distractors.py: text a mechanic writes into an order that is not an order line (model
and engine codes, prices, phone numbers, dates and times, odometer readings, a plate, org and VAT numbers,
tyre sizes, oil volumes), per language and per place it is written:

- "sentence": a sentence of its own at a sentence boundary;
- "line_end": after an order line's last word (a trailing clause, so it starts with its separator);
- "own_line": on a line of its own;
- "signature": on a line of the signature (only what a signature carries: phones, org numbers, hours).

Every phrase reads, for a person, as information about the car, the price or the workshop and never as a
further part asked for; a plate phrase carries the plate it names (a second car, or the car's plate)."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

LANGUAGES = ("no", "da", "sv", "fi", "de", "en", "fr", "nl")
POSITIONS = ("sentence", "line_end", "own_line", "signature")


@dataclass(frozen=True)
class Phrase:
    text: str
    plate: str | None = None  # the plate this phrase names, for the plate check

    def __repr__(self) -> str:
        return repr(self.text)

    def _repr_pretty_(self, printer, cycle):  # hypothesis prints the draws: show the text alone
        printer.text(repr(self.text))


def _by_language(frames: dict[str, list[str]], values: dict[str, list[str]] | list[str]) -> dict[str, list[str]]:
    return {lang: [f.format(v=v) for f, v in product(frames[lang], values if isinstance(values, list)
                                                     else values[lang])] for lang in LANGUAGES}


MODEL_CODES = ["320d", "C 200 CDI", "W204", "xDrive30d", "2.0 TDI", "35C15", "Golf 7 1.6 TDI CAYC", "E 220 CDI",
               "V70 D5", "1.6 HDi"]
ENGINE_CODES = ["1KD-FTV", "CAYC", "N47D20C", "OM651", "K9K", "D4204T14", "CFHC", "BKD", "9HX", "M9R"]
# How a mechanic writes the car's age and generation: a model year after the model, a generation after the
# model's own code, the engine code after a slash, a first registration as month and year.
VEHICLE_DETAILS = ["Golf GTI -12", "V60 -19", "Model 3 -21", "Passat B8 2.0 TDI", "Audi A4 B9", "Golf 7 -16",
                   "Daily 35S16 / F1AGL411", "Octavia III -15"]
REGISTRATIONS = {
    "no": ["1. gang reg. 03/2016", "førstegangsreg. 09/2018"], "da": ["1. indregistrering 03/2016", "indreg. 09/2018"],
    "sv": ["registrerad 03/2016", "i trafik 09/2018"], "fi": ["käyttöönotto 03/2016", "rekisteröity 09/2018"],
    "de": ["EZ 09/2018", "Erstzulassung 03/2016"], "en": ["first registered 03/2016", "reg. date 09/2018"],
    "fr": ["mise en circulation 03/2016", "MEC 09/2018"], "nl": ["eerste toelating 03/2016", "bouwjaar 09/2018"],
}
TYRE_SIZES = ["205/55 R16", "225/45R17 94W", "195/65 R15 91H", "215/60 R16C", "235/35 ZR19"]

PRICES = {  # (standing alone, after an order line)
    "no": (["1 295 kr", "390,- netto", "kr 1.250,-", "kr 289,- eks. mva"],
           [" à 1 295 kr", " 390,- netto", " kr 1.250,-", " á kr 289,- eks. mva"]),
    "da": (["1 295 kr", "390,- netto", "kr 1.250,-", "kr 289,- ekskl. moms"],
           [" à 1 295 kr", " 390,- netto", " kr 1.250,-", " á kr 289,- ekskl. moms"]),
    "sv": (["1 295 kr", "390:- netto", "1.250 kr", "289 kr exkl. moms"],
           [" à 1 295 kr", " 390:- netto", " à 390 kr/st", " 289 kr exkl. moms"]),
    "fi": (["45,90 €", "EUR 45,90", "1 250,00 € + alv", "129 e"],
           [" à 45,90 €", " EUR 45,90", " 1 250,00 € + alv", " á 129 e"]),
    "de": (["45,90 €", "EUR 45,90 netto", "1.250,- €", "EUR 129,00 zzgl. MwSt."],
           [" à 45,90 €", " EUR 45,90 netto", " je 1.250,- €", " à EUR 129,00 zzgl. MwSt."]),
    "en": (["£45.90", "£1,250 + VAT", "EUR 45.90", "£129.00 ex VAT"],
           [" at £45.90 each", " £1,250 + VAT", " EUR 45.90", " @ £129.00 ex VAT"]),
    "fr": (["45,90 €", "EUR 45,90 HT", "1 250,00 € TTC", "129 € HT"],
           [" à 45,90 €", " EUR 45,90 HT", " 1 250,00 € TTC", " à 129 € HT pièce"]),
    "nl": (["€ 45,90", "EUR 45,90 excl. btw", "€ 1.250,-", "129 euro"],
           [" à € 45,90", " EUR 45,90 excl. btw", " € 1.250,-", " à 129 euro per stuk"]),
}
PHONES = {
    "no": ["22 33 44 55", "915 12 345", "+47 915 12 345", "22334455"],
    "da": ["33 12 34 56", "+45 20 12 34 56", "20123456"],
    "sv": ["040-123 45 67", "08-123 456 78", "+46 70 123 45 67", "070-123 45 67"],
    "fi": ["040 123 4567", "+358 40 123 4567", "09 123 4567"],
    "de": ["089 1234567", "+49 171 1234567", "0221/123456", "0171 1234567"],
    "en": ["020 7946 0123", "07700 900123", "+44 7700 900123", "01632 960123"],
    "fr": ["01 23 45 67 89", "+33 6 12 34 56 78", "06 12 34 56 78"],
    "nl": ["020-1234567", "06-12345678", "+31 6 12345678"],
}
PHONE_LABELS = {"no": ["Tlf {v}", "Mob: {v}"], "da": ["Tlf. {v}", "Mobil {v}"], "sv": ["Tel: {v}", "Mobil: {v}"],
                "fi": ["puh. {v}", "GSM {v}"], "de": ["Tel. {v}", "Mobil: {v}"], "en": ["Tel: {v}", "Mob {v}"],
                "fr": ["Tél. : {v}", "Port. {v}"], "nl": ["Tel. {v}", "Mobiel: {v}"]}
ODOMETER = {
    "no": ["187 000 km", "156.000 km", "212000 km", "98 500 km"], "da": ["187 000 km", "156.000 km", "212000 km"],
    "sv": ["18 700 mil", "156 000 km", "21 200 mil"], "fi": ["187 000 km", "156 tkm", "212000 km"],
    "de": ["187.000 km", "156.000 km", "212000 km"], "en": ["112,000 miles", "87k miles", "156,000 km"],
    "fr": ["187 000 km", "156.000 km"], "nl": ["187.000 km", "156.000 km", "212000 km"],
}
# National formats, none of them a plate of a base message; labels as the sender's country writes them.
PLATES = {
    "no": (["AB 12345", "KH 40211"], ["reg.", "regnr", "reg.nr."]),
    "da": (["AB 12 345", "CX 98 765"], ["reg.", "reg.nr.", "nummerplade"]),
    "sv": (["RTY 482", "GHJ 37P"], ["reg.", "regnr", "reg.nr"]),
    "fi": (["XYZ-789", "KLP-412"], ["rek.", "rek.nro"]),
    "de": (["K-LM 482", "B-XY 123"], ["Kennzeichen", "amtl. Kz."]),
    "en": (["LN19 XKP", "BD51 SMR"], ["reg", "reg."]),
    "fr": (["AB-123-CD", "GT-482-KL"], ["immat.", "immatriculation"]),
    "nl": (["34-KLM-5", "GV-482-T"], ["kenteken"]),
}
ORG_NUMBERS = {
    "no": ["Org.nr 987 654 321 MVA", "Org.nr. 912 345 678", "NO 987 654 321 MVA"],
    "da": ["CVR 12345678", "CVR-nr. 31 45 67 89", "SE-nr. 12345678"],
    "sv": ["Org.nr 556677-8899", "SE556677889901", "Momsreg.nr SE556677889901"],
    "fi": ["Y-tunnus 1234567-8", "ALV-nro FI12345678"],
    "de": ["USt-IdNr. DE123456789", "HRB 12345, Amtsgericht Köln", "Steuernr. 123/456/78901"],
    "en": ["VAT No. GB 123 4567 89", "Company No. 01234567"],
    "fr": ["SIRET 123 456 789 00012", "TVA FR12345678901", "RCS Nantes B 123 456 789"],
    "nl": ["KvK 12345678", "BTW NL123456789B01"],
}
VOLUMES = {"no": ["5 liter 5W-30", "4,3 l 0W-20", "5,2 liter 5W-40"], "da": ["5 liter 5W-30", "4,3 l 0W-20"],
           "sv": ["5 liter 5W-30", "4,3 l 0W-20"], "fi": ["5 litraa 5W-30", "4,3 l 0W-20"],
           "de": ["5 Liter 5W-30", "4,3 l 0W-20"], "en": ["5 litres of 5W-30", "4.3 l 0W-20"],
           "fr": ["5 litres de 5W-30", "4,3 l 0W-20"], "nl": ["5 liter 5W-30", "4,3 l 0W-20"]}

# Dates and times are whole phrases: where the date goes depends on the language.
DATES = {
    "no": {"sentence": ["Vi trenger delene innen kl 14.", "Helst levering 24.11.", "Bilen skal ut ma 3/12.",
                        "Kunden kommer før kl. 10.30."],
           "line_end": [" – innen kl 14", " (levering 24.11.)", " til ma 3/12", " før kl. 10.30"],
           "own_line": ["Levering 24.11.", "Innen kl 14", "Ma 3/12", "Leveringsdato: fredag 28.11"],
           "signature": ["Åpent man–fre 07–16", "Åpningstider: 07.30–16.00"]},
    "da": {"sentence": ["Vi skal bruge delene inden kl 14.", "Gerne levering 24.11.", "Bilen skal ud man 3/12.",
                        "Kunden kommer før kl. 10.30."],
           "line_end": [" – inden kl 14", " (levering 24.11.)", " til man 3/12"],
           "own_line": ["Levering 24.11.", "Inden kl 14", "Man 3/12"],
           "signature": ["Åbent man–fre 7–16", "Åbningstider: 07.30–16.00"]},
    "sv": {"sentence": ["Vi behöver delarna före kl 14.", "Gärna leverans 24/11.", "Bilen ska ut mån 3/12.",
                        "Kunden kommer före kl. 10.30."],
           "line_end": [" – före kl 14", " (leverans 24/11)", " till mån 3/12"],
           "own_line": ["Leverans 24/11", "Före kl 14", "Mån 3/12"],
           "signature": ["Öppet mån–fre 7–16", "Öppettider: 07.30–16.00"]},
    "fi": {"sentence": ["Tarvitsemme osat klo 14 mennessä.", "Toimitus mieluiten 24.11.", "Auto lähtee ma 3.12.",
                        "Asiakas tulee ennen klo 10.30."],
           "line_end": [" – klo 14 mennessä", " (toimitus 24.11.)", " ma 3.12. mennessä"],
           "own_line": ["Toimitus 24.11.", "Klo 14 mennessä", "Ma 3.12."],
           "signature": ["Avoinna ma–pe 7–16", "Aukioloajat: 7.30–16.00"]},
    "de": {"sentence": ["Wir brauchen die Teile bis 14 Uhr.", "Lieferung bitte am 24.11.",
                        "Das Auto muss am Mo 3.12. raus.", "Der Kunde kommt vor 10.30 Uhr."],
           "line_end": [" – bis 14 Uhr", " (Lieferung 24.11.)", " bis Mo 3.12."],
           "own_line": ["Liefertermin: 24.11.", "Bis 14 Uhr", "Mo 3.12."],
           "signature": ["Öffnungszeiten Mo–Fr 7–16 Uhr", "Mo–Fr 07:30–16:00"]},
    "en": {"sentence": ["We need them by 2pm.", "Delivery on 24/11 please.", "The car goes out Mon 3/12.",
                        "Customer is back at 10.30."],
           "line_end": [" – by 2pm", " (delivery 24/11)", " by Mon 3/12"],
           "own_line": ["Delivery 24/11", "By 2pm", "Mon 3/12"],
           "signature": ["Open Mon–Fri 7am–4pm", "Opening hours 07:30–16:00"]},
    "fr": {"sentence": ["Il nous les faut avant 14h.", "Livraison le 24/11 svp.", "La voiture sort lundi 3/12.",
                        "Le client revient à 10h30."],
           "line_end": [" – avant 14h", " (livraison le 24/11)", " pour lundi 3/12"],
           "own_line": ["Livraison le 24/11", "Avant 14h", "Lundi 3/12"],
           "signature": ["Ouvert du lundi au vendredi 8h–17h", "Horaires : 7h30–16h00"]},
    "nl": {"sentence": ["We hebben de onderdelen voor 14 uur nodig.", "Levering op 24-11 graag.",
                        "De auto moet ma 3/12 weg.", "De klant komt om 10.30 uur."],
           "line_end": [" – voor 14 uur", " (levering 24-11)", " voor ma 3/12"],
           "own_line": ["Levering 24-11", "Voor 14 uur", "Ma 3/12"],
           "signature": ["Open ma–vr 7.00–16.00", "Openingstijden: 07.30–16.00"]},
}

_L = LANGUAGES
_AS_WRITTEN = {lang: ["{v}"] for lang in _L}
_FRAMES = {
    "model_code": {
        "sentence": dict(zip(_L, (["Bilen er en {v}."], ["Bilen er en {v}."], ["Bilen är en {v}."], ["Auto on {v}."],
                                  ["Das Auto ist ein {v}."], ["The car is a {v}."], ["C'est une {v}."],
                                  ["De auto is een {v}."]))),
        "line_end": dict(zip(_L, ([" til {v}"], [" til {v}"], [" till {v}"], [" ({v})"], [" für {v}"],
                                  [" for the {v}"], [" pour {v}"], [" voor de {v}"]))),
        "own_line": dict(zip(_L, (["Bil: {v}"], ["Bil: {v}"], ["Bil: {v}"], ["Auto: {v}"], ["Fahrzeug: {v}"],
                                  ["Car: {v}"], ["Véhicule : {v}"], ["Auto: {v}"]))),
    },
    "engine_code": {
        "sentence": dict(zip(_L, (["Motorkoden er {v}."], ["Motorkoden er {v}."], ["Motorkoden är {v}."],
                                  ["Moottorikoodi on {v}."], ["Der Motorkennbuchstabe ist {v}."],
                                  ["The engine code is {v}."], ["Le code moteur est {v}."], ["De motorcode is {v}."]))),
        "line_end": dict(zip(_L, ([" (motorkode {v})"], [" (motorkode {v})"], [" (motorkod {v})"],
                                  [" (moottorikoodi {v})"], [" (MKB {v})"], [" (engine code {v})"],
                                  [" (code moteur {v})"], [" (motorcode {v})"]))),
        "own_line": dict(zip(_L, (["Motorkode: {v}"], ["Motorkode: {v}"], ["Motorkod: {v}"], ["Moottorikoodi: {v}"],
                                  ["Motorkennbuchstabe: {v}"], ["Engine code: {v}"], ["Code moteur : {v}"],
                                  ["Motorcode: {v}"]))),
    },
    "vehicle_detail": {
        "sentence": dict(zip(_L, (["Bilen er en {v}."], ["Bilen er en {v}."], ["Bilen är en {v}."], ["Auto on {v}."],
                                  ["Das Auto ist ein {v}."], ["The car is a {v}."], ["C'est une {v}."],
                                  ["De auto is een {v}."]))),
        "line_end": dict(zip(_L, ([" til {v}"], [" til {v}"], [" till {v}"], [" ({v})"], [" für {v}"],
                                  [" for the {v}"], [" pour {v}"], [" voor de {v}"]))),
        "own_line": dict(zip(_L, (["Bil: {v}"], ["Bil: {v}"], ["Bil: {v}"], ["Auto: {v}"], ["Fahrzeug: {v}"],
                                  ["Car: {v}"], ["Véhicule : {v}"], ["Auto: {v}"]))),
    },
    "registration": {
        "sentence": dict(zip(_L, (["Bilen er {v}."], ["Bilen er {v}."], ["Bilen är {v}."], ["Auto: {v}."],
                                  ["Fahrzeug {v}."], ["The car was {v}."], ["Véhicule : {v}."], ["Auto: {v}."]))),
        "line_end": dict(zip(_L, ([" ({v})"], [" ({v})"], [" ({v})"], [" ({v})"], [" ({v})"], [" ({v})"],
                                  [" ({v})"], [" ({v})"]))),
        "own_line": _AS_WRITTEN,
    },
    "price": {
        "sentence": dict(zip(_L, (["Prisen sist var {v}."], ["Prisen sidst var {v}."], ["Priset sist var {v}."],
                                  ["Hinta oli viimeksi {v}."], ["Der Preis war letztes Mal {v}."],
                                  ["Last time the price was {v}."], ["Le prix la dernière fois était de {v}."],
                                  ["De prijs was vorige keer {v}."]))),
        "own_line": dict(zip(_L, (["Pris: {v}"], ["Pris: {v}"], ["Pris: {v}"], ["Hinta: {v}"], ["Preis: {v}"],
                                  ["Price: {v}"], ["Prix : {v}"], ["Prijs: {v}"]))),
    },
    "phone": {
        "sentence": dict(zip(_L, (["Jeg er på tlf {v} hele dagen."], ["Jeg kan nås på {v}."], ["Jag nås på {v}."],
                                  ["Minut tavoittaa numerosta {v}."], ["Ich bin unter {v} erreichbar."],
                                  ["I'm on {v} all day."], ["Je suis joignable au {v}."],
                                  ["Ik ben bereikbaar op {v}."]))),
        "line_end": dict(zip(_L, ([" (ring Per på {v})"], [" (ring til Kim på {v})"], [" (ring Micke på {v})"],
                                  [" (soita Mikalle {v})"], [" (Rückfragen an Tom unter {v})"],
                                  [" (ring Dave on {v})"], [" (appeler Luc au {v})"], [" (bel Kees op {v})"]))),
        "own_line": PHONE_LABELS,
        "signature": PHONE_LABELS,
    },
    "odometer": {
        "sentence": dict(zip(_L, (["Bilen har gått {v}."], ["Bilen har kørt {v}."], ["Bilen har gått {v}."],
                                  ["Autolla on ajettu {v}."], ["Der Wagen hat {v} gelaufen."],
                                  ["The car has done {v}."], ["La voiture a {v} au compteur."],
                                  ["De auto heeft {v} gereden."]))),
        "line_end": dict(zip(_L, ([" (bilen har gått {v})"], [" (bilen har kørt {v})"], [" (bilen har gått {v})"],
                                  [" (ajettu {v})"], [" (KM-Stand {v})"], [" (car has done {v})"],
                                  [" (véhicule à {v})"], [" (km-stand {v})"]))),
        "own_line": dict(zip(_L, (["Km-stand: {v}"], ["Km-stand: {v}"], ["Mätarställning: {v}"],
                                  ["Mittarilukema: {v}"], ["KM-Stand: {v}"], ["Mileage: {v}"],
                                  ["Kilométrage : {v}"], ["Kilometerstand: {v}"]))),
    },
    "plate": {  # {v} is "label plate"
        "sentence": dict(zip(_L, (["Det gjelder bilen med {v}."], ["Det er til bilen med {v}."],
                                  ["Det gäller bilen med {v}."], ["Kyseessä on auto {v}."],
                                  ["Es geht um den Wagen mit {v}."], ["It's for the car with {v}."],
                                  ["C'est pour le véhicule {v}."], ["Het gaat om de auto met {v}."]))),
        "line_end": dict(zip(_L, ([" til {v}"], [" til {v}"], [" till {v}"], [" autoon {v}"], [" für {v}"],
                                  [" for {v}"], [" pour {v}"], [" voor {v}"]))),
        "own_line": _AS_WRITTEN,
    },
    "org_number": {
        "sentence": dict(zip(_L, (["Faktura til Bilservice AS, {v}."], ["Faktura til Autohuset ApS, {v}."],
                                  ["Faktura till Bilverkstan AB, {v}."], ["Lasku Autokorjaamo Oy:lle, {v}."],
                                  ["Rechnung an Kfz Meier GmbH, {v}."], ["Invoice to JB Motors Ltd, {v}."],
                                  ["Facture à Garage Martin, {v}."], ["Factuur aan Garage De Vries B.V., {v}."]))),
        "own_line": _AS_WRITTEN,
        "signature": _AS_WRITTEN,
    },
    "tyre_size": {
        "sentence": dict(zip(_L, (["Bilen står på {v}."], ["Bilen kører på {v}."], ["Bilen går på {v}."],
                                  ["Autossa on renkaat {v}."], ["Der Wagen steht auf {v}."],
                                  ["It's on {v} tyres."], ["Elle est en {v}."], ["De auto staat op {v}."]))),
        "line_end": dict(zip(_L, ([" (dekkdim. {v})"], [" (dækstørrelse {v})"], [" (däckdim. {v})"],
                                  [" (rengaskoko {v})"], [" (Reifengröße {v})"], [" (tyre size {v})"],
                                  [" (dimension pneus {v})"], [" (bandenmaat {v})"]))),
        "own_line": dict(zip(_L, (["Dekkdimensjon: {v}"], ["Dækstørrelse: {v}"], ["Däckdimension: {v}"],
                                  ["Rengaskoko: {v}"], ["Reifengröße: {v}"], ["Tyre size: {v}"],
                                  ["Dimension pneus : {v}"], ["Bandenmaat: {v}"]))),
    },
    "volume": {
        "sentence": dict(zip(_L, (["Motoren tar {v}, olje har vi selv."], ["Motoren tager {v}, olie har vi selv."],
                                  ["Motorn tar {v}, olja har vi själva."], ["Moottoriin menee {v}, öljyä meillä on."],
                                  ["Der Motor braucht {v}, Öl haben wir selbst."],
                                  ["The engine takes {v}, we have the oil."], ["Le moteur prend {v}, on a l'huile."],
                                  ["De motor neemt {v}, olie hebben we zelf."]))),
        "line_end": dict(zip(_L, ([" (motoren tar {v})"], [" (motoren tager {v})"], [" (motorn tar {v})"],
                                  [" (moottoriin {v})"], [" (Motor braucht {v})"], [" (engine takes {v})"],
                                  [" (le moteur prend {v})"], [" (motor neemt {v})"]))),
        "own_line": dict(zip(_L, (["Oljekapasitet: {v}"], ["Oliekapacitet: {v}"], ["Oljekapacitet: {v}"],
                                  ["Öljytilavuus: {v}"], ["Ölfüllmenge: {v}"], ["Oil capacity: {v}"],
                                  ["Capacité d'huile : {v}"], ["Oliecapaciteit: {v}"]))),
    },
}


def _plate_phrases(frames: dict[str, list[str]], capital: bool) -> dict[str, list[Phrase]]:
    out = {}
    for lang in LANGUAGES:
        values, labels = PLATES[lang]
        out[lang] = []
        for frame, value, label in product(frames[lang], values, labels):
            written = f"{label} {value}"
            if capital:
                written = written[0].upper() + written[1:]
            out[lang].append(Phrase(frame.format(v=written), plate=value))
    return out


def _phrases() -> dict[tuple[str, str], dict[str, list[Phrase]]]:
    values = {"model_code": MODEL_CODES, "engine_code": ENGINE_CODES, "tyre_size": TYRE_SIZES,
              "vehicle_detail": VEHICLE_DETAILS, "registration": REGISTRATIONS,
              "phone": PHONES, "odometer": ODOMETER, "org_number": ORG_NUMBERS, "volume": VOLUMES,
              "price": {lang: PRICES[lang][0] for lang in LANGUAGES}}
    out: dict[tuple[str, str], dict[str, list[Phrase]]] = {}
    for kind, by_position in _FRAMES.items():
        for position, frames in by_position.items():
            if kind == "plate":
                out[kind, position] = _plate_phrases(frames, capital=position == "own_line")
                continue
            texts = _by_language(frames, values[kind])
            out[kind, position] = {lang: [Phrase(t) for t in texts[lang]] for lang in LANGUAGES}
    out["price", "line_end"] = {lang: [Phrase(t) for t in PRICES[lang][1]] for lang in LANGUAGES}
    for position in POSITIONS:
        out["date", position] = {lang: [Phrase(t) for t in DATES[lang][position]] for lang in LANGUAGES}
    for kind, position in out:  # a sentence follows the one before it after a blank
        if position == "sentence":
            out[kind, position] = {lang: [Phrase(" " + p.text, p.plate) for p in phrases]
                                   for lang, phrases in out[kind, position].items()}
    return out


PHRASES = _phrases()
KINDS = tuple(dict.fromkeys(kind for kind, _ in PHRASES))
