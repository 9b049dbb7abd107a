"""Vectorised soft-edged shapes for the procedural stand-in datasets (appendix: stand-in data).

Every function works on a whole batch at once: the pixel grid has shape (1, H, W) and each
shape parameter is an array of shape (n, 1, 1) (or a scalar), so one call draws n images.
Distances are in pixels; negative inside a shape, positive outside.
"""

import numpy as np


def pixel_grid(size):
    """Return the (x, y) pixel-centre coordinates of a size x size image, each (1, size, size)."""
    coords = np.arange(size, dtype=np.float32) + 0.5
    y, x = np.meshgrid(coords, coords, indexing="ij")
    return x[None], y[None]


def column(values):
    """Reshape a length-n vector of per-sample parameters to (n, 1, 1) for broadcasting."""
    return np.asarray(values, dtype=np.float32).reshape(-1, 1, 1)


def _rotate(x, y, cx, cy, angle):
    """Coordinates relative to (cx, cy), rotated by -angle (radians)."""
    dx, dy = x - cx, y - cy
    if np.all(np.asarray(angle) == 0):
        return dx, dy
    c, s = np.cos(angle), np.sin(angle)
    return c * dx + s * dy, -s * dx + c * dy


def box(x, y, cx, cy, half_w, half_h, angle=0.0):
    """Signed distance (approximate) to a rectangle centred at (cx, cy), rotated by angle."""
    u, v = _rotate(x, y, cx, cy, angle)
    return np.maximum(np.abs(u) - half_w, np.abs(v) - half_h)


def ellipse(x, y, cx, cy, rx, ry, angle=0.0):
    """Signed distance (approximate) to an ellipse with radii rx, ry, rotated by angle."""
    u, v = _rotate(x, y, cx, cy, angle)
    return (np.sqrt((u / rx) ** 2 + (v / ry) ** 2) - 1.0) * np.minimum(rx, ry)


def trapezoid(x, y, cx, top, bottom, half_top, half_bottom):
    """Signed distance (approximate) to a vertical trapezoid whose half-width varies with y."""
    t = np.clip((y - top) / np.maximum(bottom - top, 1e-6), 0.0, 1.0)
    half = half_top + t * (half_bottom - half_top)
    return np.maximum.reduce([np.abs(x - cx) - half, top - y, y - bottom])


def segment(x, y, x0, y0, x1, y1):
    """Unsigned distance to the line segment from (x0, y0) to (x1, y1)."""
    dx, dy = x1 - x0, y1 - y0
    t = ((x - x0) * dx + (y - y0) * dy) / np.maximum(dx * dx + dy * dy, 1e-6)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(x - (x0 + t * dx), y - (y0 + t * dy))


def polyline(x, y, points):
    """Unsigned distance to a chain of segments; points is a list of (px, py) pairs."""
    dist = segment(x, y, *points[0], *points[1])
    for p, q in zip(points[1:-1], points[2:]):
        dist = np.minimum(dist, segment(x, y, *p, *q))
    return dist


def coverage(dist, edge=1.0):
    """Turn a signed distance into an anti-aliased ink coverage in [0, 1]."""
    return np.clip(0.5 - dist / edge, 0.0, 1.0).astype(np.float32)


def smooth_noise(rng, n, size, cells):
    """Return n smooth random fields of size x size in [0, 1], from a cells x cells lattice."""
    lattice = rng.random((n, cells + 1, cells + 1), dtype=np.float32)
    pos = np.linspace(0.0, cells, size, dtype=np.float32)
    i = np.minimum(pos.astype(int), cells - 1)
    f = pos - i
    rows = lattice[:, i] * (1 - f)[None, :, None] + lattice[:, i + 1] * f[None, :, None]
    return rows[:, :, i] * (1 - f)[None, None, :] + rows[:, :, i + 1] * f[None, None, :]


def rounded_box(x, y, cx, cy, half_w, half_h, radius):
    """Signed distance to an axis-aligned rectangle whose corners are rounded by radius."""
    qx = np.abs(x - cx) - (half_w - radius)
    qy = np.abs(y - cy) - (half_h - radius)
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return outside + np.minimum(np.maximum(qx, qy), 0.0) - radius


def arc(x, y, cx, cy, half_w, bend):
    """Unsigned distance (approximate) to a parabolic arc from (cx - half_w, cy) to
    (cx + half_w, cy) whose middle is displaced by bend (positive: down, a smile)."""
    t = (x - cx) / half_w
    curve_y = cy + bend * (1.0 - t * t)
    slope = -2.0 * bend * t / half_w
    inside = np.abs(y - curve_y) / np.sqrt(1.0 + slope * slope)
    ends = np.hypot(np.abs(x - cx) - half_w, y - cy)
    return np.where(np.abs(t) <= 1.0, np.minimum(inside, ends), ends)


def draw_classes(n, seed, drawers, size):
    """Draw n images with balanced, shuffled labels; drawers[k](rng, m) returns m ink images."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(drawers)).astype(np.uint8)
    images = np.zeros((n, size, size), dtype=np.uint8)
    for label, draw in enumerate(drawers):
        where = np.flatnonzero(labels == label)
        if where.size:
            images[where] = to_uint8(draw(rng, where.size))
    return images, labels


def to_uint8(images):
    """Convert float images in [0, 1] to uint8 pixels."""
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
