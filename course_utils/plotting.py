"""Figures of the course: image grids, latent scatters, decoded grids, loss curves.

Figure-level functions return the Figure (end a notebook line with ``;`` so Jupyter shows it
once); ``latent_scatter`` draws into an Axes, like Matplotlib's own plot functions.
"""

import io
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from scipy.stats import norm

# At most this many labelled ticks per axis of a decoded grid, so numbers never overlap.
MAX_TICK_LABELS = 8


def image_grid(images, row_labels=None, titles=None, cell=1.0, cmap="gray", title=None):
    """Show a (rows, cols, H, W[, C]) array of images as a grid, rows labelled on the left."""
    images = np.asarray(images)
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * cell, rows * cell), squeeze=False)
    for (r, c), ax in np.ndenumerate(axes):
        _show(ax, images[r, c], cmap)
        ax.set(xticks=[], yticks=[])
        if titles is not None:
            ax.set_title(titles[r][c], fontsize=7)
        if row_labels is not None and c == 0:
            ax.set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _show(ax, image, cmap):
    """Draw one image on its value scale: 0-255 for uint8, else 0-1."""
    vmax = 255 if image.dtype == np.uint8 else 1
    image = np.clip(image, 0, vmax).squeeze()
    ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=0, vmax=vmax)


def examples_per_class(images, labels, n_classes, per_class, seed=0):
    """Pick per_class random images of each class as a (n_classes, per_class, ...) array."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == k), per_class, replace=False)
             for k in range(n_classes)]
    return images[np.array(picks)]


def image_row(images, titles=None, cell=1.0, cmap="gray", title=None):
    """Show an (n, H, W[, C]) array of images in one row, each under an optional title."""
    titles = None if titles is None else [list(titles)]
    return image_grid(np.asarray(images)[None], titles=titles, cell=cell, cmap=cmap, title=title)


def reconstruction_rows(originals, reconstructions, n=10, cell=1.0, cmap="gray",
                        title="Originals and their reconstructions"):
    """Show the first n originals above their reconstructions, rows labelled."""
    n = min(n, len(originals), len(reconstructions))
    pairs = np.stack([np.asarray(originals[:n]), np.asarray(reconstructions[:n])])
    return image_grid(pairs, row_labels=["original", "reconstruction"], cell=cell, cmap=cmap,
                      title=title)


def latent_scatter(z, labels=None, class_names=None, ax=None, title="Latent space", dims=(0, 1),
                   size=4, alpha=0.6):
    """Scatter codes z on two latent dims, coloured by class when labels are given."""
    z = np.asarray(z)
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(7, 5) if labels is not None else (5.5, 5))
    x, y = z[:, dims[0]], z[:, dims[1]]
    if labels is None:
        ax.scatter(x, y, s=size, c="black", alpha=alpha, linewidths=0)
    else:
        labels = np.asarray(labels).astype(int)
        n_classes = len(class_names) if class_names is not None else labels.max() + 1
        if labels.min() < 0 or labels.max() >= n_classes:
            raise ValueError(f"Labels must lie in 0..{n_classes - 1} to match the {n_classes} "
                             f"class names; got {labels.min()}..{labels.max()}.")
        names = class_names if class_names is not None else [str(k) for k in range(n_classes)]
        colours = _class_scatter(ax, x, y, labels, n_classes, s=size, alpha=alpha)
        _legend(ax, [Line2D([], [], marker="o", linestyle="", color=colours(k % colours.N),
                            label=name) for k, name in enumerate(names)])
    ax.set(xlabel=f"z[{dims[0]}]", ylabel=f"z[{dims[1]}]", title=title)
    if own_figure:  # a caller's figure is laid out by the caller
        ax.figure.tight_layout()
    return ax


def _class_scatter(ax, x, y, labels, n_classes, **style):
    """Scatter points in their class colours; return the colour map."""
    colours = plt.get_cmap("tab10" if n_classes <= 10 else "tab20")
    # Drawn class by class, the last class would cover the others; shuffle instead.
    order = np.random.default_rng(0).permutation(len(labels))
    ax.scatter(x[order], y[order], c=colours(labels[order] % colours.N), linewidths=0, **style)
    return colours


def _legend(ax, handles):
    """Put a legend of class handles to the right of the axes."""
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
              fontsize=9)


def decoded_grid_figure(images, points=None, dims=(0, 1), cmap="gray",
                        title="Images decoded from a grid of latent points", size=6.0):
    """Show (n, m, H, W, C) decoded images as one tiled image, ticks at latent coords.

    ``points``, the (n, m, d) grid the images came from, gives the tick labels.
    """
    images = np.asarray(images)
    n, m, h, w = images.shape[:4]
    tiled = images.swapaxes(1, 2).reshape((n * h, m * w) + images.shape[4:])
    fig, ax = plt.subplots(figsize=(size + 1.0, size * (n * h) / (m * w) + 1.0))
    _show(ax, tiled, cmap)
    ax.set(xticks=[], yticks=[])
    if points is not None:
        points = np.asarray(points)
        if points.shape[:2] != (n, m):
            raise ValueError(f"points {points.shape} do not match the {n}x{m} grid of images.")
        _latent_ticks(ax.set_xticks, w, points[0, :, dims[0]])
        _latent_ticks(ax.set_yticks, h, points[:, 0, dims[1]])
    ax.set(xlabel=f"z[{dims[0]}]", ylabel=f"z[{dims[1]}]", title=title)
    fig.tight_layout()
    return fig


def _latent_ticks(set_ticks, cell, values):
    """Label the centres of every k-th cell with its latent coordinate."""
    step = math.ceil(len(values) / MAX_TICK_LABELS)
    shown = np.arange(0, len(values), step)
    set_ticks(shown * cell + (cell - 1) / 2, [f"{values[i]:.2f}" for i in shown])


def loss_curves(history, keys=None, title="Training curves", cell=(4.0, 3.0)):
    """Plot each key's training and val_ curve per epoch (keys: by default every non-val_ one)."""
    values = getattr(history, "history", history)
    keys = [k for k in values if not k.startswith("val_")] if keys is None else list(keys)
    missing = [k for k in keys if k not in values]
    if not keys or missing:
        raise KeyError(f"Nothing to plot for keys {missing or keys}; the history holds "
                       f"{sorted(values)}.")
    fig, axes = plt.subplots(1, len(keys), figsize=(cell[0] * len(keys), cell[1]), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for name, label in ((key, "training"), (f"val_{key}", "validation")):
            if name in values:
                ax.plot(np.arange(1, len(values[name]) + 1), values[name], marker="o",
                        markersize=3, label=label)
        ax.set(xlabel="epoch", ylabel=key.replace("_", " "),
               xlim=(0.5, max(len(v) for v in values.values()) + 0.5))
        # Whole epochs only; a one-epoch run would otherwise get fractional ticks.
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend(fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def mark_points(ax, points, dims=(0, 1), labels=None, color="black"):
    """Mark latent points on a scatter with numbered circles (1, 2, ... by default), on top."""
    points = np.asarray(points)
    labels = [str(i + 1) for i in range(len(points))] if labels is None else list(labels)
    if len(labels) != len(points):
        raise ValueError(f"Got {len(labels)} labels for {len(points)} points.")
    for (x, y), label in zip(points[:, list(dims)], labels):
        ax.text(x, y, label, ha="center", va="center", fontsize=8, fontweight="bold",
                color="white", zorder=5,
                bbox={"boxstyle": "circle,pad=0.3", "facecolor": color, "edgecolor": "white"})
    ax.update_datalim(points[:, list(dims)])
    ax.autoscale_view()
    return ax


def class_map_figure(class_map, low, high, class_names, z=None, labels=None,
                     title="Nearest-class map of the latent box", map_alpha=0.4, size=3):
    """Show a class map (row 0 at the top) over the box [low, high], codes z on top, coloured."""
    class_map = np.asarray(class_map).astype(int)
    colours = plt.get_cmap("tab10" if len(class_names) <= 10 else "tab20")
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    ax.imshow(colours(class_map % colours.N), extent=(low[0], high[0], low[1], high[1]),
              origin="upper", aspect="auto", interpolation="nearest", alpha=map_alpha)
    if z is not None:
        z = np.asarray(z)
        _class_scatter(ax, z[:, 0], z[:, 1], np.asarray(labels).astype(int), len(class_names),
                       s=size)
    _legend(ax, [Patch(facecolor=colours(k % colours.N), label=name)
                 for k, name in enumerate(class_names)])
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xlabel="z[0]", ylabel="z[1]",
           title=title)
    fig.tight_layout()
    return fig


def latent_histograms(z, title="Each latent dimension against N(0, 1)", bins=50, per_row=4):
    """Show a histogram of each latent dim with the N(0, 1) density overlaid."""
    z = np.asarray(z, dtype="float64")
    dims = z.shape[1]
    rows, cols = math.ceil(dims / per_row), min(dims, per_row)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[dims:]:
        ax.set_visible(False)
    for j, (ax, column) in enumerate(zip(axes.flat, z.T)):
        ax.hist(column, bins=bins, density=True, color="tab:blue", alpha=0.6, label="codes")
        # Cover both the codes and the bulk of N(0, 1), so a shifted code distribution shows.
        grid = np.linspace(min(column.min(), -4.0), max(column.max(), 4.0), 400)
        ax.plot(grid, norm.pdf(grid), color="black", linewidth=1.5, label="N(0, 1)")
        ax.set(xlabel=f"z[{j}]", ylabel="density")
        ax.set_title(f"z[{j}]: mean {column.mean():.2f}, std {column.std():.2f}", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def overlaid_histograms(groups, xlabel, title, bins=40, marks=None):
    """Show groups {label: values} of a score as densities on shared bins; marks {label: x}."""
    values = [np.asarray(v, dtype="float64") for v in groups.values()]
    edges = np.histogram_bin_edges(np.concatenate(values), bins=bins)
    fig, ax = plt.subplots(figsize=(7, 4))
    for (label, v), colour in zip(groups.items(), plt.get_cmap("tab10").colors):
        ax.hist(v, bins=edges, density=True, alpha=0.5, color=colour,
                label=f"{label} ({len(v):,})")
    for label, x in (marks or {}).items():
        ax.axvline(x, color="black", linestyle="--", linewidth=1, label=label)
    ax.set(xlabel=xlabel, ylabel="density", title=title)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def describe(fig):
    """Return a figure's titles as one sentence: what the site gives as its alt text."""
    titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
    seen = [t for t in dict.fromkeys(" ".join(t.split()) for t in titles) if t]
    if not seen:
        return "A figure of the chapter's run"
    shown = "; ".join(seen[:6]) + ("; ..." if len(seen) > 6 else "")
    return f"Figure: {shown}"


def _png_with_description(fig):
    """Return a figure as PNG bytes, like the inline backend, with its description inside."""
    if not fig.axes:
        return None
    buffer = io.BytesIO()
    fig.canvas.print_figure(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor(),
                            edgecolor=fig.get_edgecolor(), bbox_inches="tight",
                            metadata={"Description": describe(fig)})
    return buffer.getvalue()


def describe_figures_in_notebook():
    """Have each figure's PNG carry its titles (describe): the site's alt text.

    The site (booktools.sphinx_site) reads the description back from the PNG; in a plain Python
    process this does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from matplotlib.figure import Figure

    # The inline backend sets its own PNG formatter when it loads, at the first figure: load it
    # now (a figure made and closed), then put this one in its place.
    plt.close(plt.figure())
    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_description)
