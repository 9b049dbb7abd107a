"""Checks for the faces chapters: an attribute's price by hand, its worth and price, the
temperature experiment (5); attribute vectors, a midpoint's length, the great circle
(6)."""

import numpy as np

from course_utils import arithmetic, latent
from course_utils.checks.core import (
    _as_numbers, _call, _check, _failed, _first_wrong, _Hint, _not_done, _numbers, _one_number,
    _predicted, _show, _wrong_step,
)


def check_price_by_hand(value, p, beta):
    """Check a number: the least price beta H(p) in the loss of an attribute a share p has."""
    price = beta * arithmetic.binary_entropy(p)

    @_check("price_by_hand", price, f"β H(p) = {beta:g} x {arithmetic.binary_entropy(p):.4f} = "
            f"{price:.4f} per face, in the loss's units (summed squared error): β turns the "
            "nats of information into loss.", callable_answer=False, used=False)
    def verify(value):
        got = _one_number(value, "price_by_hand", stub="price_by_hand = None")
        if abs(got - price) <= 5e-4:
            return
        q = 1 - p
        _wrong_step(got, [
            (beta * -(p * np.log2(p) + q * np.log2(q)), "That is the entropy in bits (log base 2); "
             "the loss counts nats: use the natural logarithm, np.log."),
            (beta * -(p * np.log10(p) + q * np.log10(q)), "That uses log base 10; the loss counts "
             "nats: use the natural logarithm, np.log."),
            (arithmetic.binary_entropy(p), "That is H(p), the information; the price in the loss "
             f"is β times it, β = {beta:g}."),
            (beta * -p * np.log(p), "Only the faces with the attribute are counted: H(p) also has "
             "the term -(1 - p) ln(1 - p) of the faces without it."),
            (-beta * (p * np.log(p) + q * np.log(q)) * -1, "The sign is flipped: ln p < 0 for "
             "p < 1, so -p ln p - (1 - p) ln(1 - p) is positive."),
            (beta / arithmetic.binary_entropy(p), "You divided by H(p); the price is β times it."),
        ], tolerance=5e-4)
        raise _Hint(f"{got:.4f} is not the price. Compute H(p) = -p ln p - (1 - p) ln(1 - p) "
                    f"with p = {p:g}, then multiply by β = {beta:g}.")

    return verify(value)


TEMPERATURE_CHOICES = ("less", "the same", "more")


def check_temperature(prediction, temperature, spreads):
    """Compare the prediction with how varied the faces decoded at the temperature were.

    spreads is a paired :class:`course_utils.compare.Comparison` of each face's distance from
    its set's average face: decoded at the temperature against the same draws at 1.
    """
    if temperature == 1:
        return _failed("✗ temperature is not done yet. temperature is still 1: write your "
                       "prediction, set temperature = 0.5, then run the cells below.", "", None)
    outcome = {"lower": "less", "higher": "more"}.get(spreads.word, "the same")
    measured = (f"at temperature {temperature:g} a face lies {spreads.a:.3g} from its set's "
                f"average face, against {spreads.b:.3g} at 1 (RMS over colour values; difference "
                f"{spreads:.2g})")
    closer = temperature < 1
    toward = "closer to" if closer else "away from"
    why = (f"Multiplying every code by {temperature:g} moves the codes {toward} the origin "
           "and to each other, and a smooth decoder maps codes that are close to "
           f"faces that are close: {'less' if closer else 'more'} variety"
           + (", faces nearer their set's average face (GANs' 'truncation trick' trades "
              "variety for typical faces the same way)." if closer else ", and codes where the "
              "training codes rarely were."))
    return _predicted("temperature", prediction, TEMPERATURE_CHOICES, outcome, measured, why)


@_check("worth_and_price", arithmetic.worth_and_price, "the worth is p (1 - p) times the summed "
        "squared difference of the two average images and the price beta H(p), H in nats, on 3 "
        "sets of images, and an attribute that every image has is worth and costs nothing.")
def check_worth_and_price(fn):
    """Check worth_and_price(images, labels, beta): p(1-p) |m_on - m_off|^2 and beta H(p)."""
    rng = np.random.default_rng(4)
    cases = []  # (images, labels, beta): small random images, labels of several rates
    for n, rate, beta in ((60, 0.2, 0.2), (40, 0.5, 6.0), (80, 0.85, 1.5)):
        labels = np.zeros(n, bool)
        labels[rng.choice(n, int(n * rate), replace=False)] = True
        images = rng.random((n, 4, 4, 3)) * 0.5 + 0.4 * labels[:, None, None, None] * rng.random(
            (4, 4, 3))
        cases.append((images.astype("float32"), labels, beta))
    for images, labels, beta in cases:
        out = _call("worth_and_price(images, labels, beta)", fn, images, labels, beta)
        if out is None:
            raise _not_done("worth_and_price returned None")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise _Hint("worth_and_price must return two numbers, (worth, price).")
        worth, price = (float(_as_numbers(v, "worth_and_price").reshape(-1)[0]) for v in out)
        expected = arithmetic.worth_and_price(images, labels, beta)
        close = lambda a, b: np.isclose(a, b, rtol=1e-4, atol=1e-9)  # noqa: E731
        if close(worth, expected[0]) and close(price, expected[1]):
            continue
        x, p = images.astype(np.float64), labels.mean()
        gap = float(np.sum((x[labels].mean(axis=0) - x[~labels].mean(axis=0)) ** 2))
        entropy = arithmetic.binary_entropy(p)
        for got, wrong, hint in [  # (yours, what a typical mistake gives, hint): first match wins
            (worth, gap, "The worth misses the factor p (1 - p): the squared difference of the two "
             "average images is what a face of either group saves only if the other group's "
             "average were drawn for it; mixing in proportion saves p (1 - p) times it per face."),
            (worth, p * (1 - p) * gap / images[0].size, "The worth averages over the pixels; the "
             "loss sums the squared error over them, so sum."),
            (price, beta * np.log(2), "The price uses ln 2, the entropy of a fifty-fifty "
             "attribute; an attribute of rate p carries H(p) = -p ln p - (1 - p) ln(1 - p) nats, "
             "less for a rare one."),
            (price, beta * entropy / np.log(2), "The price is in bits (log base 2); the KL is in "
             "nats: use np.log."),
            (price, entropy, "The price is the entropy without beta: the loss charges beta times "
             "the KL."),
            (price, -beta * entropy, "The price is negative: H(p) = -(p ln p + (1 - p) ln(1 - p)) "
             "is positive."),
        ]:
            if close(got, wrong):
                raise _Hint(hint)
        raise _Hint(f"For {len(labels)} images with the attribute in {labels.mean():.0%} and "
                    f"beta = {beta:g}, (worth, price) is {_show(expected)}; yours is "
                    f"{_show((worth, price))}.")
    images, labels, beta = cases[0]
    everyone = _call("worth_and_price(images, all True, beta)", fn, images,
                     np.ones(len(images), bool), beta)
    if everyone is None or any(abs(float(np.ravel(v)[0])) > 1e-12 or not np.isfinite(
            float(np.ravel(v)[0])) for v in everyone):
        raise _Hint("When every image has the attribute there is nothing to tell: return "
                    "(0.0, 0.0) (your answer gives NaN or other numbers; guard p = 0 and "
                    "p = 1, where 0 ln 0 counts as 0).")


_ATTRIBUTE_MISTAKES = [
    (lambda z, y: z[y == 0].mean(axis=0) - z[y == 1].mean(axis=0),
     "The sign is reversed: it is the mean code WITH the attribute minus the mean WITHOUT it, so "
     "adding the vector adds the attribute."),
    (lambda z, y: z[y == 1].mean(axis=0),
     "You return the mean code of the faces with the attribute; subtract the mean code of the "
     "faces without it, so what all faces share cancels."),
    (lambda z, y: z[y == 1].mean(axis=0) - z.mean(axis=0),
     "You subtract the mean of ALL faces; subtract the mean of the faces WITHOUT the attribute."),
    (lambda z, y: z[y == 1].sum(axis=0) - z[y == 0].sum(axis=0),
     "You subtract sums; subtract means, since the two groups have different sizes."),
    (lambda z, y: (z * y[:, None]).mean(axis=0),
     "Multiplying the codes by the labels and averaging over all faces is not a group mean: "
     "select the rows, z[labels == 1].mean(axis=0) - z[labels == 0].mean(axis=0)."),
]


def _close(a, b):
    """Return whether two vectors agree to float32 accuracy."""
    return np.allclose(a, b, rtol=1e-4, atol=1e-5)


@_check("attribute_vector", latent.attribute_vector, "mean code of the faces with the attribute "
        "minus the mean code of those without, on 3 sets of codes with unequal group sizes.")
def check_attribute_vector(fn):
    """Check attribute_vector(z, labels): mean code with minus mean code without."""
    rng = np.random.default_rng(8)
    for n, d, share in ((40, 6, 0.25), (25, 3, 0.6), (60, 10, 0.1)):
        labels = np.zeros(n, np.float32)  # float 0/1, with a shifted group of codes
        labels[rng.choice(n, max(2, int(n * share)), replace=False)] = 1.0
        z = rng.normal(size=(n, d)) + 1.5 * labels[:, None] * rng.normal(size=d) + 0.7
        z = z.astype("float32")
        out = _numbers("attribute_vector(z, labels)", fn, z, labels)
        if out.shape == (n,):
            raise _Hint(f"Your result has one value per face, shape ({n},); average over the faces "
                        f"(axis=0) to get one vector of shape ({d},).")
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; the vector has one number per latent "
                        f"dimension, shape ({d},).")
        wrong = _first_wrong([out], [(z, labels)], latent.attribute_vector, _ATTRIBUTE_MISTAKES,
                             _close)
        if wrong:
            raise _Hint(f"Your vector starts {_show(out[:3])}, the expected one "
                        f"{_show(wrong[2][:3])}: z[labels == 1].mean(axis=0) - "
                        "z[labels == 0].mean(axis=0).")


@_check("flips", arithmetic.flips, "for attribute k it counts, among the faces judged without "
        "the target before, the share judged with it after; for every other attribute the share "
        "whose verdict changed, on 3 sets of verdicts, removal (target False) included.")
def check_flips(fn):
    """Check flips(before, after, k, target): shares changed, and for k turned from off."""
    rng = np.random.default_rng(6)
    for n, a, k, target in ((50, 5, 0, True), (30, 4, 2, False), (40, 6, 3, True)):
        before = (rng.random((n, a)) < 0.4).astype(np.int8)  # 0/1 verdicts (faces, attributes)
        after = before.copy()
        flip = rng.random((n, a)) < 0.3
        after[flip] = 1 - after[flip]
        got = _numbers(f"flips(before, after, {k}, {target})", fn, before, after, k, target)
        expected = arithmetic.flips(before, after, k, target)
        if got.shape != expected.shape:
            raise _Hint(f"For verdicts of shape {before.shape} return one share per attribute, "
                        f"shape {expected.shape}; yours has shape {got.shape}.")
        if np.allclose(got, expected, atol=1e-9, equal_nan=True):
            continue
        if np.nanmax(got) > 1:
            raise _Hint("Some of your values exceed 1: you return counts; return shares (divide "
                        "by the number of faces counted).")
        changed = (before != after).mean(axis=0).astype(np.float64)
        absolute, over_all = changed.copy(), changed.copy()
        absolute[k] = (after[:, k] == int(target)).mean()
        over_all[k] = ((after[:, k] == int(target)) & (before[:, k] != int(target))).mean()
        for wrong, hint in [  # what typical mistakes give, and their hints: first match wins
            (absolute, "For attribute k you count every face judged to have the target after; "
             "count only the faces judged WITHOUT it before (strength 0), so what was already "
             "there does not count as the vector's doing."),
            (over_all, "For attribute k you divide by all the faces; divide by the faces judged "
             "without the target before: the share of THEM that turned."),
            (changed, "For attribute k you count every change; count only the faces that turned "
             "from without the target to with it."),
        ]:
            if np.allclose(got, wrong, atol=1e-9):
                raise _Hint(hint)
        raise _Hint(f"For attribute k = {k} (target {target}) the share is {expected[k]:.3f} and "
                    f"the other attributes' start {_show(np.delete(expected, k)[:3])}; yours "
                    f"gives {got[k]:.3f} and {_show(np.delete(got, k)[:3])}.")


@_check("project_out", latent.project_out, "the result is orthogonal to u, differs from v only "
        "along u, and u's length does not matter.")
def check_project_out(fn):
    """Check project_out(v, u): v without its component along u."""
    rng = np.random.default_rng(13)
    for d, scale in ((5, 3.0), (20, 0.4), (2, 1.0)):
        v, u = rng.normal(size=d).astype("float32"), (scale * rng.normal(size=d)).astype("float32")
        out = _numbers("project_out(v, u)", fn, v, u)
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; it should have v's shape ({d},).")
        if _close(out, latent.project_out(v, u)):
            continue
        along = (v @ u) / (u @ u) * u
        if _close(out, along):
            raise _Hint("You return the component of v along u; return what is left of v "
                        "without it: v - (v·u / u·u) u.")
        if _close(out, v - (v @ u) * u):
            raise _Hint("Divide by u·u (or use the unit vector u / |u|): v - (v·u) u is only "
                        "right when |u| = 1, and attribute vectors are not unit vectors.")
        if _close(out, latent.project_out(u, v)):
            raise _Hint("The arguments are swapped: project_out(v, u) removes from v its "
                        "component along u.")
        if _close(out, v + along):
            raise _Hint("You add the component along u; subtract it: v - (v·u / u·u) u.")
        raise _Hint(f"Your result has dot product {float(out @ u):.3g} with u; it must be 0, "
                    "with v - result along u: v - (v·u / u·u) u.")


_MIDPOINT = float(np.sqrt(0.5))


@_check("midpoint_length", _MIDPOINT, f"{_MIDPOINT:.3f} = 1/√2: each coordinate of the midpoint "
        "has variance (1 + 1)/4 = 1/2, so its squared length is about d/2 against d, and its "
        "length √(d/2) against √d.", callable_answer=False, used=False)
def check_midpoint_length(value):
    """Check a number: the midpoint's length over an end's, for two independent N(0, I) codes."""
    got = _one_number(value, "midpoint_length", stub="midpoint_length = None")
    if abs(got - _MIDPOINT) <= 5e-3:
        return
    _wrong_step(got, [
        (0.5, "Either you took the variance of a coordinate of (z_a + z_b)/2 as 1/4 (the two "
         "variances add first: (1 + 1)/4 = 1/2), or you gave the ratio of the squared lengths, "
         "d/2 against d, whose square root is the ratio of the lengths."),
        (1.0, "The midpoint of two codes of length about √d is not as long: the two codes are "
         "independent, so they mostly point in different directions and partly cancel."),
        (0.25, "The variance of (z_a + z_b)/2 is (1 + 1)/4 in each coordinate: the two variances "
         "add before dividing by 4."),
        (float(np.sqrt(2)), "Upside down: the midpoint is the shorter one."),
    ], tolerance=5e-3)
    raise _Hint(f"{got:.4f} is not the ratio. Work out the variance of one coordinate of "
                "(z_a + z_b)/2, then the squared length of the midpoint (d coordinates), then take "
                "square roots against √d.")


GREAT_CIRCLE_CHOICES = ("longer", "about as long", "shorter")


def check_great_circle(prediction, path, midpoint_lengths, end_lengths):
    """Compare the prediction with the midpoints' length on the path, against their ends'.

    The midpoints are "about as long" as their ends when the ratio of the average lengths is
    within 10% of 1; the straight line's come out near 1/√2.
    """
    if path != "slerp":
        return _failed(f"✗ great_circle is not done yet. path is {path!r}: write your "
                       "prediction, set path = \"slerp\", then run the cells below.", "", None)
    ratio = float(np.mean(midpoint_lengths) / np.mean(end_lengths))
    outcome = "shorter" if ratio < 0.9 else "longer" if ratio > 1.1 else "about as long"
    measured = (f"on the great circle the midpoints are {ratio:.3f} times as long as their ends, "
                "on average")
    why = ("slerp mixes the two codes with weights sin((1 - t)θ)/sin θ and sin(tθ)/sin θ, which "
           "keep the length of two equally long codes at every t: the path stays on the shell of "
           "the ends' length, where the straight line cuts inside it (to about 1/√2 of the "
           "length at the midpoint, for nearly orthogonal ends). Ends of different lengths give "
           "a midpoint a little longer than their average.")
    return _predicted("great_circle", prediction, GREAT_CIRCLE_CHOICES, outcome, measured, why)
