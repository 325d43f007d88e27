"""Spelling an order reference out, so it survives a bad phone line."""
from __future__ import annotations

NATO = {
    "A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot", "G": "Golf",
    "H": "Hotel", "I": "India", "J": "Juliett", "K": "Kilo", "L": "Lima", "M": "Mike", "N": "November",
    "O": "Oscar", "P": "Papa", "Q": "Quebec", "R": "Romeo", "S": "Sierra", "T": "Tango", "U": "Uniform",
    "V": "Victor", "W": "Whiskey", "X": "X-ray", "Y": "Yankee", "Z": "Zulu",
}


def spell_reference(reference: str) -> str:
    """'OSL-000123' -> 'Oscar Sierra Lima, dash, 000 123': letters by the phonetic alphabet,
    digits in groups of three."""
    letters, _, digits = reference.partition("-")
    words = " ".join(NATO.get(ch, ch) for ch in letters.upper())
    if not digits:
        return words
    groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
    return f"{words}, dash, {' '.join(groups)}"
