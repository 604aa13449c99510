import pytest

from coordination.diagnosis import diagnosis_codes


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Patienten har F32.1 sedan i våras", ["F32.1"]),
        ("Ryggbesvär M54, ej F32.1 och M54 igen", ["M54", "F32.1"]),
        ("stressreaktion F43.8A", ["F43.8A"]),
        ("skrivet med gemener f32.1", ["f32.1"]),
        ("Möte vecka 12, v12 eller kl. 10.30", []),
        ("A4-papper och 100 %", []),
        ("Ringde arbetsgivaren om anpassning", []),
        ("", []),
    ],
)
def test_finds_icd10_like_codes(text, codes):
    assert diagnosis_codes(text) == codes
