"""Country guesses from the wording of an organisation's name, learnt from the IEEE registry.

Thousands of USB and PCI vendors are small firms nobody curates and the registry does not list.
Their names still carry signals ('Shenzhen', 'Co., Ltd.', 'GmbH', Wade-Giles or Hepburn spellings),
so a multinomial naive Bayes model over the name's words, trained on the ~20,000 registry
organisations with their address countries, offers a country. Only a confident guess is given, and
always with the `guess` confidence; `bench/kb_coverage.py` measures how often such guesses are right.
(A hand-written model because the installed libraries include no classifier; numpy does the sums.)
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Any, Iterable

from doorwatch.kb.names import _ascii_lower

# Countries need this many registry organisations to be learnt; rarer ones are never guessed.
MIN_EXAMPLES = 25
SMOOTHING = 0.5
# Posterior probability below which the model stays silent (chosen on held-out registry names, see bench).
THRESHOLD = 0.9


def features(name: str) -> list[str]:
    """The words of a name. Letter n-grams were tried and made the model confidently wrong."""
    return [word for word in re.split(r"[^a-z0-9]+", _ascii_lower(name)) if word and not word.isdigit()]


def train(examples: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A model (plain data, cacheable) from (name, country) pairs."""
    import numpy as np

    examples = list(examples)
    per_country = Counter(country for _, country in examples)
    countries = sorted(country for country, count in per_country.items() if count >= MIN_EXAMPLES)
    column = {country: i for i, country in enumerate(countries)}
    counts: dict[str, Counter] = defaultdict(Counter)
    for name, country in examples:
        if country in column:
            for feature in set(features(name)):
                counts[feature][column[country]] += 1
    vocabulary = {feature: row for row, feature in enumerate(counts)}
    matrix = np.full((len(vocabulary), len(countries)), SMOOTHING, dtype=np.float64)
    for feature, row in vocabulary.items():
        for col, count in counts[feature].items():
            matrix[row, col] += count
    # Multinomial likelihoods: each country's feature counts normalised over its whole vocabulary.
    log_present = np.log(matrix / matrix.sum(axis=0)).astype(np.float32)
    documents = np.array([per_country[country] for country in countries], dtype=np.float64)
    prior = np.log(documents / documents.sum()).astype(np.float32)
    return {"countries": countries, "vocabulary": vocabulary, "log_present": log_present.tobytes(), "prior": prior.tobytes()}


class CountryGuesser:
    """Apply a trained model; cheap enough to call for every unknown vendor name."""

    def __init__(self, model: dict[str, Any]) -> None:
        import numpy as np

        self.countries = model["countries"]
        self.vocabulary = model["vocabulary"]
        self.log_present = np.frombuffer(model["log_present"], dtype=np.float32).reshape(len(self.vocabulary), len(self.countries))
        self.prior = np.frombuffer(model["prior"], dtype=np.float32)

    def probabilities(self, name: str) -> dict[str, float]:
        import numpy as np

        rows = [self.vocabulary[f] for f in set(features(name)) if f in self.vocabulary]
        if not rows:
            return {}
        scores = self.prior + self.log_present[rows].sum(axis=0)
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {country: float(p) for country, p in zip(self.countries, scores)}

    def guess(self, name: str, threshold: float = THRESHOLD) -> tuple[str, float] | None:
        """(country, probability) when the model is confident enough, else None."""
        probabilities = self.probabilities(name)
        if not probabilities:
            return None
        country = max(probabilities, key=probabilities.get)
        probability = probabilities[country]
        return (country, probability) if probability >= threshold and not math.isnan(probability) else None
