"""What every chapter's parameters allow, and the sizes each profile gives them.

A chapter's ``parameters`` cell is the one source of each parameter's default and its note
(``papermill.inspect_notebook`` reads them). A literal cannot say which values are allowed, nor
what a size left at None becomes, so that is declared here, one rule per parameter: ``full``
(the book's real sizes), ``quick`` (seconds, for tests) and ``gpu`` (the headline sizes, chosen
when a GPU is present; the full size where none is given) are the profiles' sizes. A test
checks that every parameter of every cell has a rule and every rule a parameter. Chapters that
reuse another chapter's model share its rules, so their checks cannot drift apart.
"""

from dataclasses import dataclass

PROFILES = ("full", "quick", "gpu")
SOURCES = ("auto", "real", "synthetic")
# Fashion-MNIST's classes, in the order of its labels 0 to 9 (the stand-in draws the same ones).
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
# The face attributes the course works with (the stand-in faces draw them), in the relative
# order of CelebA's attribute columns.
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
    """What values a parameter allows ("integer", "number", "choice" or "path"), and its sizes.

    full, quick and gpu, where given, are the profiles' values for a size left at None.
    """

    kind: str
    low: object = None
    high: object = None
    options: tuple = ()
    full: object = None
    quick: object = None
    gpu: object = None

    def size(self, profile):
        """Return the profile's value for a size left at None (the gpu profile: full's if unset)."""
        if profile == "gpu" and self.gpu is None:
            return self.full
        return getattr(self, profile)

    def describe(self):
        """Return the allowed values in words, for messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(o) for o in self.options)
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


def integer(low=None, high=None, full=None, quick=None, gpu=None):
    """Return a rule accepting whole numbers in [low, high]; None takes the profile's size."""
    return Rule("integer", low, high, full=full, quick=quick, gpu=gpu)


def number(low=None, high=None):
    """Return a rule accepting real numbers in [low, high]."""
    return Rule("number", low, high)


def choice(*options):
    """Return a rule accepting one of the given options."""
    return Rule("choice", options=options)


def path():
    """Return a rule accepting None or a folder's path as text."""
    return Rule("path")


# --- Shared by several chapters -------------------------------------------------------------------

COMMON = {"PROFILE": choice(None, *PROFILES), "SEED": integer(0, 2**31 - 1)}

# Chapter 1's autoencoder, which chapters 2 and 3 load from the cache.
AUTOENCODER = {
    **COMMON,
    "DATA_SOURCE": choice(*SOURCES),
    "N_TRAIN": integer(1_000, 60_000, full=20_000, quick=2_000),
    "N_TEST": integer(100, 10_000, full=5_000, quick=500),
    "EPOCHS": integer(1, 1_000, full=5, quick=1),
    "BATCH_SIZE": integer(1, 4_096),
}

# Chapter 2's measurement of a latent space, which chapter 3 repeats on the VAE.
MEASUREMENT = {
    "N_SAMPLES": integer(100, 100_000, full=5_000, quick=1_000),
    "N_REFERENCE": integer(100, 60_000, full=10_000, quick=2_000),
    "GAP_QUANTILE": number(0.5, 0.999),
    "JUDGE_EPOCHS": integer(1, 100, full=4, quick=3),
    "N_STEPS": integer(3, 30),
    "N_PAIRS": integer(1, 10_000),
}

# Chapter 5's faces VAE, which chapter 6 loads from the cache.
FACES = {
    **COMMON,
    "DATA_SOURCE": choice(*SOURCES),
    "CELEBA_DIR": path(),
    # gpu: 200,000 of CelebA's 202,599 aligned faces, 2,000 held out, 20 epochs
    "N_TRAIN": integer(32, 1_000_000, full=20_000, quick=300, gpu=200_000),
    "N_TEST": integer(32, 100_000, full=1_000, quick=200, gpu=2_000),
    "EPOCHS": integer(1, 1_000, full=5, quick=1, gpu=20),
    "LATENT_DIM": integer(2, 2_048),
    "BETA": number(0.001, 1_000),
    "BATCH_SIZE": integer(1, 4_096),
    "LEARNING_RATE": number(1e-6, 1.0),
}


# --- Every chapter, its parameters in the order of its cell ---------------------------------------

CHAPTERS = {
    "01_autoencoder": {
        **AUTOENCODER,
        "DENSE_EPOCHS": integer(1, 1_000, full=5, quick=1),
        "N_GENERATE": integer(1, 20),
        "GRID_SIZE": integer(2, 40),
    },
    "02_limitations": {
        **AUTOENCODER,
        **MEASUREMENT,
        "MAP_RESOLUTION": integer(20, 1_000),
        "N_SHOW": integer(2, 20),
    },
    "03_vae": {
        **AUTOENCODER,
        "DATASET": choice("fashion_mnist", "mnist"),
        "BETA": number(0, 1_000),
        "BETA_SMALL": number(0, 1_000),
        "BETA_LARGE": number(0, 1_000),
        "BETA_N_TRAIN": integer(1_000, 60_000, full=10_000, quick=2_000),
        "BETA_EPOCHS": integer(1, 1_000, full=5, quick=1),
        **MEASUREMENT,
        "N_EVIDENCE": integer(10, 10_000, full=200, quick=50),
        "IW_DRAWS": integer(10, 100_000, full=100, quick=50),
        "N_DRAWS": integer(10, 10_000),
        "N_GENERATE": integer(1, 64),
        "GRID_SIZE": integer(2, 40),
    },
    "04_kl_divergence": {
        **COMMON,
        "N_MC": integer(1_000, 10_000_000, full=1_000_000, quick=20_000),
        "DATA_SOURCE": choice(*SOURCES),
        "N_TRAIN": integer(100, 60_000, full=10_000, quick=300),
        "N_TEST": integer(50, 10_000, full=2_000, quick=200),
        "EPOCHS": integer(1, 1_000, full=6, quick=1),
        "LATENT_DIM": integer(2, 64),
        "FREE_BITS": number(0.0, 10.0),
        "BATCH_SIZE": integer(1, 4_096),
    },
    "05_faces": dict(FACES),
    "06_latent_arithmetic": {
        **FACES,
        "CLASSIFIER_EPOCHS": integer(1, 1_000, full=3, quick=1),
        "ATTRIBUTE": choice(None, *ATTRIBUTES),
    },
    "07_applications": {
        **COMMON,
        "DATA_SOURCE": choice(*SOURCES),
        "N_TRAIN": integer(1_000, 60_000, full=10_000, quick=2_000),
        "N_TEST": integer(200, 10_000, full=2_000, quick=500),
        "MAX_EPOCHS": integer(1, 10_000, full=200, quick=4),
        "PATIENCE": integer(1, 1_000),
        "DENSE_EPOCHS": integer(1, 1_000, full=8, quick=2),
        "LINEAR_EPOCHS": integer(1, 1_000, full=20, quick=5),
        "BATCH_SIZE": integer(1, 4_096),
        "NOISE_LOW": number(0.01, 2.0),
        "NOISE_HIGH": number(0.01, 2.0),
        "UNSEEN": choice(*FASHION_CLASSES),
        "ANOMALY_DIM": integer(2, 256),
        "ELBO_DRAWS": integer(1, 10_000),
        "FALSE_ALARMS": number(0.001, 0.5),
        "N_SHOW": integer(2, 20),
    },
    "08_generating": {
        **AUTOENCODER,
        "CONDITIONAL_EPOCHS": integer(1, 1_000, full=5, quick=40),
        "JUDGE_EPOCHS": MEASUREMENT["JUDGE_EPOCHS"],
        "N_REFERENCE": MEASUREMENT["N_REFERENCE"],
        "N_EVIDENCE": integer(10, 10_000, full=200, quick=50),
        "ELBO_DRAWS": integer(1, 10_000),
        "N_PER_CLASS": integer(10, 100_000, full=500, quick=100),
        "CELEBA_DIR": path(),
        "FACES_N_TRAIN": integer(32, 1_000_000, full=8_000, quick=300),
        "FACES_N_TEST": integer(32, 100_000, full=1_000, quick=200),
        "FACES_EPOCHS": integer(1, 1_000, full=3, quick=1),
        "BETA_LOW": number(0.001, 1_000),
        "BETA_HIGH": number(0.001, 1_000),
    },
    "appendix_data": {
        **COMMON,
        "DATA_SOURCE": choice(*SOURCES),
        "N_TRAIN": integer(10, 60_000, full=60_000, quick=5_000),
        "N_TEST": integer(10, 10_000, full=10_000, quick=1_000),
        "N_FACES": integer(32, 200_000, full=2_000, quick=200),
    },
    "appendix_benchmarks": dict(COMMON),
    "instructor": dict(COMMON),
    "chapter_template": {
        **COMMON,
        "DATA_SOURCE": choice(*SOURCES),
        "N_TRAIN": integer(1, 60_000, full=60_000, quick=2_000),
        "N_TEST": integer(1, 10_000, full=10_000, quick=500),
        "EPOCHS": integer(1, 1_000, full=10, quick=1),
    },
}


# Pairs of parameters a chapter compares, (smaller, larger): the larger must be larger.
ORDERED = {"08_generating": [("BETA_LOW", "BETA_HIGH")]}


def declared(chapter):
    """Return a chapter's rules by name, or raise a KeyError that lists the chapters."""
    try:
        return CHAPTERS[chapter]
    except KeyError:
        raise KeyError(f"No chapter {chapter!r}; the chapters are {', '.join(CHAPTERS)}.") from None
