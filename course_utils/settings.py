"""Every chapter's parameters, declared once: default, allowed values, the profiles' sizes.

A chapter's ``parameters`` cell holds literals (papermill overrides them); it is generated from
the declarations here (:func:`parameters_cell`) and a test keeps the two equal. A default of
``None`` means "the profile decides": ``full`` (the book's real sizes) or ``quick`` (seconds,
for tests). Chapters that reuse another chapter's model share its declarations, so their
settings cannot drift apart, and the library's defaults are read from here.
"""

import json
import textwrap
from dataclasses import dataclass

PROFILES = ("full", "quick")
SOURCES = ("auto", "real", "synthetic")
# The face attributes the course works with (the stand-in faces draw them), in the relative
# order of CelebA's attribute columns.
# Fashion-MNIST's classes, in the order of its labels 0 to 9 (the stand-in draws the same ones).
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
ATTRIBUTES = ("Bangs", "Black_Hair", "Blond_Hair", "Brown_Hair", "Eyeglasses", "Male",
              "Mustache", "Smiling", "Wearing_Hat")


class ParameterError(ValueError):
    """A chapter parameter has a wrong type or value."""


def fail(name, value, allowed):
    """Raise a ParameterError that names the parameter, its allowed values and the fix."""
    raise ParameterError(
        f"Parameter {name} must be {allowed}; got {value!r} ({type(value).__name__}). "
        f"Change it in the parameters cell, or pass e.g. `papermill -p {name} ...`."
    )


@dataclass(frozen=True)
class Rule:
    """What values a parameter allows: "integer", "number", "choice", "boolean" or "path"."""

    kind: str
    low: object = None
    high: object = None
    options: tuple = ()

    def describe(self):
        """Return the allowed values in words, for messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(o) for o in self.options)
        if self.kind == "boolean":
            return "True or False"
        if self.kind == "path":
            return "None or a folder's path as text"
        noun = "a whole number" if self.kind == "integer" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:,} to {self.high:,}"
        if self.low is not None:
            return f"{noun} of at least {self.low:,}"
        return noun if self.high is None else f"{noun} of at most {self.high:,}"

    def check(self, name, value):
        """Return value, as int or float where the rule says so; raise ParameterError if not."""
        if self.kind == "choice":
            if value not in self.options:
                fail(name, value, self.describe())
            return value
        if self.kind == "boolean":
            if not isinstance(value, bool):
                fail(name, value, self.describe())
            return value
        if self.kind == "path":
            if value is not None and not (isinstance(value, str) and value.strip()):
                fail(name, value, self.describe())
            return value
        numeric = (int,) if self.kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric) or value != value:
            fail(name, value, self.describe())
        if (self.low is not None and value < self.low) or (self.high is not None
                                                             and value > self.high):
            fail(name, value, self.describe())
        return int(value) if self.kind == "integer" else float(value)


def integer(low=None, high=None):
    """Return a rule accepting whole numbers in [low, high]."""
    return Rule("integer", low, high)


def number(low=None, high=None):
    """Return a rule accepting real numbers in [low, high]."""
    return Rule("number", low, high)


def choice(*options):
    """Return a rule accepting one of the given options."""
    return Rule("choice", options=options)


def boolean():
    """Return a rule accepting True or False."""
    return Rule("boolean")


def path():
    """Return a rule accepting None or a folder's path as text."""
    return Rule("path")


@dataclass(frozen=True)
class Setting:
    """One parameter: its rule, its default (None: the profile's), its sizes and what it means."""

    rule: Rule
    default: object
    note: str
    full: object = None
    quick: object = None

    def profile_value(self, profile):
        """Return the value the profile gives a default of None."""
        return {"full": self.full, "quick": self.quick}[profile]


def sized(rule, note, full, quick):
    """Return a setting whose default None takes the profile's size."""
    return Setting(rule, None, note, full, quick)


# --- Shared by several chapters -------------------------------------------------------------------

COMMON = {
    "PROFILE": Setting(choice(None, *PROFILES), None,
                       '"full" or "quick"; None: $COURSE_PROFILE, else "full"'),
    "SEED": Setting(integer(0, 2**31 - 1), 42, "the same profile and seed give the same numbers"),
}
DATA_SOURCE = Setting(choice(*SOURCES), "auto",
                      '"auto": real data if it loads, else the stand-in; "real"; "synthetic"')

# Chapter 1's autoencoder, which chapters 2 and 3 load from the cache.
AUTOENCODER = {
    **COMMON,
    "DATA_SOURCE": DATA_SOURCE,
    "N_TRAIN": sized(integer(1_000, 60_000), "training images", 20_000, 2_000),
    "N_TEST": sized(integer(100, 10_000), "test images", 5_000, 500),
    "EPOCHS": sized(integer(1, 1_000), "epochs of the convolutional autoencoder", 5, 1),
    "BATCH_SIZE": Setting(integer(1, 4_096), 128, "images per training step"),
}
LEARNING_RATE = 0.001  # Adam's step size for every Fashion-MNIST model of the course

# Chapter 2's measurement of a latent space, which chapter 3 repeats on the VAE.
MEASUREMENT = {
    "N_SAMPLES": sized(integer(100, 100_000), "latent points drawn to measure the limitations",
                       5_000, 1_000),
    "N_REFERENCE": sized(integer(100, 60_000), "real images that decoded ones are compared with",
                         10_000, 2_000),
    "GAP_QUANTILE": Setting(number(0.5, 0.999), 0.95,
                            "a gap is farther from every code than this share of test codes lie"),
    "JUDGE_EPOCHS": sized(integer(1, 100), "epochs of the judge of realistic images", 4, 3),
    "N_STEPS": Setting(integer(3, 30), 8, "points on the straight line between two codes"),
    "N_PAIRS": Setting(integer(1, 10_000), 200,
                       "random pairs of codes whose straight lines are measured"),
}

# Chapter 5's faces VAE, which chapter 6 loads from the cache.
FACES = {
    **COMMON,
    "DATA_SOURCE": Setting(choice(*SOURCES), "auto",
                           '"auto": CELEBA_DIR if given, else the stand-in faces; "real"; '
                           '"synthetic"'),
    "CELEBA_DIR": Setting(path(), None,
                          "CelebA's folder (Kaggle layout); None: the environment variable "
                          "CELEBA_DIR"),
    "N_TRAIN": sized(integer(32, 1_000_000), "training faces, streamed from disk", 6_000, 300),
    "N_TEST": sized(integer(32, 100_000), "held-out faces", 1_000, 200),
    "EPOCHS": sized(integer(1, 1_000), "training epochs of the faces VAE", 8, 1),
    "LATENT_DIM": Setting(integer(2, 2_048), 200, "dimensions of the latent space"),
    "BETA": Setting(number(0.001, 1_000), 0.2,
                    "weight of the KL term against the summed squared error"),
    "BATCH_SIZE": Setting(integer(1, 4_096), 32, "faces per training step"),
    "LEARNING_RATE": Setting(number(1e-6, 1.0), 0.001, "Adam's step size"),
}


# --- Every chapter --------------------------------------------------------------------------------

CHAPTERS = {
    "01_autoencoder": {
        **AUTOENCODER,
        "DENSE_EPOCHS": sized(integer(1, 1_000), "epochs of the dense autoencoder", 5, 1),
        "N_GENERATE": Setting(integer(1, 20), 8, "random latent points decoded into new images"),
        "GRID_SIZE": Setting(integer(2, 40), 15, "the decoded grid shows GRID_SIZE x GRID_SIZE "
                                                 "images"),
    },
    "02_limitations": {
        **AUTOENCODER,
        **MEASUREMENT,
        "MAP_RESOLUTION": Setting(integer(20, 1_000), 200,
                                  "the class map has MAP_RESOLUTION x MAP_RESOLUTION cells"),
        "N_SHOW": Setting(integer(2, 20), 8, "images per row in the figures"),
    },
    "03_vae": {
        **AUTOENCODER,
        "DATASET": Setting(choice("fashion_mnist", "mnist"), "fashion_mnist",
                           '"fashion_mnist" (32x32 images) or "mnist" (28x28)'),
        "BETA": Setting(number(0, 1_000), 1.0, "the weight of the KL term in the VAE's loss"),
        "BETA_SMALL": Setting(number(0, 1_000), 0.1,
                              "the beta study trains dense VAEs with BETA_SMALL, BETA and "
                              "BETA_LARGE"),
        "BETA_LARGE": Setting(number(0, 1_000), 10.0, "the largest beta of the study"),
        "BETA_N_TRAIN": sized(integer(1_000, 60_000), "training images of the beta study",
                              10_000, 2_000),
        "BETA_EPOCHS": sized(integer(1, 1_000), "epochs of the beta study", 5, 1),
        **MEASUREMENT,
        "IW_IMAGES": sized(integer(10, 10_000), "test images on which the ELBO is checked",
                           200, 50),
        "IW_DRAWS": sized(integer(10, 100_000), "draws per image of the importance-weighted "
                                                "bound", 500, 100),
        "N_DRAWS": Setting(integer(10, 10_000), 200,
                           "how many times one image is encoded to show the encoder's spread"),
        "N_GENERATE": Setting(integer(1, 64), 16, "new images sampled from N(0, I)"),
        "GRID_SIZE": Setting(integer(2, 40), 15, "the decoded grid shows GRID_SIZE x GRID_SIZE "
                                                 "images"),
    },
    "04_kl_divergence": {
        **COMMON,
        "N_MC": sized(integer(1_000, 10_000_000), "Monte Carlo draws per numerical check",
                      1_000_000, 20_000),
        "DATA_SOURCE": DATA_SOURCE,
        "N_TRAIN": sized(integer(100, 60_000), "training images of the small VAE", 10_000, 300),
        "N_TEST": sized(integer(50, 10_000), "test images it is analysed on", 2_000, 200),
        "EPOCHS": sized(integer(1, 1_000), "training epochs of the small VAE", 6, 1),
        "LATENT_DIM": Setting(integer(2, 64), 16, "latent dimensions of the small VAE"),
        "FREE_BITS": Setting(number(0.0, 10.0), 0.5,
                             "nats per dimension the free-bits VAE's KL term does not charge"),
        "BATCH_SIZE": Setting(integer(1, 4_096), 128, "images per training step"),
    },
    "05_faces": dict(FACES),
    "06_latent_arithmetic": {
        **FACES,
        "CLASSIFIER_EPOCHS": sized(integer(1, 1_000), "epochs of the attribute classifier", 3, 1),
        "ATTRIBUTE": Setting(choice(None, *ATTRIBUTES), None,
                             "the attribute whose arithmetic is measured; None: the one the code "
                             "holds best on this run (the highest AUC measured in the chapter "
                             "among the attributes its judge passes)"),
    },
    "07_applications": {
        **COMMON,
        "DATA_SOURCE": DATA_SOURCE,
        "N_TRAIN": sized(integer(1_000, 60_000), "training images", 10_000, 2_000),
        "N_TEST": sized(integer(200, 10_000), "held-out images", 2_000, 500),
        "MAX_EPOCHS": sized(integer(1, 10_000), "cap on each network trained to a stop", 200, 4),
        "PATIENCE": Setting(integer(1, 1_000), 5, "it stops after this many epochs without a "
                                                  "lower validation error"),
        "DENSE_EPOCHS": sized(integer(1, 1_000), "epochs of the two anomaly detectors", 8, 2),
        "LINEAR_EPOCHS": sized(integer(1, 1_000), "epochs of the linear autoencoder", 20, 5),
        "BATCH_SIZE": Setting(integer(1, 4_096), 128, "images per training step"),
        "NOISE_LOW": Setting(number(0.01, 2.0), 0.2, "the weaker noise, one denoiser trains on it "
                                                      "(standard deviation, pixels in [0, 1])"),
        "NOISE_HIGH": Setting(number(0.01, 2.0), 0.4, "the stronger noise, the other denoiser "
                                                       "trains on it"),
        "UNSEEN": Setting(choice(*FASHION_CLASSES), "Bag",
                          "the class left out of training: the anomaly to detect"),
        "ANOMALY_DIM": Setting(integer(2, 256), 8, "code size of the two anomaly detectors"),
        "ELBO_DRAWS": Setting(integer(1, 10_000), 20, "draws per image of the VAE's ELBO"),
        "FALSE_ALARMS": Setting(number(0.001, 0.5), 0.05,
                                "share of normal images the threshold may flag"),
        "N_SHOW": Setting(integer(2, 20), 8, "images per row in the figures"),
    },
    "appendix_data": {
        **COMMON,
        "SEED": Setting(integer(0, 2**31 - 1), 0, "the same profile and seed give the same "
                                                  "numbers"),
        "DATA_SOURCE": Setting(choice(*SOURCES), "auto",
                               'real data for the comparison: "auto", "real" or "synthetic" '
                               '(none)'),
        "N_TRAIN": sized(integer(10, 60_000),
                         "training images per dataset for the nearest-centroid measurement",
                         60_000, 5_000),
        "N_TEST": sized(integer(10, 10_000), "test images per dataset for that measurement",
                        10_000, 1_000),
        "N_FACES": sized(integer(32, 200_000), "stand-in faces written in CelebA's layout and "
                                               "read back", 2_000, 200),
    },
    "appendix_benchmarks": dict(COMMON),
    "instructor": dict(COMMON),
    "chapter_template": {
        **COMMON,
        "DATA_SOURCE": DATA_SOURCE,
        "N_TRAIN": sized(integer(1, 60_000), "training images", 60_000, 2_000),
        "N_TEST": sized(integer(1, 10_000), "test images", 10_000, 500),
        "EPOCHS": sized(integer(1, 1_000), "training epochs", 10, 1),
    },
}


def declared(chapter):
    """Return a chapter's settings by name, or raise a KeyError that lists the chapters."""
    try:
        return CHAPTERS[chapter]
    except KeyError:
        raise KeyError(f"No chapter {chapter!r}; the chapters are {', '.join(CHAPTERS)}.") from None


def parameters_cell(chapter, width=100):
    """Return the source of a chapter's parameters cell: one literal per setting, commented.

    A note that does not fit beside its value goes on comment lines above it.
    """
    lines = []
    for name, setting in declared(chapter).items():
        note = setting.note
        if setting.default is None and setting.full is not None:
            note += f"; None: the profile's (full {setting.full:,}, quick {setting.quick:,})"
        value = json.dumps(setting.default) if isinstance(setting.default, str) else repr(
            setting.default)
        line = f"{name} = {value}  # {note}"
        if len(line) > width:
            lines += textwrap.wrap(note, width - 2, initial_indent="# ",
                                   subsequent_indent="# ")
            line = f"{name} = {value}"
        lines.append(line)
    return "\n".join(lines)
