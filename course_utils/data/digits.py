"""Procedural handwritten digits: the MNIST stand-in of the appendix and chapter 3.

Each digit is one to three pen strokes through control points in a unit-high box (y down).
A sample blends each stroke between its two shapes, bends and jitters the points, sizes, slants,
turns and places the digit, and draws it with its own pen: white on black, as in MNIST.
"""

import functools

import numpy as np

from course_utils.data.render import column, coverage, draw_classes, pixel_grid, segment

SIZE = 28
CLASS_NAMES = tuple(str(d) for d in range(10))


def make_digits(n, seed):
    """Return n digit images (uint8, n x 28 x 28) and balanced labels (uint8) for a seed."""
    drawers = [functools.partial(_draw, glyph=glyph) for glyph in _GLYPHS]
    return draw_classes(n, seed, drawers, SIZE)


def _arc(cx, cy, rx, ry, start, stop, k):
    """Return k points along an elliptical arc; angles in degrees, 0 to the right, 90 down."""
    t = np.radians(np.linspace(start, stop, k))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _path(*parts):
    """Join point lists and arcs into one stroke, a (k, 2) array."""
    return np.concatenate([np.asarray(part, dtype=float).reshape(-1, 2) for part in parts])


def _stroke(a, b, present=1.0):
    """Describe a stroke by its two shapes (same number of points) and how often it is drawn."""
    a, b = _path(a), _path(b)
    assert a.shape == b.shape, "both shapes of a stroke need the same number of points"
    return a, b, present


# One entry per digit: its strokes. An optional stroke starts on another stroke, so leaving it
# out (shrinking it onto its first point) leaves no mark.
_GLYPHS = (
    (  # 0: an oval, wide or narrow
        _stroke(_arc(0, 0, 0.3, 0.5, -90, 270, 13), _arc(0, 0, 0.2, 0.5, -100, 265, 13)),
    ),
    (  # 1: a stem, sometimes with a flag and a foot
        _stroke([(0, -0.5), (0, 0.5)], [(0.06, -0.5), (-0.06, 0.5)]),
        _stroke([(0, -0.5), (-0.16, -0.33)], [(0.06, -0.5), (-0.12, -0.38)], present=0.35),
        _stroke([(0, 0.5), (-0.15, 0.5), (0.15, 0.5)],
                [(-0.06, 0.5), (-0.2, 0.5), (0.1, 0.5)], present=0.1),
    ),
    (  # 2: a hook over a diagonal and a flat base
        _stroke(_path(_arc(0, -0.22, 0.28, 0.28, 200, 380, 7), [(-0.3, 0.5), (0.32, 0.5)]),
                _path(_arc(0, -0.25, 0.3, 0.25, 180, 395, 7), [(-0.3, 0.46), (0.34, 0.5)])),
    ),
    (  # 3: two bumps meeting in the middle
        _stroke(_path(_arc(0, -0.25, 0.27, 0.25, 210, 450, 7),
                      _arc(0, 0.25, 0.3, 0.25, -90, 150, 8)),
                _path(_arc(0.02, -0.27, 0.24, 0.23, 200, 440, 7),
                      _arc(0.02, 0.24, 0.32, 0.26, -100, 160, 8))),
    ),
    (  # 4: closed or open top, a crossbar and a stem
        _stroke([(0.12, -0.5), (-0.3, 0.15), (0.32, 0.15)],
                [(-0.22, -0.5), (-0.26, 0.1), (0.32, 0.1)]),
        _stroke([(0.15, -0.2), (0.15, 0.5)], [(0.15, -0.45), (0.15, 0.5)]),
    ),
    (  # 5: a top bar, a short down stroke and a round belly
        _stroke([(0.28, -0.5), (-0.18, -0.5)], [(0.3, -0.48), (-0.16, -0.5)]),
        _stroke(_path([(-0.18, -0.5)], _arc(0, 0.2, 0.3, 0.28, -135, 150, 9)),
                _path([(-0.16, -0.5)], _arc(0.02, 0.18, 0.3, 0.3, -140, 160, 9))),
    ),
    (  # 6: a curved stem falling into a loop
        _stroke(_path([(0.25, -0.5), (0.0, -0.32)], _arc(0.02, 0.24, 0.24, 0.25, 180, -180, 11)),
                _path([(0.15, -0.5), (-0.08, -0.25)],
                      _arc(0.0, 0.25, 0.22, 0.23, 180, -150, 11))),
    ),
    (  # 7: a top bar and a long diagonal, now and then crossed
        _stroke([(-0.3, -0.48), (0.3, -0.5), (0.12, 0.0), (-0.05, 0.5)],
                [(-0.3, -0.45), (0.3, -0.5), (0.05, 0.0), (0.0, 0.5)]),
        _stroke([(0.12, 0.0), (-0.08, 0.0), (0.28, 0.0)],
                [(0.05, 0.0), (-0.13, 0.0), (0.22, 0.0)], present=0.15),
    ),
    (  # 8: a small loop on a bigger one
        _stroke(_arc(0, -0.26, 0.22, 0.24, 90, 450, 11), _arc(0.02, -0.3, 0.18, 0.2, 90, 450, 11)),
        _stroke(_arc(0, 0.24, 0.27, 0.26, -90, 270, 11), _arc(-0.01, 0.2, 0.3, 0.3, -90, 270, 11)),
    ),
    (  # 9: a loop on a stem
        _stroke(_path(_arc(0, -0.24, 0.26, 0.26, 0, 360, 11), [(0.24, 0.1), (0.2, 0.5)]),
                _path(_arc(-0.02, -0.28, 0.22, 0.22, 0, 360, 11), [(0.18, 0.1), (0.12, 0.5)])),
    ),
)


def _draw(rng, n, glyph):
    """Draw n samples of one digit; return float ink in [0, 1], shape (n, 28, 28)."""
    blend = rng.random((n, 1, 1))
    strokes = [_blend(rng, a, b, present, blend) for a, b, present in glyph]
    strokes = _place(rng, _bend(rng, strokes))
    pen = column(rng.uniform(0.8, 1.8, n))
    blur = column(rng.uniform(1.0, 1.8, n))
    return coverage(_distance(strokes) - pen, blur)


def _distance(strokes):
    """Return each pixel's distance to the nearest stroke, shape (n, 28, 28)."""
    x, y = pixel_grid(SIZE)
    dist = None
    for points in strokes:
        for p, q in zip(points.transpose(1, 2, 0), points[:, 1:].transpose(1, 2, 0)):
            d = segment(x, y, column(p[0]), column(p[1]), column(q[0]), column(q[1]))
            dist = d if dist is None else np.minimum(dist, d)
    return dist


def _blend(rng, a, b, present, blend):
    """Return each sample's control points (n, k, 2): a blend of the two shapes, maybe absent."""
    points = (1 - blend) * a + blend * b
    if present < 1.0:
        # An absent stroke shrinks onto its first point, which lies on another stroke.
        kept = (rng.random((len(points), 1, 1)) < present).astype(float)
        points = points[:, :1] + kept * (points - points[:, :1])
    return points


def _bend(rng, strokes):
    """Move all control points by a smooth random warp (shared per sample) plus small jitter."""
    n = len(strokes[0])
    coef = rng.normal(0.0, 0.1, (n, 2, 5))
    bent = []
    for points in strokes:
        x, y = points[..., 0], points[..., 1]
        basis = np.stack([x, y, x * y, x * x - 0.1, y * y - 0.1], axis=-1)  # (n, k, 5)
        shift = np.einsum("nkb,ncb->nkc", basis, coef)
        bent.append(points + shift + rng.normal(0.0, 0.015, points.shape))
    return bent


def _place(rng, strokes):
    """Scale, slant and turn unit-height strokes, then fit them in a 20-pixel box as MNIST does."""
    n = len(strokes[0])
    height = rng.uniform(15.5, 20.5, (n, 1, 1))
    width = height * rng.uniform(0.75, 1.25, (n, 1, 1))
    slant = np.clip(rng.normal(0.12, 0.2, (n, 1, 1)), -0.15, 0.6)
    turn = rng.uniform(-0.1, 0.1, (n, 1, 1))
    c, s = np.cos(turn), np.sin(turn)
    points = np.concatenate(strokes, axis=1)  # (n, all points, 2)
    x, y = points[..., :1] * width, points[..., 1:] * height
    x = x - slant * y  # a positive slant leans the top to the right
    points = np.concatenate([c * x - s * y, s * x + c * y], axis=-1)
    # Shrink any digit larger than MNIST's 20-pixel box (less the pen), centre it, jitter it.
    low, high = points.min(axis=1, keepdims=True), points.max(axis=1, keepdims=True)
    shrink = np.minimum(1.0, 17.0 / (high - low).max(axis=-1, keepdims=True))
    centre = SIZE / 2 + rng.normal(0.0, 0.9, (n, 1, 2))
    points = (points - (low + high) / 2) * shrink + centre
    return np.split(points, np.cumsum([p.shape[1] for p in strokes])[:-1], axis=1)
