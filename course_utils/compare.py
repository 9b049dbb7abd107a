"""Compare two measurements: the difference, its interval, and the word the prose may use.

Every comparative word of the book ("lower", "higher", "better") comes from :func:`compare`,
chosen from the interval, not from the sign: when the interval holds zero the answer is "no
clear difference at this size", whatever the difference's sign on this run. The interval is a
percentile bootstrap, which works for any statistic (a mean, a share, an AUC, a Frechet
distance).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

NO_CLEAR_DIFFERENCE = "no clear difference at this size"


@dataclass(frozen=True)
class Comparison:
    """The statistic of a and of b, their difference (a - b), its interval and the word."""

    a: float
    b: float
    difference: float
    low: float
    high: float
    word: str
    level: float

    @property
    def clear(self):
        """Whether the interval leaves out zero: a difference this run's noise cannot explain."""
        return self.word != NO_CLEAR_DIFFERENCE

    def interval(self, spec=".3g"):
        """Return the interval as text, e.g. '[-0.041, -0.012]'."""
        return f"[{self.low:{spec}}, {self.high:{spec}}]"

    def __format__(self, spec):
        """Format the difference with its interval: f'{c:.2f}' gives '-0.03 [-0.05, -0.01]'."""
        spec = spec or ".3g"
        return f"{self.difference:{spec}} {self.interval(spec)}"

    def __str__(self):
        return format(self)

    def row(self):
        """Return the comparison as a table row: both values, the difference, interval, word."""
        return {"a": self.a, "b": self.b, "difference (a - b)": self.difference,
                f"{self.level:.0%} interval": self.interval(), "verdict": self.word}


def compare(a, b, statistic=np.mean, *, paired=False, words=("higher", "lower"),
            level=0.95, n_boot=2000, seed=0):
    """Return how statistic(a) compares with statistic(b): a Comparison with its interval.

    a, b:      arrays of values, one per image, sample or seed, resampled along their first
               axis; or tuples of such arrays (each resampled on its own, e.g. the scores of
               normal and of anomalous images), passed to statistic as separate arguments
    statistic: computed on each side; the mean by default, so a share for 0/1 values
    paired:    a and b hold values of the same items in the same order (two scores of the same
               images): resample the same items on both sides
    words:     the word when a's statistic is clearly above b's, and when clearly below
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1; got {level!r}.")
    a, b = _parts(a, "a"), _parts(b, "b")
    if paired and [len(x) for x in a] != [len(x) for x in b]:
        raise ValueError("paired=True needs a and b of the same lengths (the same items); got "
                         f"{[len(x) for x in a]} and {[len(x) for x in b]}.")
    value_a, value_b = float(statistic(*a)), float(statistic(*b))
    # The percentile bootstrap: resample the values, recompute the statistic on each side.
    rng = np.random.default_rng(seed)
    differences = np.empty(n_boot)
    for i in range(n_boot):
        picks_a = [rng.integers(0, len(p), len(p)) for p in a]
        picks_b = picks_a if paired else [rng.integers(0, len(p), len(p)) for p in b]
        differences[i] = (statistic(*(p[k] for p, k in zip(a, picks_a)))
                          - statistic(*(p[k] for p, k in zip(b, picks_b))))
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(differences, [tail, 100 - tail])
    word = words[0] if low > 0 else words[1] if high < 0 else NO_CLEAR_DIFFERENCE
    return Comparison(value_a, value_b, value_a - value_b, float(low), float(high), word, level)


def table(comparisons, names=("a", "b")):
    """Return a table of comparisons, one row per measure: both values, difference, interval."""
    rows = {}
    for measure, c in comparisons.items():
        row = c.row()
        rows[measure] = {names[0]: row.pop("a"), names[1]: row.pop("b"), **row}
    return pd.DataFrame(rows).T.rename(columns={"difference (a - b)":
                                                f"difference ({names[0]} - {names[1]})"})


def _parts(x, name):
    """Return x as a tuple of arrays, each with at least one value."""
    parts = tuple(np.asarray(p) for p in x) if isinstance(x, tuple) else (np.asarray(x),)
    for p in parts:
        if p.ndim == 0 or len(p) == 0:
            raise ValueError(f"{name} needs at least one value per part; got shape {p.shape}.")
    return parts
