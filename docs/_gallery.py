"""Reading order of the example gallery (sphinx-gallery's ``within_subsection_order``).

The examples follow the user guide: first steps, then initialization, optimization,
regularization, inspection, transfer learning, interpretation and scaling out.
Examples not listed here come after, in file-name order.
"""

from __future__ import annotations

from pathlib import Path

ORDER = [
    "plot_quickstart.py",
    "plot_grid_search_alpha.py",
    "plot_choosing_alpha.py",
    "plot_initializers.py",
    "plot_initializer_symmetry.py",
    "plot_optimizers.py",
    "plot_learning_rate_range.py",
    "plot_l1_vs_l2.py",
    "plot_regularization_path.py",
    "plot_feature_selection.py",
    "plot_dropout_max_norm_monotone.py",
    "plot_weight_visualization.py",
    "plot_network_diagram.py",
    "plot_gradient_diagnosis.py",
    "plot_weight_evolution.py",
    "plot_transfer_learning.py",
    "plot_shap_explanation.py",
    "plot_exact_vs_deep.py",
    "plot_onnx_export.py",
    "plot_streaming.py",
]


def full_width_matplotlib_scraper(block, block_vars, gallery_conf):
    """sphinx-gallery's matplotlib scraper, every figure shown at full width.

    By default a code block that draws several figures shows them side by side as
    small thumbnails; here each is a full-width image, one below the other (as the
    ``sphinx_gallery_multi_image = "single"`` file setting does).
    """
    from sphinx_gallery.scrapers import matplotlib_scraper

    if block_vars.get("multi_image") is None:
        block_vars["multi_image"] = "single"
    return matplotlib_scraper(block, block_vars, gallery_conf)


class ExampleOrder:
    """Sort key: position in :data:`ORDER`, then the file name."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = Path(filename).name
        rank = ORDER.index(name) if name in ORDER else len(ORDER)
        return rank, name

    def __repr__(self) -> str:
        # sphinx-gallery hashes the repr to decide whether the config changed.
        return f"{type(self).__name__}()"
