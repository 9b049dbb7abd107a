"""Figures: each builds without error, with the expected axes, titles and labels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.random((12, 8, 8, 1)).astype("float32")
NAMES = ["T-shirt/top", "Trouser", "Pullover"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_image_grid_labels_rows_and_scales_by_dtype():
    images = (RNG.random((2, 3, 8, 8)) * 255).astype(np.uint8)
    fig = plotting.image_grid(images, row_labels=["a", "b"], title="Grid")
    assert len(image_axes(fig)) == 6
    assert fig.axes[3].get_ylabel() == "b"
    assert fig.axes[0].images[0].get_clim() == (0, 255)
    assert fig._suptitle.get_text() == "Grid"


def test_examples_per_class_picks_each_class():
    labels = np.repeat(np.arange(3), 4)
    picked = plotting.examples_per_class(np.arange(12), labels, n_classes=3, per_class=2)
    assert picked.shape == (3, 2)
    assert np.all(labels[picked] == np.arange(3)[:, None])


def test_image_row_titles_each_image():
    fig = plotting.image_row(IMAGES[:5], titles=[f"t{i}" for i in range(5)], title="Row")
    assert len(image_axes(fig)) == 5
    assert [ax.get_title() for ax in fig.axes] == ["t0", "t1", "t2", "t3", "t4"]


def test_image_row_shows_rgb_images():
    fig = plotting.image_row(RNG.random((3, 8, 8, 3)))
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)


def test_reconstruction_rows_are_two_labelled_rows():
    fig = plotting.reconstruction_rows(IMAGES, IMAGES[::-1], n=4)
    assert len(image_axes(fig)) == 8
    assert fig.axes[0].get_ylabel() == "original"
    assert fig.axes[4].get_ylabel() == "reconstruction"
    np.testing.assert_allclose(fig.axes[4].images[0].get_array(), IMAGES[-1, ..., 0])
    # n larger than the data shows what there is.
    assert len(image_axes(plotting.reconstruction_rows(IMAGES[:3], IMAGES[:3]))) == 6


def test_latent_scatter_without_labels_is_black():
    ax = plotting.latent_scatter(RNG.normal(size=(50, 2)), title="Embeddings")
    assert ax.get_title() == "Embeddings"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z[0]", "z[1]")
    assert np.allclose(ax.collections[0].get_facecolor()[:, :3], 0)
    assert ax.get_legend() is None


def test_latent_scatter_colours_classes_with_a_named_legend():
    z, labels = RNG.normal(size=(30, 4)), np.repeat(np.arange(3), 10)
    ax = plotting.latent_scatter(z, labels, NAMES, dims=(2, 3))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z[2]", "z[3]")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    colours = {tuple(c) for c in ax.collections[0].get_facecolor()[:, :3]}
    assert len(colours) == 3
    # Without names the legend shows class numbers.
    ax = plotting.latent_scatter(z, labels)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_latent_scatter_draws_into_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert plotting.latent_scatter(RNG.normal(size=(10, 2)), ax=axes[1]) is axes[1]
    assert len(fig.axes) == 2 and len(axes[1].collections) == 1


def test_latent_scatter_rejects_labels_beyond_the_names():
    with pytest.raises(ValueError, match="class names"):
        plotting.latent_scatter(RNG.normal(size=(4, 2)), [0, 1, 2, 3], NAMES)


def test_decoded_grid_figure_tiles_one_image_with_latent_ticks():
    points = np.stack(np.meshgrid(np.linspace(-2, 2, 15), np.linspace(3, -3, 15)), axis=-1)
    images = RNG.random((15, 15, 8, 6, 1))
    fig = plotting.decoded_grid_figure(images, points, title="Decoded")
    (ax,) = fig.axes
    assert ax.images[0].get_array().shape == (15 * 8, 15 * 6)
    np.testing.assert_allclose(ax.images[0].get_array()[8:16, 12:18], images[1, 2, ..., 0])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("z[0]", "z[1]", "Decoded")
    x_labels = [t.get_text() for t in ax.get_xticklabels()]
    y_labels = [t.get_text() for t in ax.get_yticklabels()]
    assert x_labels[0] == "-2.00" and x_labels[-1] == "2.00"
    assert y_labels[0] == "3.00" and y_labels[-1] == "-3.00"
    assert len(x_labels) <= plotting.MAX_TICK_LABELS
    assert ax.get_xticks()[0] == pytest.approx(2.5)  # the first cell's centre


def test_decoded_grid_figure_without_points_or_with_wrong_points():
    fig = plotting.decoded_grid_figure(RNG.random((3, 4, 5, 5, 3)))
    assert fig.axes[0].images[0].get_array().shape == (15, 20, 3)
    assert len(fig.axes[0].get_xticks()) == 0
    with pytest.raises(ValueError, match="do not match"):
        plotting.decoded_grid_figure(RNG.random((3, 4, 5, 5, 1)), np.zeros((4, 3, 2)))


class FakeHistory:
    history = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0], "kl_loss": [0.5, 0.4, 0.3]}


def test_loss_curves_plot_training_and_validation():
    fig = plotting.loss_curves(FakeHistory(), title="VAE")
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert [line.get_label() for line in ax.lines] == ["training", "validation"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    assert [line.get_label() for line in fig.axes[1].lines] == ["training"]
    assert fig._suptitle.get_text() == "VAE"


def test_loss_curves_from_a_dict_with_chosen_keys():
    fig = plotting.loss_curves(FakeHistory.history, keys=["kl_loss"])
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "kl loss"
    with pytest.raises(KeyError, match="holds"):
        plotting.loss_curves(FakeHistory.history, keys=["accuracy"])
    with pytest.raises(KeyError):
        plotting.loss_curves({})


def extents(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def test_decoded_grid_tick_labels_do_not_overlap():
    points = np.stack(np.meshgrid(np.linspace(-1.83, 1.83, 15), np.linspace(1.83, -1.83, 15)),
                      axis=-1)
    fig = plotting.decoded_grid_figure(RNG.random((15, 15, 28, 28, 1)), points)
    fig.canvas.draw()
    boxes = extents(fig, fig.axes[0].get_xticklabels())
    assert len(boxes) > 1
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))


def test_scatter_legend_stays_inside_the_figure():
    ax = plotting.latent_scatter(RNG.normal(size=(30, 2)), np.arange(30) % 10,
                                 [f"class number {k}" for k in range(10)])
    ax.figure.canvas.draw()
    (legend,) = extents(ax.figure, [ax.get_legend().get_texts()[0]])
    assert legend.x1 <= ax.figure.bbox.x1
    assert legend.x0 > ax.get_window_extent().x1  # beside the points, not on them


def test_mark_points_numbers_each_point_on_top_of_the_scatter():
    ax = plotting.latent_scatter(RNG.normal(size=(30, 3)))
    points = np.array([[0.5, 0.0, -1.0], [10.0, 1.0, 2.0]])
    assert plotting.mark_points(ax, points, dims=(0, 2)) is ax
    assert [t.get_text() for t in ax.texts] == ["1", "2"]
    assert ax.texts[1].get_position() == (10.0, 2.0)
    assert ax.get_xlim()[1] >= 10.0  # the axes grew to show the far point
    labels = plotting.mark_points(ax, points[:1], labels=["A"]).texts[-1].get_text()
    assert labels == "A"
    with pytest.raises(ValueError, match="labels"):
        plotting.mark_points(ax, points, labels=["A"])


def test_class_map_figure_draws_the_map_in_the_scatter_colours():
    class_map = np.array([[0, 0, 1], [2, 2, 1]])  # row 0 at the top
    z = np.array([[0.5, 0.5], [2.5, 1.5]])
    fig = plotting.class_map_figure(class_map, [0, 0], [3, 2], NAMES, z=z, labels=[0, 1],
                                    title="Map")
    (ax,) = fig.axes
    (image,) = ax.images
    assert image.get_extent() == [0, 3, 0, 2]
    colours = plt.get_cmap("tab10")
    np.testing.assert_allclose(image.get_array()[1, 0], colours(2))  # bottom left: class 2
    drawn = {tuple(np.round(c, 6)) for c in ax.collections[0].get_facecolors()}
    assert drawn == {tuple(np.round(colours(k), 6)) for k in (0, 1)}  # the codes, by class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("z[0]", "z[1]", "Map")


def test_class_map_figure_without_codes_has_only_the_map():
    fig = plotting.class_map_figure(np.zeros((4, 4), int), [-1, -1], [1, 1], NAMES)
    assert len(fig.axes[0].images) == 1 and not fig.axes[0].collections


def test_latent_histograms_overlay_the_normal_density():
    z = np.column_stack([RNG.normal(3, 0.5, 500), RNG.normal(0, 1, 500), RNG.normal(0, 1, 500)])
    fig = plotting.latent_histograms(z, title="Codes", per_row=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and len(fig.axes) == 4  # 2 x 2, the spare one hidden
    ax = visible[0]
    assert ax.get_xlabel() == "z[0]" and ax.get_ylabel() == "density"
    shown = float(ax.get_title().split("mean ")[1].split(",")[0])
    assert shown == pytest.approx(z[:, 0].mean(), abs=0.005)  # the codes' own mean, rounded
    (line,) = ax.lines
    x, y = line.get_data()
    assert x.min() <= -4 and x.max() >= z[:, 0].max()  # both N(0, 1) and the codes in view
    assert y.max() == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-3)
    assert fig._suptitle.get_text() == "Codes"


def test_overlaid_histograms_share_bins_and_mark_thresholds():
    fig = plotting.overlaid_histograms({"a": RNG.normal(size=100), "b": RNG.normal(2, 1, 50)},
                                       xlabel="score", title="Two groups", marks={"cut": 1.0})
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["a (100)", "b (50)", "cut"]
    assert ax.lines[0].get_xdata()[0] == 1.0
    widths = {round(p.get_width(), 9) for p in ax.patches}
    assert len(widths) == 1  # one set of bins for both groups
    assert ax.get_xlabel() == "score" and ax.get_title() == "Two groups"


def test_a_figure_is_described_by_its_titles_for_the_sites_alt_text():
    import io

    from PIL import Image

    fig, axes = plt.subplots(1, 2)
    fig.suptitle("Codes  of the test\nimages")
    axes[0].set_title("left")
    axes[1].set_title("left")  # said once
    assert plotting.describe(fig) == "Figure: Codes of the test images; left"
    with Image.open(io.BytesIO(plotting._png_with_description(fig))) as png:
        assert png.text["Description"] == "Figure: Codes of the test images; left"
    plt.close(fig)
    empty = plt.figure()
    assert plotting._png_with_description(empty) is None  # nothing drawn: nothing shown
    plt.close(empty)
