"""Draws bench.png from report.py's summary (in the report venv, which has
matplotlib)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ours": "#1f77b4", "atomics-1.0.3": "#d62728", "atomics2": "#ff9896",
          "atomicshm": "#2ca02c", "cereggii": "#9467bd", "ft_utils": "#8c564b",
          "atomicx": "#e377c2", "python": "#7f7f7f"}


def draw(s, png_path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 7.5),
                                      gridspec_kw={"width_ratios": [1.15, 1]})

    # left: ns/op at width 8 (integers), one group of bars per operation
    impls = s["impls"]
    ops = [r["op"] for r in s["width8"]]
    height = 0.8 / max(len(impls), 1)
    for j, impl in enumerate(impls):
        ys, xs = [], []
        for i, r in enumerate(s["width8"]):
            cell = r["cells"].get(impl)
            if cell:
                ys.append(i + (j - (len(impls) - 1) / 2) * height)
                xs.append(cell["ns"])
        left.barh(ys, xs, height=height, color=COLORS.get(impl, "#333333"), label=impl)
    if s.get("int_global"):
        left.axvline(s["int_global"], color="black", linestyle="--", linewidth=1,
                     label="x += 1 (global int)")
    left.set_yticks(range(len(ops)))
    left.set_yticklabels(ops)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlabel("ns per call (log scale), width 8, integers - lower is better")
    left.set_title("Per-operation cost")
    left.legend(fontsize=8, loc="lower right")
    left.grid(axis="x", which="both", alpha=0.3)

    # right: contended throughput
    rows = [c for c in s["contended"] if "ops_per_s" in c]
    rows.sort(key=lambda c: (c["mode"], -c["ops_per_s"]))
    labels = ["%s [%s]\n%s" % (c["impl"], c["mode"], c["name"]) for c in rows]
    values = [c["ops_per_s"] for c in rows]
    bars = right.barh(range(len(rows)), values,
                      color=[COLORS.get(c["impl"], "#333333") for c in rows])
    for bar, c in zip(bars, rows):
        if c["note"]:  # the racy reference
            bar.set_hatch("//")
            bar.set_alpha(0.5)
    right.set_yticks(range(len(rows)))
    right.set_yticklabels(labels, fontsize=7)
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_xlabel("increments per second, 2 workers (log) - higher is better\n"
                     "hatched: not atomic (may lose updates)")
    right.set_title("Contended counter")
    right.grid(axis="x", which="both", alpha=0.3)

    fig.suptitle("atomics benchmark - %s" % s.get("title", ""), fontsize=11)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
