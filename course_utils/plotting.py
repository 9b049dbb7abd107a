"""Figures of the course: image grids with labels (appendix, chapters 1-6)."""

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, row_labels=None, titles=None, cell=1.0, cmap="gray", title=None):
    """Show a (rows, cols, H, W[, C]) array of images as a grid, rows labelled on the left."""
    images = np.asarray(images)
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * cell, rows * cell), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].squeeze(), cmap=cmap, vmin=0,
                      vmax=255 if images.dtype == np.uint8 else 1)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles is not None:
                ax.set_title(titles[r][c], fontsize=7)
        if row_labels is not None:
            axes[r, 0].set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def examples_per_class(images, labels, n_classes, per_class, seed=0):
    """Pick per_class random images of each class as a (n_classes, per_class, ...) array."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == k), per_class, replace=False)
             for k in range(n_classes)]
    return images[np.array(picks)]
