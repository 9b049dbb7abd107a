"""Procedural cartoon faces with known attributes: the CelebA stand-in.

A face is a pure function of its *factors*: nine CelebA attributes (booleans, named as in
CelebA's ``list_attr_celeba.csv``) and free variation (skin, hair, background, pose, colours).
``sample_factors`` draws factors with CelebA-like rates; ``render_faces`` draws them in
vectorised passes. Because the renderer is known, a face can be redrawn with one attribute
changed (``set_attribute``): chapter 6 measures whether adding a "Smiling" vector adds a smile.
Each attribute's look is described by its ``_draw_*`` function (Male: shorter hair, a squarer
jaw, a wider neck, thicker brows; with no hair-colour attribute the hair is grey or red).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from course_utils import settings
from course_utils.data.render import (
    arc, column, coverage, ellipse, pixel_grid, polyline, rounded_box, segment, to_uint8, trapezoid,
)

SIZE = 64
ATTRIBUTES = settings.ATTRIBUTES  # the rendered attributes, in CelebA's column order
HAIR_COLOURS = ("Blond_Hair", "Black_Hair", "Brown_Hair")

# CelebA's rates, except Eyeglasses (6.5% there): raised so a model sees enough glasses.
ATTRIBUTE_RATES = {"Bangs": 0.15, "Eyeglasses": 0.20, "Male": 0.42, "Smiling": 0.48,
                   "Wearing_Hat": 0.17}
MUSTACHE_RATE_AMONG_MEN = 0.15
HAIR_RATES = {"Blond_Hair": 0.15, "Black_Hair": 0.24, "Brown_Hair": 0.20}  # rest: grey or red

# Free variation: name -> (low, high) of a uniform draw; colours are drawn separately.
_FREE_RANGES = {
    "shift_x": (-2.0, 2.0),      # face position in pixels (CelebA's faces are aligned)
    "shift_y": (-1.5, 1.5),
    "scale": (0.92, 1.06),       # face size
    "tilt": (-0.1, 0.1),         # head roll in radians
    "yaw": (-1.0, 1.0),          # head turn: features shift sideways
    "face_width": (0.93, 1.05),
    "jaw": (0.0, 1.0),           # how square a man's jaw is
    "eye_spacing": (5.4, 6.6),   # half the distance between the eyes, in pixels
    "skin_tone": (0.0, 1.0),     # light to dark
    "iris": (0.0, 1.0),          # brown to blue-grey
    "hair_shade": (0.0, 1.0),    # light to dark within the hair colour
    "other_hair": (0.0, 1.0),    # below 0.55 grey, else red (when no hair colour attribute)
    "hair_length": (0.0, 1.0),
    "hair_part": (-1.0, 1.0),    # tilts the hairline
    "hair_phase": (0.0, 2 * np.pi),  # shifts strands and the fringe's jags
    "mouth_width": (0.88, 1.12),
    "mouth_curve": (-1.0, 1.0),  # slight up or down curve of a neutral mouth
    "smile_open": (0.0, 1.0),    # above 0.4 a smile shows teeth
    "hat_height": (0.0, 1.0),
    "frame_colour": (0.0, 1.0),  # picks one of four glasses colours
    "light": (-1.0, 1.0),        # light from the left or right
    "background_angle": (0.0, 2 * np.pi),
}
_FREE_COLOURS = {  # name -> ((hue), (saturation), (value)) ranges of an HSV draw
    "background_a": ((0.0, 1.0), (0.05, 0.45), (0.35, 0.95)),
    "background_b": ((0.0, 1.0), (0.05, 0.45), (0.35, 0.95)),
    "shirt_colour": ((0.0, 1.0), (0.2, 0.8), (0.2, 0.9)),
    "hat_colour": ((0.0, 1.0), (0.45, 0.9), (0.3, 0.85)),
}
FACTOR_NAMES = ATTRIBUTES + tuple(_FREE_RANGES) + tuple(_FREE_COLOURS)

_CHUNK = 256  # faces per vectorised pass (and per thread); bounds the memory of a pass


def sample_factors(n, seed=0):
    """Draw the factors of n faces: attributes as bools, the rest as float32."""
    rng = np.random.default_rng(seed)
    factors = {name: rng.random(n) < rate for name, rate in ATTRIBUTE_RATES.items()}
    factors["Mustache"] = factors["Male"] & (rng.random(n) < MUSTACHE_RATE_AMONG_MEN)
    rates = list(HAIR_RATES.values())
    hair = rng.choice(len(rates) + 1, size=n, p=rates + [1.0 - sum(rates)])
    for k, name in enumerate(HAIR_RATES):
        factors[name] = hair == k
    for name, (low, high) in _FREE_RANGES.items():
        factors[name] = rng.uniform(low, high, n).astype(np.float32)
    for name, ranges in _FREE_COLOURS.items():
        hsv = np.stack([rng.uniform(low, high, n) for low, high in ranges], axis=1)
        factors[name] = _hsv_to_rgb(hsv).astype(np.float32)
    return {name: factors[name] for name in FACTOR_NAMES}


def set_attribute(factors, name, value=True):
    """Return a copy of the factors with one attribute set.

    value is a bool for every face or a bool array, one per face. The data's constraints are
    kept: setting a hair colour clears the other two, and setting Male false clears Mustache.
    Otherwise render_faces draws what the factors say (a Mustache set on a woman is drawn).
    """
    if name not in ATTRIBUTES:
        raise KeyError(f"{name!r} is not a rendered attribute; choose from {ATTRIBUTES}.")
    changed = {key: np.array(val, copy=True) for key, val in factors.items()}
    new = np.broadcast_to(np.asarray(value, dtype=bool), changed[name].shape).copy()
    changed[name] = new
    if name in HAIR_COLOURS:
        for other in HAIR_COLOURS:
            if other != name:
                changed[other] &= ~new
    if name == "Male":
        changed["Mustache"] &= new
    return changed


def take(factors, index):
    """Return the factors of the faces selected by an index array or slice."""
    return {name: np.asarray(values)[index] for name, values in factors.items()}


def attribute_table(factors, names=ATTRIBUTES):
    """Return the attributes as an (n, len(names)) bool array, columns in the given order."""
    return np.stack([np.asarray(factors[name], dtype=bool) for name in names], axis=1)


def render_faces(factors, size=SIZE):
    """Render the faces described by factors as uint8 RGB images (n, size, size, 3)."""
    n = _check_factors(factors)
    images = np.empty((n, size, size, 3), dtype=np.uint8)

    def render_chunk(start):
        part = take(factors, slice(start, start + _CHUNK))
        # Channel-first while drawing: numpy loops fastest over contiguous pixel rows.
        images[start:start + _CHUNK] = to_uint8(_render(part, size)).transpose(0, 2, 3, 1)

    # numpy releases the GIL inside its loops, so chunks render in parallel on threads.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(render_chunk, range(0, n, _CHUNK)))
    return images


def _check_factors(factors):
    """Check that every factor is present with one length and hair colours exclude each other."""
    missing = [name for name in FACTOR_NAMES if name not in factors]
    if missing:
        raise KeyError(f"Factors lack {missing}; build them with sample_factors().")
    lengths = {len(factors[name]) for name in FACTOR_NAMES}
    if len(lengths) != 1:
        raise ValueError(f"All factors need the same length; got lengths {sorted(lengths)}.")
    several = attribute_table(factors, HAIR_COLOURS).sum(axis=1) > 1
    if several.any():
        raise ValueError(f"{int(several.sum())} faces have more than one of {HAIR_COLOURS}; "
                         "use set_attribute() to change a hair colour.")
    return lengths.pop()


def _hsv_to_rgb(hsv):
    """Convert (n, 3) HSV colours in [0, 1] to RGB."""
    h, s, v = hsv[:, 0:1], hsv[:, 1:2], hsv[:, 2:3]
    k = (np.array([5.0, 3.0, 1.0]) + h * 6.0) % 6.0
    return v - v * s * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _lerp(a, b, t):
    """Blend colours a and b by per-face weights t, as (n, 3)."""
    t = np.asarray(t, dtype=np.float32)[:, None]
    return np.asarray(a, np.float32) * (1.0 - t) + np.asarray(b, np.float32) * t


def _hair_colour(f):
    """Return each face's hair colour from its hair attributes and shade."""
    s = f["hair_shade"]
    grey = _lerp([0.84, 0.84, 0.82], [0.56, 0.56, 0.56], s)
    red = _lerp([0.86, 0.42, 0.16], [0.68, 0.25, 0.09], s)
    colour = np.where((f["other_hair"] < 0.55)[:, None], grey, red)
    shades = {"Blond_Hair": ([0.97, 0.87, 0.58], [0.82, 0.64, 0.30]),
              "Black_Hair": ([0.05, 0.045, 0.045], [0.17, 0.14, 0.13]),
              "Brown_Hair": ([0.50, 0.32, 0.17], [0.30, 0.18, 0.09])}
    for name, (light, dark) in shades.items():
        colour = np.where(np.asarray(f[name], bool)[:, None], _lerp(light, dark, s), colour)
    return colour


def _rgb(colour):
    """Reshape (n, 3) colours to (n, 3, 1, 1) for painting channel-first canvases."""
    return np.asarray(colour, np.float32).reshape(-1, 3, 1, 1)


# --- drawing ----------------------------------------------------------------------------------
#
# Each layer is drawn only on the faces that show it (a hat on hat wearers) and only inside the
# pixel window its face-frame box can reach, which makes rendering several times faster.
# Boxes are (u_min, u_max, v_min, v_max) in face units: origin at the face centre, the face
# 15 wide and 19 tall (half-widths), v pointing down; None means the whole image.

_FACE_Y = SIZE / 2 + 3.0  # the face sits a little below the image centre, as in CelebA
_USE_WINDOWS = True  # tests switch windows off to check that no layer is clipped


def _render(f, size):
    """Render one chunk of faces as float (n, 3, size, size) images, channel first."""
    col = _columns(f)
    x, y = pixel_grid(size)
    x, y = x * (SIZE / size), y * (SIZE / size)  # pixel centres in 64-pixel units
    # A two-colour gradient background in a random direction.
    angle = col["background_angle"]
    t = 0.5 + ((x - SIZE / 2) * np.cos(angle) + (y - SIZE / 2) * np.sin(angle)) / SIZE
    a, b = _rgb(col["background_a"]), _rgb(col["background_b"])
    canvas = a + t[:, None] * (b - a)
    # Pixel coordinates in each face's frame: centred, tilted and scaled.
    dx, dy = x - (SIZE / 2 + col["shift_x"]), y - (_FACE_Y + col["shift_y"])
    c, s = np.cos(col["tilt"]), np.sin(col["tilt"])
    u, v = (c * dx + s * dy) / col["scale"], (c * dy - s * dx) / col["scale"]
    col["edge"] = (SIZE / size) / col["scale"]  # one output pixel, in face units
    for draw, attribute, box in _LAYERS:
        rows, cols = _window(col, box, size)
        if attribute is None:  # every face: draw straight into a view of the canvas
            draw(canvas[:, :, rows, cols], col, u[:, rows, cols], v[:, rows, cols])
            continue
        who = np.flatnonzero(col[attribute].ravel() > 0.5)
        if who.size:
            part = {name: values[who] for name, values in col.items()}
            patch = canvas[who, :, rows, cols]
            draw(patch, part, u[who, rows, cols], v[who, rows, cols])
            canvas[who, :, rows, cols] = patch
    canvas *= (1.0 + 0.08 * col["light"] * (x - SIZE / 2) / (SIZE / 2))[:, None]
    return canvas


def _columns(f):
    """Return the factors as (n, 1, 1) columns, with the derived colours as (n, 3) rows."""
    col = {name: column(np.asarray(f[name], np.float32))
           for name in ATTRIBUTES + tuple(_FREE_RANGES)}
    col.update({name: np.asarray(f[name], np.float32) for name in _FREE_COLOURS})
    # Skin from light (0) over tan (0.5) to dark brown (1).
    stops = np.array([[0.99, 0.87, 0.76], [0.87, 0.66, 0.50], [0.45, 0.29, 0.19]], np.float32)
    tone = np.asarray(f["skin_tone"], np.float32)
    col["skin"] = np.stack([np.interp(tone, [0.0, 0.5, 1.0], stops[:, c]) for c in range(3)], 1)
    col["hair"] = _hair_colour(f)
    col["iris_colour"] = _lerp([0.28, 0.17, 0.08], [0.25, 0.40, 0.52], f["iris"])
    # Frames (black, tortoise brown, navy or dark red) stay darker than the skin, so glasses
    # show on every face.
    frames = np.array([[0.06, 0.06, 0.07], [0.33, 0.18, 0.07], [0.10, 0.13, 0.36],
                       [0.45, 0.07, 0.10]], np.float32)
    pick = np.minimum((np.asarray(f["frame_colour"]) * 4).astype(int), 3)
    col["frame"] = np.minimum(frames[pick], col["skin"] * 0.45)
    rx = 15.0 * col["face_width"]
    female = 1.0 - col["Male"]
    col["rx"] = rx
    col["hair_rx"] = rx + 2.2 + female * 1.5 * col["hair_length"]
    col["hair_ry"] = 19.5 + female * 0.8
    # Men's hair ends around the ears, women's at the shoulders or below.
    col["hair_end"] = (col["Male"] * (-2.0 + 4.0 * col["hair_length"])
                       + female * (8.0 + 22.0 * col["hair_length"]))
    return col


def _window(col, box, size):
    """Return the (rows, cols) slices of the pixels that a face-frame box can reach."""
    if box is None or not _USE_WINDOWS:
        return slice(None), slice(None)
    cu = np.array([box[0], box[1], box[0], box[1]], np.float32)
    cv = np.array([box[2], box[2], box[3], box[3]], np.float32)
    c, s, k = (np.cos(col["tilt"]).reshape(-1, 1), np.sin(col["tilt"]).reshape(-1, 1),
               col["scale"].reshape(-1, 1))
    x = SIZE / 2 + col["shift_x"].reshape(-1, 1) + k * (c * cu - s * cv)
    y = _FACE_Y + col["shift_y"].reshape(-1, 1) + k * (s * cu + c * cv)
    return _pixel_span(y, size), _pixel_span(x, size)


def _pixel_span(coords, size):
    """Return the slice of output pixels covering coords (64-pixel units), one pixel wider."""
    low = np.floor((coords.min() - 1.0) * size / SIZE)
    high = np.ceil((coords.max() + 1.0) * size / SIZE)
    return slice(int(np.clip(low, 0, size)), int(np.clip(high, 0, size)))


def _paint(canvas, alpha, colour):
    """Paint colour over the (n, 3, H, W) canvas in place where alpha (n, H, W) covers it."""
    step = np.subtract(colour, canvas, dtype=np.float32)
    step *= alpha[:, None]  # in place: one temporary instead of two
    canvas += step


def _head(col, u, v):
    """Return the signed distance to the hair's outline around the head."""
    return ellipse(u, v, 0.0, -3.5, col["hair_rx"], col["hair_ry"])


def _draw_back_hair(canvas, col, u, v):
    """Draw the hair behind the head, in shadow: to the ears for men, longer for women."""
    end, hair_rx = col["hair_end"], col["hair_rx"]
    flare = (1.0 - col["Male"]) * (1.5 + 2.0 * col["hair_length"])
    back = np.minimum(np.maximum(_head(col, u, v), v - end),
                      trapezoid(u, v, 0.0, -8.0, end, hair_rx, hair_rx + flare))
    _paint(canvas, coverage(back, col["edge"]), _rgb(col["hair"]) * 0.82)


def _draw_body(canvas, col, u, v):
    """Draw the neck and the shoulders in a shirt."""
    neck = rounded_box(u, v, 0.0, 20.0, 5.5 + 1.3 * col["Male"], 10.0, 2.0)
    _paint(canvas, coverage(neck, col["edge"]), _rgb(col["skin"]) * 0.8)
    shoulders = ellipse(u, v, 0.0, 37.0, 25.0, 12.5)
    _paint(canvas, coverage(shoulders, col["edge"]), _rgb(col["shirt_colour"]))


def _draw_face(canvas, col, u, v):
    """Draw the ears, the shaded face (a squarer jaw for men) and the nose."""
    edge, rx, skin = col["edge"], col["rx"], _rgb(col["skin"])
    ears = np.minimum(ellipse(u, v, -(rx - 0.3), -1.0, 2.0, 3.3),
                      ellipse(u, v, rx - 0.3, -1.0, 2.0, 3.3))
    _paint(canvas, coverage(ears, edge), skin * 0.9)
    face = ellipse(u, v, 0.0, 0.0, rx, 19.0)
    # A man's jaw: a rounded box that squares off the lower half of the ellipse.
    jaw = rounded_box(u, v, 0.0, 4.0, rx * (0.8 + 0.08 * col["jaw"]), 14.0, 5.5)
    face = np.minimum(face, jaw + (1.0 - col["Male"]) * 100.0)
    shade = 1.03 - 0.14 * np.minimum((u / rx) ** 2 + (v / 19.0) ** 2, 1.3)
    _paint(canvas, coverage(face, edge), skin * shade[:, None])
    nose_x = 1.6 * col["yaw"]
    nostrils = ellipse(u, v, nose_x, 5.0, 2.0, 1.0)
    _paint(canvas, 0.3 * coverage(nostrils, edge * 2.0), skin * 0.75)
    nose = polyline(u, v, [(0.5 * nose_x, -1.5), (nose_x + 0.9, 4.6), (nose_x - 0.6, 5.4)])
    _paint(canvas, 0.55 * coverage(nose - 0.3, edge), skin * 0.68)


def _eye_centres(col):
    """Return the x positions of the left and right eye and their common height."""
    shift = 1.0 * col["yaw"]
    return -col["eye_spacing"] + shift, col["eye_spacing"] + shift, -3.0


def _draw_eyes(canvas, col, u, v):
    """Draw the eye whites, irises, upper lids and eyebrows."""
    edge = col["edge"]
    left, right, ev = _eye_centres(col)
    whites = np.minimum(ellipse(u, v, left, ev, 2.5, 1.45), ellipse(u, v, right, ev, 2.5, 1.45))
    _paint(canvas, coverage(whites, edge), _rgb([0.96, 0.96, 0.95]))
    look = 0.4 * col["yaw"]
    irises = np.minimum(ellipse(u, v, left + look, ev + 0.1, 1.2, 1.25),
                        ellipse(u, v, right + look, ev + 0.1, 1.2, 1.25))
    _paint(canvas, coverage(np.maximum(irises, whites), edge), _rgb(col["iris_colour"]))
    lids = np.minimum(arc(u, v, left, ev - 0.9, 2.6, -0.6), arc(u, v, right, ev - 0.9, 2.6, -0.6))
    _paint(canvas, 0.8 * coverage(lids - 0.3, edge), _rgb([0.12, 0.08, 0.07]))
    brows = np.minimum(_brow(u, v, left, ev, -1.0), _brow(u, v, right, ev, 1.0))
    thickness = 0.5 + 0.35 * col["Male"]
    # Brows are darker than the hair and than the skin, so they show on every face.
    brow_colour = np.minimum(col["hair"] * 0.7, col["skin"] * 0.55)
    _paint(canvas, coverage(brows - thickness, edge), _rgb(brow_colour))


def _brow(u, v, ex, ev, side):
    """Return the distance to one eyebrow: a shallow arch above the eye, side -1 left, 1 right."""
    return polyline(u, v, [(ex - side * 2.4, ev - 3.6), (ex + side * 0.2, ev - 4.4),
                           (ex + side * 2.8, ev - 3.7)])


def _mouth(col):
    """Return the mouth's centre x, corner height, half-width, and upper and lower bends."""
    smiling = col["Smiling"]
    opened = smiling * (col["smile_open"] > 0.4)
    half_w = 4.0 * col["mouth_width"] * (1.0 + 0.18 * smiling)
    corners = 10.5 - 0.9 * smiling  # a smile raises the corners
    # Bend: how far the middle sits below the corners; a neutral mouth is nearly flat.
    top = (1.0 - smiling) * 0.3 * col["mouth_curve"] + smiling * (2.1 - 1.1 * opened)
    return 1.3 * col["yaw"], corners, half_w, top, top + opened * 2.8, opened


def _draw_mouth(canvas, col, u, v):
    """Draw the mouth: flat and closed, a closed smile, or an open smile with teeth."""
    edge = col["edge"]
    mx, corners, half_w, top, low, opened = _mouth(col)
    t = np.minimum(((u - mx) / half_w) ** 2, 1.0)
    upper = corners + top * (1.0 - t)
    inside = np.maximum.reduce([upper - v, v - corners - low * (1.0 - t), np.abs(u - mx) - half_w])
    closed = 100.0 * (1.0 - opened)  # pushes the open-mouth shapes away on closed mouths
    _paint(canvas, coverage(inside + closed, edge), _rgb([0.33, 0.07, 0.08]))
    teeth = np.maximum(inside, v - upper - 1.3)
    _paint(canvas, coverage(teeth + closed, edge), _rgb([0.97, 0.96, 0.92]))
    lips = opened * np.abs(inside) + (1.0 - opened) * arc(u, v, mx, corners, half_w, top)
    _paint(canvas, coverage(lips - 0.5, edge), _rgb(col["skin"]) * _rgb([0.72, 0.42, 0.42]))
    # Smile lines: short brackets beside the raised corners.
    cheeks = np.minimum(
        segment(u, v, mx - half_w - 0.6, corners - 1.6, mx - half_w - 1.2, corners + 0.5),
        segment(u, v, mx + half_w + 0.6, corners - 1.6, mx + half_w + 1.2, corners + 0.5))
    _paint(canvas, 0.6 * col["Smiling"] * coverage(cheeks - 0.35, edge), _rgb(col["skin"]) * 0.7)


def _draw_mustache(canvas, col, u, v):
    """Draw a mustache: a dark band between the nose and the mouth."""
    mx, corners, half_w, _, _, _ = _mouth(col)
    band = ellipse(u, v, mx, corners - 2.6 + 0.5 * col["Smiling"], half_w + 1.0, 1.5)
    colour = np.minimum(col["hair"] * 0.55, col["skin"] * 0.45)  # darker than hair and skin
    _paint(canvas, coverage(band, col["edge"]), _rgb(colour))


def _draw_front_hair(canvas, col, u, v):
    """Draw the hair over the forehead and temples; with Bangs a jagged fringe to the brows."""
    across = u / col["rx"]
    hairline = -14.0 + 6.0 * across ** 2 + 1.5 * col["hair_part"] * across
    fringe = -8.7 + 0.6 * np.sin(2.0 * u + col["hair_phase"])
    hairline = hairline + col["Bangs"] * np.maximum(fringe - hairline, 0.0)
    front = np.maximum(_head(col, u, v), v - hairline)
    strands = 0.93 + 0.07 * np.sin(2.1 * u + 2.0 * np.sin(0.3 * v + col["hair_phase"]))
    _paint(canvas, coverage(front, col["edge"]), _rgb(col["hair"]) * strands[:, None])
    # A darker rim along the hairline keeps it visible where hair and skin have similar colours.
    rim = np.maximum.reduce([np.abs(v - hairline + 0.5) - 0.5, front,
                             ellipse(u, v, 0.0, 0.0, col["rx"], 19.0)])  # on the face only
    _paint(canvas, 0.7 * coverage(rim, col["edge"]), _rgb(col["hair"]) * 0.6)


def _draw_glasses(canvas, col, u, v):
    """Draw glasses: two rings around the eyes, a bridge and arms to the ears."""
    edge, rx = col["edge"], col["rx"]
    left, right, ev = _eye_centres(col)
    lens_left = ellipse(u, v, left, ev - 0.2, 3.8, 3.0)
    lens_right = ellipse(u, v, right, ev - 0.2, 3.8, 3.0)
    lenses = np.minimum(lens_left, lens_right)
    rings = np.minimum(np.abs(lens_left), np.abs(lens_right))
    bridge = segment(u, v, left + 3.6, ev - 0.9, right - 3.6, ev - 0.9)
    arms = np.minimum(segment(u, v, left - 3.8, ev - 0.8, -rx + 0.3, ev - 0.3),
                      segment(u, v, right + 3.8, ev - 0.8, rx - 0.3, ev - 0.3))
    frame = np.minimum(rings - 0.5, np.minimum(bridge, arms) - 0.4)
    _paint(canvas, 0.15 * coverage(lenses, edge), _rgb([0.85, 0.92, 1.0]))
    _paint(canvas, coverage(frame, edge), _rgb(col["frame"]))


def _draw_hat(canvas, col, u, v):
    """Draw a hat: a crown over the top of the head with a darker band and a wide brim."""
    edge, brim_v = col["edge"], -12.8
    crown = ellipse(u, v, 0.0, brim_v, col["hair_rx"] + 0.8, 11.5 + 3.0 * col["hat_height"])
    crown = np.maximum(crown, v - brim_v)
    brim = ellipse(u, v, 0.0, brim_v + 0.3, col["hair_rx"] + 5.0, 1.7)
    band = np.maximum(crown, brim_v - 2.2 - v)
    colour = _rgb(col["hat_colour"])
    _paint(canvas, coverage(np.minimum(crown, brim), edge), colour)
    _paint(canvas, coverage(band, edge), colour * 0.6)


# (draw, attribute that must be true or None for every face, face-frame box or None), in
# painting order: later layers cover earlier ones.
_LAYERS = (
    (_draw_back_hair, None, None),
    (_draw_body, None, (-27.0, 27.0, 9.0, 52.0)),
    (_draw_face, None, (-19.0, 19.0, -20.0, 20.0)),
    (_draw_eyes, None, (-12.5, 12.5, -8.7, -1.0)),
    (_draw_mouth, None, (-9.5, 9.5, 5.5, 15.5)),
    (_draw_mustache, "Mustache", (-10.5, 10.5, 4.5, 10.5)),
    (_draw_front_hair, None, (-22.0, 22.0, -25.5, -1.5)),
    (_draw_glasses, "Eyeglasses", (-17.0, 17.0, -7.5, 1.5)),
    (_draw_hat, "Wearing_Hat", (-26.0, 26.0, -29.5, -10.0)),
)
