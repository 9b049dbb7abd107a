"""Procedural garments: the Fashion-MNIST stand-in of the appendix and chapters 1-4.

Ten classes of light garment silhouettes on black, in Fashion-MNIST's label order, each drawn
for all its samples in one vectorised pass; samples vary in size, position, tilt, proportions,
brightness and texture. Neighbouring classes share styles (long-sleeved tops, coats without a
collar, high-top sneakers, closed sandals), so tops and shoes are as easy to confuse as in
Fashion-MNIST.
"""

import numpy as np

from course_utils import settings
from course_utils.data.render import (
    box, column, coverage, draw_classes, ellipse, pixel_grid, segment, smooth_noise, trapezoid,
)

SIZE = 28
MID = SIZE / 2
CLASS_NAMES = settings.FASHION_CLASSES  # declared with the chapters' settings


def make_clothes(n, seed):
    """Return n garment images (uint8, n x 28 x 28) and balanced labels (uint8) for a seed."""
    return draw_classes(n, seed, _DRAWERS, SIZE)


def _sample(rng, n, **ranges):
    """Draw each named parameter uniformly from its (low, high) range, as (n, 1, 1) columns."""
    return {name: column(rng.uniform(lo, hi, n)) for name, (lo, hi) in ranges.items()}


def _chance(rng, n, p):
    """Return a (n, 1, 1) column of 1.0 with probability p, else 0.0."""
    return column(rng.random(n) < p)


def _frame(rng, n, scale=(0.9, 1.06), shift=1.3, tilt=0.05):
    """Return each sample's pixel coordinates in its garment's frame: scaled, tilted, shifted."""
    x, y = pixel_grid(SIZE)
    p = _sample(rng, n, scale=scale, angle=(-tilt, tilt), dx=(-shift, shift), dy=(-shift, shift))
    u, v = x - MID - p["dx"], y - MID - p["dy"]
    c, s = np.cos(p["angle"]), np.sin(p["angle"])
    return MID + (c * u + s * v) / p["scale"], MID + (c * v - s * u) / p["scale"]


def _texture(rng, x, y, level, pattern=0.4, checks=0.0):
    """Return each sample's surface brightness: its level, soft shading and maybe a pattern.

    A sample gets stripes with chance `pattern`, checks with chance `checks`, a blotchy print
    with chance `pattern`, else a plain surface.
    """
    n = x.shape[0]
    shading = 1.0 + 0.35 * (smooth_noise(rng, n, SIZE, 3) - 0.5)
    p = _sample(rng, n, period=(2.2, 5.0), turn=(0, np.pi), phase=(0, 2 * np.pi),
                strength=(0.15, 0.45))
    along = x * np.cos(p["turn"]) + y * np.sin(p["turn"])
    stripes = 0.5 + 0.5 * np.cos(2 * np.pi * along / p["period"] + p["phase"])
    # Checks cross the stripes with a second set at right angles.
    across = y * np.cos(p["turn"]) - x * np.sin(p["turn"])
    cross = 0.5 + 0.5 * np.cos(2 * np.pi * across / p["period"] + p["phase"])
    kind = rng.random(n)
    has_stripes = column(kind < pattern)
    has_checks = column((kind >= pattern) & (kind < pattern + checks))
    has_print = column((kind >= pattern + checks) & (kind < 2 * pattern + checks))
    prints = smooth_noise(rng, n, SIZE, 7)
    pattern_map = (has_stripes * stripes + has_checks * np.maximum(stripes, cross)
                   + has_print * prints)
    return level * shading * (1.0 - p["strength"] * pattern_map)


def _finish(rng, ink, surface, marks=None):
    """Paint the surface onto the ink, darken the marks, add fine noise; float image."""
    image = ink * surface
    if marks is not None:
        image = image * (1.0 - marks)
    grain = rng.standard_normal(ink.shape, dtype=np.float32)
    return image + 0.03 * ink * grain


# --- tops: T-shirt, pullover, coat, shirt share one body-with-sleeves --------------------------
def _sleeves(x, y, g):
    """Return the signed distance to two sleeves hanging from the shoulders at an angle."""
    sleeves = []
    for side in (-1.0, 1.0):
        # Start the sleeve so that its upper corner meets the body's shoulder corner.
        ux, uy = side * np.cos(g["angle"]), np.sin(g["angle"])
        shoulder_x = MID + side * g["half"] - g["arm"] * uy * side
        shoulder_y = g["top"] + g["arm"] * np.abs(ux)
        cx, cy = shoulder_x + ux * g["sleeve"] / 2, shoulder_y + uy * g["sleeve"] / 2
        sleeves.append(box(x, y, cx, cy, g["sleeve"] / 2, g["arm"], side * g["angle"]))
    return np.minimum(*sleeves)


def _top(x, y, g):
    """Return the signed distance to a top: a body, two sleeves and a neck opening."""
    body = trapezoid(x, y, MID, g["top"], g["bottom"], g["half"], g["half"] + g["flare"])
    neck = ellipse(x, y, MID, g["top"] - 0.3, g["neck"], 0.7 * g["neck"])
    return np.maximum(np.minimum(body, _sleeves(x, y, g)), -neck)


def _tshirt(rng, n):
    """Draw T-shirts and tops: a wide body, short sleeves (none on a tank top), round neck."""
    x, y = _frame(rng, n)
    g = _sample(rng, n, top=(2.0, 4.0), bottom=(24.5, 27), half=(6.5, 8.5), flare=(-0.5, 0.8),
                sleeve=(4.0, 7.5), angle=(0.45, 0.85), arm=(2.4, 3.4), neck=(2.0, 3.5),
                grey=(0.25, 1.0))
    # Some tops have long sleeves hanging down, like a pullover's.
    long = _chance(rng, n, 0.15)
    g["sleeve"] = g["sleeve"] * (1 - long) + rng.uniform(13.0, 19.0, (n, 1, 1)) * long
    g["angle"] = g["angle"] * (1 - long) + rng.uniform(1.0, 1.3, (n, 1, 1)) * long
    # A tank top keeps only a strap's width of sleeve and has a scooped neck.
    tank = _chance(rng, n, 0.15) * (1 - long)
    g["sleeve"] = g["sleeve"] * (1 - tank) + 0.5 * tank
    g["arm"] = g["arm"] * (1 - tank) + 1.0 * tank
    g["neck"] = g["neck"] * (1 - tank) + 4.0 * tank
    surface = _texture(rng, x, y, g["grey"], pattern=0.3)
    return _finish(rng, coverage(_top(x, y, g), 1.2), surface)


def _pullover(rng, n):
    """Draw pullovers: a body with long sleeves hanging beside it, round neck."""
    x, y = _frame(rng, n)
    g = _sample(rng, n, top=(2.0, 4.5), bottom=(23.5, 27.5), half=(5.5, 7.2), flare=(-0.5, 1.0),
                sleeve=(15.0, 21.5), angle=(1.15, 1.4), arm=(2.0, 2.8), neck=(1.6, 3.0),
                collar=(2.0, 5.0), dark=(0.15, 0.5), grey=(0.25, 1.0))
    # A zip down the front on some, a collar on others: what a coat also has.
    marks = g["dark"] * np.maximum(_chance(rng, n, 0.2) * _collar(x, y, g, g["collar"]),
                                   _chance(rng, n, 0.25) * _placket(x, y, g))
    surface = _texture(rng, x, y, g["grey"], pattern=0.2)
    return _finish(rng, coverage(_top(x, y, g), 1.2), surface, marks)


def _coat(rng, n):
    """Draw coats: long sleeves, a long body, a collar and a dark front opening."""
    x, y = _frame(rng, n)
    g = _sample(rng, n, top=(1.5, 3.5), bottom=(24.0, 27.5), half=(5.5, 7.2), flare=(0.0, 1.5),
                sleeve=(16.0, 22.0), angle=(1.15, 1.4), arm=(2.0, 2.8), neck=(1.5, 2.8),
                collar=(3.0, 6.0), dark=(0.15, 0.8), grey=(0.25, 1.0))
    # Some coats have no collar, some a closed front that hardly shows.
    collar = _chance(rng, n, 0.75) * _collar(x, y, g, g["collar"])
    marks = g["dark"] * np.maximum(collar, _chance(rng, n, 0.8) * _placket(x, y, g))
    surface = _texture(rng, x, y, g["grey"], pattern=0.1)
    return _finish(rng, coverage(_top(x, y, g), 1.2), surface, marks)


def _shirt(rng, n):
    """Draw shirts: a collar, a button line, sleeves of any length, often checked."""
    x, y = _frame(rng, n)
    g = _sample(rng, n, top=(2.0, 4.0), bottom=(24.5, 27), half=(5.8, 7.5), flare=(-0.5, 0.8),
                sleeve=(4.0, 21.0), angle=(-0.1, 0.1), arm=(2.0, 3.0), neck=(1.5, 2.8),
                collar=(2.0, 3.5), dark=(0.1, 0.6), grey=(0.25, 0.95))
    # Long sleeves hang down, short ones stick out: the angle follows the length.
    g["angle"] = g["angle"] + 0.55 + 0.8 * (g["sleeve"] - 4.0) / 17.0
    buttons = (0.5 + 0.5 * np.cos(2 * np.pi * y / 3.0)) * _chance(rng, n, 0.7)
    marks = g["dark"] * np.maximum(_collar(x, y, g, g["collar"]), buttons * _placket(x, y, g))
    surface = _texture(rng, x, y, g["grey"], pattern=0.15, checks=0.35)
    return _finish(rng, coverage(_top(x, y, g), 1.2), surface, marks)


def _collar(x, y, g, depth):
    """Return the coverage of a V-shaped collar line from the neck's sides to its centre."""
    left = segment(x, y, MID - g["neck"] - 0.8, g["top"], MID, g["top"] + depth)
    right = segment(x, y, MID + g["neck"] + 0.8, g["top"], MID, g["top"] + depth)
    return coverage(np.minimum(left, right) - 0.45)


def _placket(x, y, g):
    """Return the coverage of a thin vertical line down the front."""
    return coverage(segment(x, y, MID, g["top"] + 2.0, MID, g["bottom"]) - 0.45)


def _trouser(rng, n):
    """Draw trousers: a waistband and two long legs with a gap between them."""
    x, y = _frame(rng, n, scale=(0.92, 1.04))
    g = _sample(rng, n, top=(0.8, 2.5), bottom=(25.5, 27.5), waist=(4.5, 6.5), leg=(2.2, 3.4),
                splay=(0.0, 2.5), crotch=(8.0, 12.0), grey=(0.25, 0.95))
    legs = []
    for side in (-1.0, 1.0):
        top_x = MID + side * (g["waist"] - g["leg"])
        bottom_x = top_x + side * g["splay"]
        angle = -side * np.arctan2(g["splay"], g["bottom"] - g["top"])
        length = np.hypot(g["splay"], g["bottom"] - g["top"])
        legs.append(box(x, y, (top_x + bottom_x) / 2, (g["top"] + g["bottom"]) / 2,
                        g["leg"], length / 2, angle))
    hips = trapezoid(x, y, MID, g["top"], g["crotch"], g["waist"], g["waist"] + g["splay"] / 3)
    surface = _texture(rng, x, y, g["grey"], pattern=0.1)
    return _finish(rng, coverage(np.minimum.reduce([hips, *legs]), 1.2), surface)


def _dress(rng, n):
    """Draw dresses: a narrow bodice widening to a broad hem, some with short sleeves."""
    x, y = _frame(rng, n)
    g = _sample(rng, n, top=(1.0, 3.5), bottom=(25.0, 27.5), half=(3.0, 5.0),
                waist_y=(8.0, 12.0), waist=(2.8, 4.5), hem=(7.5, 11.5), neck=(1.2, 2.5),
                sleeve=(2.5, 5.0), angle=(0.5, 0.9), arm=(1.8, 2.6), grey=(0.25, 1.0))
    bodice = trapezoid(x, y, MID, g["top"], g["waist_y"], g["half"], g["waist"])
    skirt = trapezoid(x, y, MID, g["waist_y"] - 0.5, g["bottom"], g["waist"], g["hem"])
    sleeves = _sleeves(x, y, g) + 100.0 * (1.0 - _chance(rng, n, 0.3))  # on some only
    neck = ellipse(x, y, MID, g["top"] - 0.3, g["neck"], g["neck"])
    surface = _texture(rng, x, y, g["grey"], pattern=0.35)
    shape = np.maximum(np.minimum.reduce([bodice, skirt, sleeves]), -neck)
    return _finish(rng, coverage(shape, 1.2), surface)


def _bag(rng, n):
    """Draw bags: a box body, usually with a handle arching over it."""
    x, y = _frame(rng, n, tilt=0.03)
    g = _sample(rng, n, top=(7.0, 14.0), bottom=(23.0, 27.0), half=(7.5, 12.5),
                taper=(-1.0, 2.0), handle_w=(3.0, 8.5), handle_t=(0.7, 1.5), flap=(2.0, 7.0),
                grey=(0.25, 1.0))
    body = trapezoid(x, y, MID, g["top"], g["bottom"], g["half"] - g["taper"], g["half"])
    ring = np.abs(ellipse(x, y, MID, g["top"], g["handle_w"], g["top"] - 1.0)) - g["handle_t"]
    handle = np.maximum(ring, y - g["top"]) + 100.0 * (1.0 - _chance(rng, n, 0.8))
    flap = coverage(np.abs(y - g["top"] - g["flap"]) - 0.4)
    marks = 0.5 * _chance(rng, n, 0.5) * flap
    surface = _texture(rng, x, y, g["grey"], pattern=0.25)
    return _finish(rng, coverage(np.minimum(body, handle), 1.2), surface, marks)


# --- footwear: toe to the left, heel to the right ---------------------------------------------
def _shoe(x, y, g):
    """Return the signed distance to a shoe's side view: a low toe rising to the heel's top."""
    length = g["heel_x"] - g["toe_x"]
    rise = np.clip((x - g["toe_x"] - g["rise_a"] * length) / (g["rise_b"] * length), 0.0, 1.0)
    rise = rise * rise * (3.0 - 2.0 * rise)  # smoothstep: flat at both ends
    top = g["toe_top"] + (g["heel_top"] - g["toe_top"]) * rise
    # The back leans in a little towards the top, as a heel counter does.
    back = x - g["heel_x"] + 0.15 * np.maximum(g["sole_y"] - 4.0 - y, 0.0)
    toe_x = g["toe_x"] + g["toe_round"]
    block = np.maximum.reduce([top - y, y - g["sole_y"], toe_x - x, back])
    toe = ellipse(x, y, toe_x, (g["toe_top"] + g["sole_y"]) / 2, g["toe_round"],
                  (g["sole_y"] - g["toe_top"]) / 2)
    return np.minimum(block, toe)


def _sneaker(rng, n):
    """Draw sneakers: a low shoe with a sole band, a collar opening and laces."""
    x, y = _frame(rng, n, tilt=0.07)
    g = _sample(rng, n, toe_x=(0.5, 2.5), heel_x=(25.0, 27.5), sole_y=(20.5, 23.5),
                toe_top=(14.0, 17.0), heel_top=(7.5, 12.0), rise_a=(0.25, 0.4),
                rise_b=(0.3, 0.45), toe_round=(3.0, 5.0), sole_h=(1.2, 3.0),
                sole_grey=(0.3, 1.0), upper_grey=(0.15, 1.0))
    # High-tops reach up the ankle, as boots do.
    high = _chance(rng, n, 0.2)
    g["heel_top"] = g["heel_top"] * (1 - high) + rng.uniform(4.0, 7.5, (n, 1, 1)) * high
    sole = coverage(g["sole_y"] - g["sole_h"] - y)
    level = g["upper_grey"] + (g["sole_grey"] - g["upper_grey"]) * sole
    opening = ellipse(x, y, g["heel_x"] - 5.5, g["heel_top"] + 0.6, 3.5, 1.3)
    laces = segment(x, y, g["heel_x"] - 11.0, g["heel_top"] + 2.0, g["toe_x"] + 9.0,
                    g["toe_top"] + 0.8)
    marks = np.maximum(0.7 * coverage(opening), 0.35 * coverage(laces - 0.5))
    surface = _texture(rng, x, y, level, pattern=0.1)
    return _finish(rng, coverage(_shoe(x, y, g), 1.1), surface, marks)


def _ankle_boot(rng, n):
    """Draw ankle boots: a shoe with a tall shaft at the heel and a block heel."""
    x, y = _frame(rng, n, tilt=0.06)
    g = _sample(rng, n, toe_x=(0.5, 2.5), heel_x=(24.5, 27.0), sole_y=(20.5, 23.5),
                toe_top=(12.5, 16.5), heel_top=(1.0, 5.0), rise_a=(0.2, 0.35),
                rise_b=(0.2, 0.35), toe_round=(3.0, 5.0), heel_h=(1.5, 4.0),
                heel_w=(3.5, 6.0), grey=(0.25, 1.0), sole_grey=(0.3, 0.8))
    # Some boots are cut low, nearly at a shoe's height.
    low = _chance(rng, n, 0.2)
    g["heel_top"] = g["heel_top"] * (1 - low) + rng.uniform(6.0, 9.5, (n, 1, 1)) * low
    g["heel_h"] = g["heel_h"] * (1 - low) + 1.0 * low
    heel = box(x, y, g["heel_x"] - g["heel_w"] / 2 - 0.5, g["sole_y"] + g["heel_h"] / 2,
               g["heel_w"] / 2, g["heel_h"] / 2)
    sole = box(x, y, g["toe_x"] + 6.0, g["sole_y"] + 0.6, 5.0, 1.0)
    under = coverage(g["sole_y"] - 0.5 - y)
    level = g["grey"] + (g["sole_grey"] - g["grey"]) * under
    surface = _texture(rng, x, y, level, pattern=0.1)
    return _finish(rng, coverage(np.minimum.reduce([_shoe(x, y, g), heel, sole]), 1.1), surface)


def _sandal(rng, n):
    """Draw sandals: a thin sole, crossing straps with holes between, an ankle strap, a heel."""
    x, y = _frame(rng, n, tilt=0.08)
    g = _sample(rng, n, toe_x=(1.0, 3.0), heel_x=(24.5, 26.5), sole_y=(20.0, 23.0),
                toe_top=(15.0, 18.0), heel_top=(8.0, 14.0), rise_a=(0.3, 0.5),
                rise_b=(0.3, 0.45), toe_round=(2.5, 4.0), heel_h=(0.0, 5.0),
                period=(3.5, 6.0), turn=(0.5, 1.1), strap=(0.6, 1.0), grey=(0.35, 1.0))
    # Some sandals are nearly closed: wide straps, small holes.
    closed = _chance(rng, n, 0.25)
    wide = g["period"] * rng.uniform(0.33, 0.42, (n, 1, 1))
    g["strap"] = g["strap"] * (1 - closed) + wide * closed
    # The sole rises from toe to heel by the heel height; a post holds it up.
    lift = g["heel_h"] * np.clip((x - g["toe_x"] - 8.0) / 12.0, 0.0, 1.0)
    foot = _shoe(x, y + lift, g)
    straps = np.minimum(_lattice(x, y, g["period"], g["turn"], g["strap"]),
                        _lattice(x, y, g["period"], -g["turn"], g["strap"]))
    sole = np.abs(y + lift - g["sole_y"] + 0.8) - 0.9
    sole = np.maximum(sole, np.maximum(g["toe_x"] + 1.0 - x, x - g["heel_x"]))
    post = box(x, y, g["heel_x"] - 1.5, g["sole_y"] - g["heel_h"] / 2, 1.2, g["heel_h"] / 2)
    ankle = segment(x, y, g["heel_x"] - 9.0, g["heel_top"] - g["heel_h"] + 2.0,
                    g["heel_x"], g["heel_top"] - g["heel_h"] + 0.5) - 0.8
    shape = np.minimum.reduce([np.maximum(foot, straps), sole, post, ankle])
    surface = _texture(rng, x, y, g["grey"], pattern=0.0)
    return _finish(rng, coverage(shape, 1.0), surface)


def _lattice(x, y, period, turn, half_width):
    """Return the signed distance to parallel straps crossing the frame at an angle."""
    along = x * np.cos(turn) + y * np.sin(turn)
    return np.abs(np.mod(along, period) - period / 2) - half_width


_DRAWERS = (_tshirt, _trouser, _pullover, _dress, _coat,
            _sandal, _shirt, _sneaker, _bag, _ankle_boot)
